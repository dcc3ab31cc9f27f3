"""Commitments (承诺) across the follow-through: the staff list and its home to-do, a closed
item kept in view while a promise is open, the long-open report, the public item page and
the ledger export. Through the HTTP client; runs on both databases."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Commitment, CommitmentSource, CommitmentStatus, local_today, utcnow

from .conftest import login_as
from .helpers import make_item


def _promise(item, text, *, due=None, proposed=None, status=CommitmentStatus.OPEN) -> int:
    commitment = Commitment(item_id=item.id, text=text, source=CommitmentSource.ANSWER, due_on=due,
                            confirmed_at=utcnow() if due else None, proposed_due=proposed, status=status)
    db.session.add(commitment)
    db.session.flush()
    return commitment.id


def _todo_count(client, key: str) -> int:
    html = client.get("/").get_data(as_text=True)
    found = re.search(rf'data-todo="{key}">\s*<a href="([^"]*)" class="todo-head">\s*'
                      r'<span class="todo-count">(\d+)', html)
    assert found, f"no to-do {key}"
    return int(found.group(2))


def test_staff_commitment_list_by_state_and_the_home_todo(app, demo):
    today = local_today()
    staff = login_as(app, "staff")
    before = _todo_count(staff, "commitments_overdue")
    with app.app_context():
        from tracker.models import Stage
        open_item, closed_item, withdrawn = (make_item(stage="rectifying"), make_item(stage="closed"),
                                             make_item(stage="rectifying"))
        withdrawn.stage = Stage.WITHDRAWN
        _promise(open_item, "逾期的校舍改造承诺", due=today - timedelta(days=3))
        _promise(open_item, "临期的线路调整承诺", due=today + timedelta(days=5))
        _promise(open_item, "只有建议日期的承诺", proposed=today + timedelta(days=40))
        _promise(open_item, "已兑现的承诺", due=today - timedelta(days=9), status=CommitmentStatus.KEPT)
        _promise(closed_item, "办结后仍未兑现的承诺", due=today + timedelta(days=60))
        _promise(withdrawn, "作废事项的承诺", due=today - timedelta(days=3))
        db.session.commit()
        closed_id = closed_item.id
    assert _todo_count(staff, "commitments_overdue") == before + 1
    pages = {state: staff.get(f"/followup/commitments?state={state}") for state in
             ("overdue", "due", "unconfirmed", "after_closure")}
    assert all(r.status_code == 200 for r in pages.values())
    html = {state: r.get_data(as_text=True) for state, r in pages.items()}
    assert "逾期的校舍改造承诺" in html["overdue"] and "逾期未兑现" in html["overdue"]
    assert "临期的线路调整承诺" not in html["overdue"] and "作废事项的承诺" not in html["overdue"]
    assert "已兑现的承诺" not in html["overdue"]
    assert "临期的线路调整承诺" in html["due"] and "逾期的校舍改造承诺" not in html["due"]
    assert "只有建议日期的承诺" in html["unconfirmed"] and "待确认" in html["unconfirmed"]
    # A closed item stays followed while its promise is open ...
    after = html["after_closure"]
    assert "办结后仍未兑现的承诺" in after and f"/items/{closed_id}#commitments" in after
    assert "逾期的校舍改造承诺" not in after
    # ... and leaves the list once it is kept.
    with app.app_context():
        db.session.execute(sa.update(Commitment).where(Commitment.item_id == closed_id)
                           .values(status=CommitmentStatus.KEPT))
        db.session.commit()
    assert "办结后仍未兑现的承诺" not in staff.get("/followup/commitments?state=after_closure").get_data(as_text=True)
    # An unknown state falls back to the overdue list instead of failing.
    assert staff.get("/followup/commitments?state=<x>").status_code == 200
    assert login_as(app, "unit_edu").get("/followup/commitments").status_code in (403, 404)


def test_followed_after_closure_rule_matches_open_commitments_for(app_ctx, demo):
    from tracker.models import Item
    from tracker.services.commitments import followed_after_closure_clause, open_commitments_for
    closed, kept, rectifying = make_item(stage="closed"), make_item(stage="closed"), make_item(stage="rectifying")
    _promise(closed, "一", due=local_today())
    _promise(kept, "二", due=local_today(), status=CommitmentStatus.KEPT)
    _promise(rectifying, "三", due=local_today())
    db.session.commit()
    in_sql = set(db.session.scalars(sa.select(Item.id).where(followed_after_closure_clause())))
    closed_ids = [closed.id, kept.id]
    assert in_sql & set(closed_ids) == set(open_commitments_for(closed_ids)) == {closed.id}
    assert rectifying.id not in in_sql


def test_public_item_page_shows_confirmed_dates_and_status_only_when_published(app, demo):
    from tracker.services import activities as activity_ops
    from tracker.services import items as ops

    from .helpers import make_activity, user
    today = local_today()
    with app.app_context():
        activity = make_activity("公开承诺的专题询问")
        item = make_item(activity, stage="rectifying")
        hidden = make_item(activity, stage="rectifying")
        _promise(item, "年底前新建两所学校", due=today + timedelta(days=60))
        _promise(item, "明年完成校车线路调整", proposed=date_marker(today))
        _promise(item, "上月应完成的食堂改造", due=today - timedelta(days=20))
        _promise(hidden, "未公布事项的承诺", due=today + timedelta(days=60))
        staff = user("staff")
        activity_ops.set_activity_published(activity, True, staff)
        ops.set_item_published(item, True, staff)
        db.session.commit()
        item_id, hidden_id = item.id, hidden.id
    public = app.test_client()
    html = public.get(f"/public/items/{item_id}").get_data(as_text=True)
    assert "承诺事项" in html and "年底前新建两所学校" in html
    assert (today + timedelta(days=60)).strftime("%Y") in html
    # The proposed date is a guess: it is not published, the line says so.
    assert "明年完成校车线路调整" in html and "日期待确认" in html
    assert date_marker(today).isoformat() not in html and _cn(date_marker(today)) not in html
    # An open promise past its confirmed date reads 逾期未兑现, by the light.
    row = html[html.index("上月应完成的食堂改造"):]
    assert row.index("逾期未兑现") < row.index("</tr>")
    assert public.get(f"/public/items/{hidden_id}").status_code == 404
    with app.app_context():
        from tracker.models import Activity, Item
        from tracker.visibility import public_commitments
        hidden_item = db.session.get(Item, hidden_id)
        activity = db.session.get(Activity, hidden_item.activity_id)
        assert public_commitments(hidden_item, activity) == []


def date_marker(today):
    """A proposed date far enough out that no other date on the page equals it."""
    return today + timedelta(days=333)


def _cn(day) -> str:
    from tracker.templating import cn_date
    return cn_date(day)


def test_ledger_export_and_long_open_list_commitment_rows(app, demo):
    import io

    from openpyxl import load_workbook

    from tracker.ledger.export import HEADERS
    from tracker.workdays import add_months

    from .helpers import make_activity
    today = local_today()
    with app.app_context():
        old_activity = make_activity(title="十三个月前的专题询问")
        old_activity.meeting_date = add_months(today, -13)
        old = make_item(activity=old_activity, stage="rectifying")
        old.commitments = "旧的承诺文字"
        _promise(old, "年底前完成学校改扩建", due=today - timedelta(days=2))
        _promise(old, "建立长效机制", proposed=today + timedelta(days=90))
        _promise(old, "已做到的事", due=today - timedelta(days=30), status=CommitmentStatus.KEPT)
        db.session.commit()
        old_id = old.id
    overdue_line = f"年底前完成学校改扩建（{(today - timedelta(days=2)).isoformat()}，逾期未兑现）"
    staff = login_as(app, "staff")
    sheet = load_workbook(io.BytesIO(staff.get("/ledger/export").data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[1]) == HEADERS and "承诺" in HEADERS
    column = HEADERS.index("承诺")
    [cell] = [row[column] for row in values[2:] if row[column] and "年底前完成学校改扩建" in row[column]]
    assert cell.split("\n") == [overdue_line, "建立长效机制（待确认，未到期）",
                                f"已做到的事（{(today - timedelta(days=30)).isoformat()}，已兑现）"]
    page = staff.get("/ledger/long-open").get_data(as_text=True)
    assert f"/items/{old_id}\"" in page and "年底前完成学校改扩建" in page and "待确认" in page
    assert "旧的承诺文字" not in page  # the rows replace the prose once there are rows
    long_sheet = load_workbook(io.BytesIO(staff.get("/ledger/long-open.xlsx").data)).active
    flat = " ".join(str(v) for row in long_sheet.iter_rows(values_only=True) for v in row if v is not None)
    assert overdue_line in flat and "建立长效机制（待确认，未到期）" in flat
