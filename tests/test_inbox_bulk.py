"""通知 (issue 14): the reason is in the text, filter by kind, mark read in bulk."""
from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import login_as
from tests.helpers import make_item, user
from tracker.extensions import db
from tracker.models import Notification, NotificationKind
from tracker.services import items as ops


def _unread(app, username: str, kind: str | None = None) -> int:
    with app.app_context():
        stmt = sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user(username).id,
                                                               Notification.read_at.is_(None))
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        return db.session.scalar(stmt)


def _world(app) -> None:
    with app.app_context():
        make_item(stage="assigned")
        reported = make_item(stage="reported")
        ops.return_report(reported, "缺少整改前后的对比照片", user("staff"))
        db.session.commit()


def test_return_notice_says_the_reason_and_kinds_filter(app, demo):
    _world(app)
    edu = login_as(app, "unit_edu")
    page = edu.get("/notifications?kind=return").get_data(as_text=True)
    assert "缺少整改前后的对比照片" in page
    assert "新交办事项" not in page  # the filter keeps other kinds out
    assert "报告退回 " in edu.get("/notifications").get_data(as_text=True)  # a chip per kind
    assert edu.get("/notifications?kind=<script>").status_code == 200  # unknown kind: all


def test_mark_read_by_kind_selected_and_all(app, demo):
    _world(app)
    edu = login_as(app, "unit_edu")
    edu.refresh_csrf("/notifications")
    returns, assigns = _unread(app, "unit_edu", "return"), _unread(app, "unit_edu", "assign")
    assert returns >= 1 and assigns >= 1
    assert edu.post("/notifications/read-all", {"kind": "return", "scope": "all"}).status_code == 303
    assert _unread(app, "unit_edu", "return") == 0 and _unread(app, "unit_edu", "assign") == assigns
    with app.app_context():
        one = db.session.scalar(sa.select(Notification.id).where(
            Notification.user_id == user("unit_edu").id, Notification.kind == NotificationKind.ASSIGN.value,
            Notification.read_at.is_(None)).limit(1))
        foreign = db.session.scalar(sa.select(Notification.id).where(
            Notification.user_id == user("staff").id, Notification.read_at.is_(None)).limit(1))
    staff_unread = _unread(app, "staff")
    edu.post("/notifications/read-all", {"ids": [str(one), str(foreign)], "scope": "selected"})
    assert _unread(app, "unit_edu", "assign") == assigns - 1
    assert _unread(app, "staff") == staff_unread  # another user's notification is never touched
    edu.post("/notifications/read-all", {"scope": "all"})
    assert _unread(app, "unit_edu") == 0
