"""What the layout shows the signed-in user on every page — the unread-notice badge and a
form parked for this page at a session's end — read in one statement.

Two statements cost a database round trip more on every page, which is measurable on
PostgreSQL (issue 16); the header badge asks first, the parked-form notice reuses the answer.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, request
from flask_login import current_user

from .extensions import db
from .models import Notification, ParkedForm


@dataclass(frozen=True, slots=True)
class PageState:
    unread: int
    parked_id: int | None  # the newest form parked for this page (GET requests only)


def page_state() -> PageState:
    """Read once per request, for the signed-in user."""
    if "page_state" not in g:
        user_id = current_user.id
        unread = sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery()
        parked = sa.null()
        if request.method == "GET":  # a form is restored only on the page shown by a GET
            parked = (sa.select(ParkedForm.id).where(ParkedForm.user_id == user_id, ParkedForm.page == request.path)
                      .order_by(ParkedForm.id.desc()).limit(1).scalar_subquery())
        count, parked_id = db.session.execute(sa.select(unread, parked)).one()
        g.page_state = PageState(unread=count or 0, parked_id=parked_id)
    return g.page_state
