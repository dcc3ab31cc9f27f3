"""History rows that must be kept whatever the request goes on to do — refusals, sign-ins,
session ends, downloads — and the short transactions that write them.

Not an operation (``services/`` never commits): this is the request's plumbing, like the
error handlers that call it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .database import SAFE_METHODS
from .extensions import db
from .models import AuditAction, AuditEntry, User
from .services import audit_chain  # noqa: F401 - links every new row into the hash chain


def log_event(
    action: AuditAction,
    summary: str,
    *,
    object_type: str = "security",
    object_id: int | None = None,
    details: dict[str, Any] | None = None,
    actor: User | None = None,
) -> None:
    """Record a security event and commit it now, whatever the request goes on to do.

    For refusals, sign-ins and downloads: the event must survive although nothing else
    in the request is saved; whatever the request had pending is rolled back first (a
    refused request changes nothing).
    """
    if not isinstance(action, AuditAction):
        raise TypeError(f"history actions are AuditAction members, not {action!r}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    entry = {"actor_id": actor.id if actor is not None else None,
             "actor_name": actor.display_name if actor is not None else "匿名",
             "remote_addr": request.remote_addr if has_request_context() else None,
             "action": action.value, "object_type": object_type, "object_id": object_id, "summary": summary,
             "details": details}
    commit_now(lambda: db.session.add(AuditEntry(**entry)))


def commit_now(work: Callable[[], object]) -> None:
    """Run ``work`` in a transaction of its own and commit it at once.

    On SQLite a GET reads in a deferred transaction; this one takes the write lock up
    front instead (a read transaction that later writes can fail at once under load).
    The signed-in user is loaded again afterwards: templates read ``current_user.unit``,
    which the rollback and commit expired (and relationships here never lazy-load).
    """
    db.session.rollback()
    reading = has_request_context() and request.method in SAFE_METHODS
    g.write_lock = True if reading else g.get("write_lock", False)
    try:
        work()
        db.session.commit()
    finally:
        if reading:
            g.write_lock = False
    reload_current_user()


def reload_current_user() -> None:
    """After a commit in a request that goes on to render a page: the layout reads
    ``current_user.unit``, which the commit expired."""
    if has_request_context() and current_user.is_authenticated:
        db.session.get(User, current_user.id, options=[joinedload(User.unit)], populate_existing=True)
