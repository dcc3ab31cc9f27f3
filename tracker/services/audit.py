"""Writing history rows in the same transaction as the change they describe."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from ..extensions import db
from ..models import AuditAction, AuditEntry, User
from . import audit_chain  # links every new row into the hash chain
from .bulk import insert_rows
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


def record_system_batch(rows: list[dict]) -> list[dict]:
    """History rows written by the system (no actor, no address) in one statement, linked
    into the hash chain exactly as :func:`record` would link them one by one. Each dict
    holds ``action`` (an AuditAction), ``summary``, ``object_type``, ``object_id`` and
    ``item_id``, and may hold ``details``. The caller sends the notifications (``notify.deliveries``) for the batch."""
    if not rows:
        return rows
    for row in rows:
        if not isinstance(row["action"], AuditAction):
            raise TypeError(f"history actions are AuditAction members, not {row['action']!r}")
    values = [{"actor_id": None, "actor_name": "系统", "remote_addr": None, "action": row["action"].value,
               "object_type": row["object_type"], "object_id": row["object_id"], "item_id": row["item_id"],
               "summary": row["summary"]} for row in rows]
    if any("details" in row for row in rows):  # one statement: every row carries the column, or none
        for value, row in zip(values, rows, strict=True):
            value["details"] = row.get("details")
    db.session.flush()  # rows recorded one by one earlier in this transaction come first in the chain
    connection = db.session.connection()
    audit_chain.link_batch(connection, values)
    insert_rows(AuditEntry.__table__, values)  # one statement on PostgreSQL, whatever the batch size
    return values
