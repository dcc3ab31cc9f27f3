"""Writing history rows in the same transaction as the change they describe."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from ..extensions import db
from ..models import AuditAction, AuditEntry, User
from . import audit_chain  # noqa: F401 - links every new row into the hash chain
from .notify import on_audit


def record(
    action: AuditAction,
    summary: str,
    *,
    object_type: str,
    object_id: int | None = None,
    item_id: int | None = None,
    details: dict[str, Any] | None = None,
    actor: User | None = None,
    with_address: bool = True,
) -> AuditEntry:
    if not isinstance(action, AuditAction):
        raise TypeError(f"history actions are AuditAction members, not {action!r}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else "系统",
        # False for a voter's participation, written by the clerk's counting request.
        remote_addr=request.remote_addr if has_request_context() and with_address else None,
        action=action.value,
        object_type=object_type,
        object_id=object_id,
        item_id=item_id,
        summary=summary,
        details=details,
    )
    db.session.add(entry)
    on_audit(entry)  # inbox notifications, in this same transaction
    return entry
