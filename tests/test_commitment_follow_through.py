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
             ("overdue", "due", "unconfirmed", "closed")}
    assert all(r.status_code == 200 for r in pages.values())
    html = {state: r.get_data(as_text=True) for state, r in pages.items()}
    assert "逾期的校舍改造承诺" in html["overdue"] and "逾期未兑现" in html["overdue"]
    assert "临期的线路调整承诺" not in html["overdue"] and "作废事项的承诺" not in html["overdue"]
    assert "已兑现的承诺" not in html["overdue"]
    assert "临期的线路调整承诺" in html["due"] and "逾期的校舍改造承诺" not in html["due"]
    assert "只有建议日期的承诺" in html["unconfirmed"] and "待确认" in html["unconfirmed"]
    # A closed item stays followed while its promise is open ...
    assert "办结后仍未兑现的承诺" in html["closed"] and f"/items/{closed_id}#commitments" in html["closed"]
    assert "逾期的校舍改造承诺" not in html["closed"]
    # ... and leaves the list once it is kept.
    with app.app_context():
        db.session.execute(sa.update(Commitment).where(Commitment.item_id == closed_id)
                           .values(status=CommitmentStatus.KEPT))
        db.session.commit()
    assert "办结后仍未兑现的承诺" not in staff.get("/followup/commitments?state=closed").get_data(as_text=True)
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
