"""Commitments beyond their panel: the dashboard's answer classes, the light and its SQL
twin, the daily job's reminders, the query counts of the pages that show them, the demo
data and the item page's element ids."""
from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
    AnswerClass,
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    Item,
    Notice,
    local_today,
)

from .commitment_support import add_commitment, commitments_of, meeting_of, stored_item
from .conftest import login_as
from .helpers import PDF_BYTES, make_activity, make_item, user


def test_dashboard_answer_classes_per_unit_match_hand_computed_figures(app, demo):
    """区教育局: A, B, B, unclassed → A 1 (33.3%), B 2 (66.7%), classed 3, unclassed 1.
    区卫生健康局: C, D → C 1 (50.0%), D 1 (50.0%). Total: A 1, B 2, C 1, D 1 of 5 classed
    (20.0%, 40.0%, 20.0%, 20.0%), unclassed 2 (one not yet assigned: its own row, so the rows add
    up to 合计). A withdrawn item with a class counts nowhere."""
    with app.test_request_context():
        activity = make_activity()
        plan = [("区教育局", AnswerClass.A), ("区教育局", AnswerClass.B), ("区教育局", AnswerClass.B),
                ("区教育局", None), ("区卫生健康局", AnswerClass.C), ("区卫生健康局", AnswerClass.D)]
        for unit_name, cls in plan:
            item = make_item(activity=activity, stage="rectifying", unit_name=unit_name)
            item.answer_class = cls  # the fixture sets the class; the rules are tested above
        make_item(activity=activity, stage="answered")  # not yet assigned, no class: the 未交办 row
        withdrawn = make_item(activity=activity, stage="answered")
        from tracker.services import corrections
        corrections.withdraw_item(withdrawn, "重复录入", user("staff"))
        withdrawn.answer_class = AnswerClass.A
        db.session.commit()
        from tracker.dashboard.classes import answer_class_rows
        from tracker.dashboard.scope import Scope
        rows, total = answer_class_rows(Scope(activity.meeting_date.year))
        year = activity.meeting_date.year
    figures = {r.name: ([r.counts[c] for c in AnswerClass], r.unclassed) for r in rows}
    assert figures == {"区教育局": ([1, 2, 0, 0], 1), "区卫生健康局": ([0, 0, 1, 1], 0),
                       "（未交办）": ([0, 0, 0, 0], 1)}
    assert [total.counts[c] for c in AnswerClass] == [1, 2, 1, 1] and total.unclassed == 2
    assert [r.name for r in rows][-1] == "（未交办）"  # last, and the rows add up to 合计
    edu = next(r for r in rows if r.name == "区教育局")
    assert round(edu.rate(AnswerClass.B), 4) == 0.6667 and round(total.rate(AnswerClass.A), 4) == 0.2
    page = login_as(app, "staff").get(f"/dashboard?year={year}").get_data(as_text=True)
    section = page[page.index('id="answer-classes"'):]
    assert "B 正在解决" in section
    assert "2 <small class=\"muted\">（66.7%）</small>" in section
    assert "1 <small class=\"muted\">（50.0%）</small>" in section
    assert "2 <small class=\"muted\">（40.0%）</small>" in section


# -- the light and its SQL twin; the daily job ---------------------------------------------

def test_commitment_light_and_its_sql_twin_agree(app, demo):
    from tracker.lights import commitment_light, commitment_overdue_clause
    item_id = stored_item(app)
    today = local_today()
    with app.test_request_context():
        item = db.session.get(Item, item_id)
        for offset in range(-3, 4):
            for status in CommitmentStatus:
                db.session.add(Commitment(item_id=item.id, text=f"{offset}{status.value}",
                                          source=CommitmentSource.OTHER, due_on=today + timedelta(days=offset),
                                          confirmed_at=today, status=status))
        db.session.add(Commitment(item_id=item.id, text="待确认", source=CommitmentSource.OTHER,
                                  proposed_due=today - timedelta(days=5)))
        db.session.flush()
        rows = db.session.scalars(sa.select(Commitment)).all()
        red_in_sql = set(db.session.scalars(sa.select(Commitment.id).where(commitment_overdue_clause(today))))
        red_in_python = {c.id for c in rows if commitment_light(c.status, c.due_on, today).overdue}
        assert red_in_sql == red_in_python and len(red_in_python) == 3
        db.session.rollback()


