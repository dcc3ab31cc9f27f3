"""The layout's unread badge and parked-form check are read with the signed-in user, in the
same statement (``page_state``; issue 16: a round trip fewer on every page), and are read
again when the request itself changes a notification or a parked form — never shown stale."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import g

from bench.querycount import counting
from tests.conftest import login_as
from tracker.extensions import db
from tracker.models import Notification, NotificationKind, User, utcnow
from tracker.page_state import page_state
from tracker.services.sessions import user_with_session

BADGE = re.compile(r'class="badge">(\d+)<')


def _notify(username: str, count: int) -> int:
    user_id = db.session.scalar(sa.select(User.id).where(User.username == username))
    for n in range(count):
        db.session.add(Notification(user_id=user_id, kind=NotificationKind.SECURITY.value, text=f"通知 {n}"))
    db.session.commit()
    return user_id


def test_the_badge_comes_with_the_user_and_costs_no_statement(app, demo):
    with app.app_context():
        _notify("staff", 3)
        engine = db.engine
    client = login_as(app, "staff")
    client.get("/items")
    with counting(engine) as statements:
        page = client.get("/items").get_data(as_text=True)
    assert BADGE.findall(page) == ["3"]
    touching = [s for s in statements if "notification" in s.lower()]
    assert len(touching) == 1 and "user_account" in touching[0]  # the user's own statement


def test_a_change_in_the_request_is_read_again(app, demo):
    with app.app_context():
        user_id = _notify("staff", 3)
    with app.test_request_context("/items"):
        user, _record = user_with_session(user_id, None)
        assert user is not None and g.page_state.unread == 3
        first = db.session.scalar(sa.select(Notification).where(Notification.user_id == user_id).limit(1))
        first.read_at = utcnow()
        db.session.flush()  # one read in this request: the early answer is stale
        with _as(user):
            assert page_state().unread == 2
            db.session.execute(sa.update(Notification).where(Notification.user_id == user_id)
                               .values(read_at=utcnow()))  # all read, in bulk
            assert page_state().unread == 0
        db.session.rollback()


class _as:
    """``current_user`` is ``user`` inside the block (flask_login reads ``g._login_user``)."""

    def __init__(self, user):
        self.user = user

    def __enter__(self):
        g._login_user = self.user

    def __exit__(self, *exc):
        g.pop("_login_user", None)
