"""Reference data that changes rarely and is read on every page — the units for the filter
and 交办 selects, the recent activities and the years of the list filter, the working-day
calendar — kept per process and dropped when it changes (issue 16, point 8).

Several app nodes may serve the same database, so a node cannot learn of a change from its
own memory. The version lives in the database: one ``setting`` row (``refdata_version``)
gets a new random token in the same transaction as any change to a unit, an activity or a
calendar override (a session hook, so no view has to remember it; bulk loaders that insert
with Core call :func:`bump`). A request reads that one row once and uses the node's copy
only when it was built under the same token; a rolled-back change rolls its token back too.
Without the row (a fresh or truncated database) nothing is cached.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Activity, CalendarOverride, Setting, Unit, utcnow

VERSION_KEY = "refdata_version"
WATCHED: tuple[type, ...] = (Unit, Activity, CalendarOverride)
_FLAG = "refdata_changed"


def bump(connection: sa.Connection | None = None) -> str:
    """Give the reference data a new version (in the caller's transaction)."""
    conn = connection if connection is not None else db.session.connection()
    token = uuid4().hex
    table = Setting.__table__
    updated = conn.execute(table.update().where(table.c.key == VERSION_KEY).values(value=token, updated_at=utcnow()))
    if updated.rowcount == 0:
        conn.execute(table.insert().values(key=VERSION_KEY, value=token, updated_at=utcnow()))
    if has_app_context():
        g.refdata_version = None  # this request sees its own uncommitted change: no cached copy
    return token


@sa.event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context, _instances) -> None:
    if any(isinstance(obj, WATCHED) for objs in (session.new, session.dirty, session.deleted) for obj in objs):
        session.info[_FLAG] = True


@sa.event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, _context) -> None:
    if session.info.pop(_FLAG, False):
        bump(session.connection())


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk(state) -> None:
    """``update(Unit)…`` / ``delete(Activity)…`` through the session bypass the flush."""
    if (state.is_update or state.is_delete or state.is_insert) and state.bind_mapper is not None \
            and issubclass(state.bind_mapper.class_, WATCHED):
        bump(state.session.connection())


def current_version() -> str | None:
    """The committed version, read once per request."""
    if "refdata_version" not in g:
        value = db.session.scalar(sa.select(Setting.value).where(Setting.key == VERSION_KEY))
        g.refdata_version = value if isinstance(value, str) else None
    return g.refdata_version


def cached(name: str, build: Callable[[], Any]) -> Any:
    """``build()``'s value, reused by this process while the version stays the same.
    The value must not be changed by its readers (callers copy lists they hand out)."""
    if not has_app_context():
        return build()
    version = current_version()
    if version is None:
        return build()
    store: dict[str, tuple[str, Any]] = current_app.extensions.setdefault("refdata", {})
    hit = store.get(name)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = build()
    store[name] = (version, value)
    return value