def test_the_daily_job_reminds_per_commitment_once(app, demo):
    from tracker.jobs.remind import run_remind
    item_id = stored_item(app)
    staff = login_as(app, "staff")
    today = local_today()
    add_commitment(staff, item_id, text="临期承诺", due=today + timedelta(days=1))
    add_commitment(staff, item_id, text="逾期承诺", due=max(meeting_of(app, item_id), today - timedelta(days=3)))
    add_commitment(staff, item_id, text="远期承诺", due=today + timedelta(days=90))
    add_commitment(staff, item_id, text="待确认承诺")
    kept_url = None
    for c in commitments_of(app, item_id):
        if c.text == "远期承诺":
            kept_url = f"/items/{item_id}/commitments/{c.id}"
    with app.app_context():
        first = run_remind(today, deliver_mail=False)
        keys = sorted(db.session.scalars(sa.select(Notice.dedupe_key).where(Notice.dedupe_key.like("commitment-%"))))
    overdue_expected = max(meeting_of(app, item_id), today - timedelta(days=3)) < today
    assert sum(first.commitments.sent.values()) == 1 + int(overdue_expected)
    assert all(k.startswith(("commitment-remind:", "commitment-warn:")) for k in keys)
    with app.app_context():
        again = run_remind(today, deliver_mail=False)
    assert sum(again.commitments.sent.values()) == 0 and again.commitments.already_sent == len(keys)
    assert "承诺提醒" in again.summary()
    # A new date is a new promise to remind about; a kept one is not reminded.
    staff.post(f"{kept_url}/confirm", {"due_on": (today + timedelta(days=1)).isoformat()})
    [near] = [c for c in commitments_of(app, item_id) if c.text == "临期承诺"]
    staff.post(f"/items/{item_id}/commitments/{near.id}/status", {"status": "kept"})
    with app.app_context():
        third = run_remind(today, deliver_mail=False)
        unit_lines = db.session.scalar(sa.select(sa.func.count()).select_from(Notice).where(
            Notice.dedupe_key.like("commitment-remind:%")))
    assert sum(third.commitments.sent.values()) == 1 and unit_lines == 2


def test_open_commitments_for_counts_only_open_ones(app, demo):
    from tracker.services.commitments import open_commitments_for
    item_id = stored_item(app)
    staff = login_as(app, "staff")
    add_commitment(staff, item_id, text="一")
    add_commitment(staff, item_id, text="二")
    first = commitments_of(app, item_id)[0]
    staff.post(f"/items/{item_id}/commitments/{first.id}/status", {"status": "kept"})
    with app.app_context():
        assert open_commitments_for([item_id, 999_999]) == {item_id: 1}
        assert open_commitments_for([]) == {}


def test_item_page_and_my_items_cost_the_same_queries_with_more_commitments(app, demo):
    from bench.querycount import page_queries
    item_id = stored_item(app)
    staff, unit = login_as(app, "staff"), login_as(app, "unit_edu")

    def add_with_evidence(n):
        for i in range(n):
            add_commitment(staff, item_id, text=f"承诺{i}", due=local_today() + timedelta(days=5 + i))
            newest = commitments_of(app, item_id)[-1]
            unit.post(f"/items/{item_id}/commitments/{newest.id}/evidence", {
                "text": f"进展{i}", "files": [(io.BytesIO(PDF_BYTES), f"证明{i}.pdf")]},
                content_type="multipart/form-data")

    def measure():
        return [page_queries(app, client.http, path)
                for client, path in ((staff, f"/items/{item_id}"), (unit, f"/items/{item_id}"), (unit, "/my"))]

    add_with_evidence(1)
    before = measure()
    add_with_evidence(6)
    assert measure() == before
    assert all(status == 200 for status, _ in before)


def test_the_demo_shows_each_status_classes_and_a_due_soon_commitment(app, demo):
    from tracker.demo import load_demo_items
    with app.test_request_context():
        load_demo_items()
        db.session.commit()
    with app.app_context():
        statuses = set(db.session.scalars(sa.select(Commitment.status)))
        classes = set(db.session.scalars(sa.select(Item.answer_class).where(Item.answer_class.is_not(None))))
        proposed = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)
                                     .where(Commitment.due_on.is_(None), Commitment.proposed_due.is_not(None)))
        overdue_item = db.session.scalar(sa.select(Commitment.item_id).where(
            Commitment.status == CommitmentStatus.OPEN, Commitment.due_on < local_today()))
        from_report = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)
                                        .where(Commitment.source == CommitmentSource.REPORT))
    assert statuses == set(CommitmentStatus) and classes == set(AnswerClass)
    assert proposed >= 1 and from_report >= 1 and overdue_item is not None
    staff = login_as(app, "staff")
    page = staff.get(f"/items/{overdue_item}").get_data(as_text=True)
    assert "逾期未兑现" in page[page.index('id="commitments"'):]
    with app.app_context():
        from tracker.models import Activity
        year = db.session.scalar(sa.select(Activity.meeting_date).join(Item, Item.activity_id == Activity.id)
                                 .where(Item.answer_class == AnswerClass.D)).year
    figures = staff.get(f"/dashboard?year={year}").get_data(as_text=True)
    assert "1 <small class=\"muted\">" in figures[figures.index('id="answer-classes"'):]
    assert "三年内每个卫生院" in login_as(app, "unit_health").get("/my").get_data(as_text=True)


def test_item_page_ids_are_unique_with_the_answer_form_and_the_commitment_panel(app, demo):
    """Bug found by the browser journey: the answer form's 承诺事项 box and the 承诺 panel
    were both id="commitments" (a label, a link anchor and the browser tests then hit the
    wrong one)."""
    import collections
    import re
    item_id = stored_item(app, stage="answered")
    html = login_as(app, "staff").get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="answer-commitments"' in html and 'id="commitments"' in html
    visible = [tag for tag in re.findall(r"<[a-z]+\s[^>]*>", html) if 'type="hidden"' not in tag]
    ids = collections.Counter(m for tag in visible for m in re.findall(r'\sid="([^"]+)"', tag))
    assert [i for i, n in ids.items() if n > 1] == []
