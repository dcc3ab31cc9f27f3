"""What the layout shows the signed-in user on every page — the unread-notice badge and a
form parked for this page at a session's end.

Both are read with the signed-in user (``services.sessions.user_with_session``: the columns
of ``state_columns``), so they cost no statement of their own: on PostgreSQL every
statement is a round trip, on every page (issue 16). A request that changes a notification
or a parked form of its own (marks notices read, parks or takes a form) makes that early
answer stale; ``page_state`` then reads it again, after the change.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from .extensions import db
from .models import Notification, ParkedForm
from .services.versioned import bulk_written_class


@dataclass(frozen=True, slots=True)
class PageState:
    unread: int
    parked_id: int | None  # the newest form parked for this page (GET requests only)


def state_columns(user_id) -> list[sa.ScalarSelect]:
    """The page state of ``user_id`` (a value or a column) as two scalar columns."""
    unread = sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery()
    parked = sa.null()
    if has_request_context() and request.method == "GET":  # a form is restored only on a GET's page
        parked = (sa.select(ParkedForm.id).where(ParkedForm.user_id == user_id, ParkedForm.page == request.path)
                  .order_by(ParkedForm.id.desc()).limit(1).scalar_subquery())
    return [unread, parked]


def remember_state(unread, parked_id) -> None:
    """Keep the state read with the signed-in user for this request (``state_columns``)."""
    if has_request_context() and not g.get("page_state_stale"):
        g.page_state = PageState(unread=unread or 0, parked_id=parked_id)


def page_state() -> PageState:
    """Read once per request, for the signed-in user (usually with the user already)."""
    if "page_state" not in g:
        count, parked_id = db.session.execute(sa.select(*state_columns(current_user.id))).one()
        g.page_state = PageState(unread=count or 0, parked_id=parked_id)
    return g.page_state


_WATCHED = (Notification, ParkedForm)


def _stale() -> None:
    if has_request_context():
        g.pop("page_state", None)
        g.page_state_stale = True


@sa.event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context, _instances) -> None:
    if any(isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        _stale()


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk(state) -> None:
    """``update(Notification)…`` (mark all read) / ``delete(ParkedForm)…`` bypass the flush."""
    written = bulk_written_class(state)
    if written is not None and issubclass(written, _WATCHED):
        _stale()
