"""Home pages are to-do lists (issue 14): counts per role, through the visibility rule."""
from __future__ import annotations

import re

from flask import url_for

from tests.conftest import login_as
from tests.helpers import make_item, user
from tracker.extensions import db
from tracker.main import todos
from tracker.models import Role
from tracker.services import items as ops


def _counts(client) -> dict[str, int]:
    html = client.get("/").get_data(as_text=True)
    return {key: int(count) for key, count in re.findall(
        r'data-todo="([a-z_]+)">\s*<a href="[^"]*" class="todo-head">\s*<span class="todo-count">(\d+)', html)}


def test_staff_counts_reports_and_assignments(app, demo):
    before = _counts(login_as(app, "staff"))
    with app.app_context():
        make_item(stage="reported")
        make_item(stage="answered")
        db.session.commit()
    after = _counts(login_as(app, "staff"))
    assert after["reports"] == before["reports"] + 1
    assert after["to_assign"] == before["to_assign"] + 1
    assert {"extensions", "sittings", "overdue", "to_evaluate"} <= after.keys()


def test_unit_counts_only_its_own_items_and_shows_the_return_reason(app, demo):
    edu_before, health_before = _counts(login_as(app, "unit_edu")), _counts(login_as(app, "unit_health"))
    with app.app_context():
        make_item(stage="assigned")  # 区教育局
        reported = make_item(stage="reported")
        ops.return_report(reported, "缺少整改前后的对比数据", user("staff"))
        db.session.commit()
    edu = login_as(app, "unit_edu")
    after = _counts(edu)
    assert after["acknowledge"] == edu_before["acknowledge"] + 1
    assert after["returned"] == edu_before["returned"] + 1
    assert "退回理由：缺少整改前后的对比数据" in edu.get("/").get_data(as_text=True)
    assert _counts(login_as(app, "unit_health")) == health_before  # another unit's work is not counted
    assert "reports" not in after  # staff to-dos are not shown to units


def test_each_role_sees_its_own_list_and_no_navigation_repeat(app, demo):
    for username, key in [("reviewer1", "ballots"), ("admin", "locked"), ("secadmin", "calendar"),
                          ("auditor", "audit_week")]:
        client = login_as(app, username)
        assert key in _counts(client), username
    html = login_as(app, "staff").get("/").get_data(as_text=True)
    main = html[html.index("<main"):]
    assert 'class="cards"' not in main  # the old cards that repeated the navigation


def test_a_feature_adds_its_todo_with_one_entry(app, demo):
    todo = todos.Todo("handbacks_test", "退办申请待审核", frozenset({Role.STAFF}), lambda u, t: 7,
                      lambda u: url_for("items.index"))
    todos.register(todo)
    try:
        assert _counts(login_as(app, "staff"))["handbacks_test"] == 7
        assert "handbacks_test" not in _counts(login_as(app, "unit_edu"))
    finally:
        todos.TODOS.remove(todo)


def test_my_items_puts_acknowledge_and_returned_first(app, demo):
    with app.app_context():
        make_item(stage="rectifying", deadline_days=1)
        waiting = make_item(stage="assigned", deadline_days=200)
        db.session.commit()
        waiting_id = waiting.id
    html = login_as(app, "unit_edu").get("/my").get_data(as_text=True)
    first = re.search(r'href="/items/(\d+)"', html[html.index("<tbody"):]).group(1)
    assert int(first) == waiting_id


def test_due_soon_says_how_many_working_days(app, demo):
    html = login_as(app, "unit_edu").get("/").get_data(as_text=True)
    assert re.search(r"\d+ 个工作日内到期（黄灯）", html)


def test_follow_through_todos_count_handbacks_lookbacks_and_commitments(app, demo):
    """The follow-through features' lines: 退办 and due 回头看 for staff; commitments due and
    回头看 to answer for the lead unit, never another unit's."""
    from datetime import timedelta

    from tracker.models import local_today
    from tracker.models.base import to_local
    from tracker.services import commitments as commitment_ops
    from tracker.services.handbacks import request_handback
    from tracker.services.lookbacks import schedule_lookback
    staff_before = _counts(login_as(app, "staff"))
    edu_before, health_before = _counts(login_as(app, "unit_edu")), _counts(login_as(app, "unit_health"))
    with app.app_context():
        request_handback(make_item(stage="rectifying"), "不属于本单位职责", None, user("unit_edu"))
        closed = make_item(stage="closed")
        closed_on = to_local(closed.closed_at).date() if closed.closed_at else local_today()  # the China-time day
        lookback = schedule_lookback(closed, closed_on, None, user("staff"))
        lookback.due_on, lookback.notified_at = local_today(), closed.closed_at or local_today()
        rectifying = make_item(stage="rectifying")
        commitment_ops.add_commitment(rectifying, commitment_ops.CommitmentData(
            "十日内完成校车线路调整。", due_on=local_today() + timedelta(days=10)), user("staff"))
        db.session.commit()
    staff = _counts(login_as(app, "staff"))
    assert staff["handbacks"] == staff_before["handbacks"] + 1
    assert staff["lookbacks"] == staff_before["lookbacks"] + 1
    edu = login_as(app, "unit_edu")
    after = _counts(edu)
    assert after["unit_commitments"] == edu_before["unit_commitments"] + 1
    assert after["unit_lookbacks"] == edu_before["unit_lookbacks"] + 1
    assert "十日内完成校车线路调整" in edu.get("/").get_data(as_text=True)
    assert _counts(login_as(app, "unit_health")) == health_before
