"""承办单位预计完成日期: once an item's deadline has slipped, its lead unit states when it
expects to finish and why. The newest statement against the current deadline is what the
public overdue list shows ("期限 X，承办单位预计 Y"); an extension or a new round makes it
stale (it spoke about a deadline that no longer stands), and the unit is asked again when
the new deadline slips.

Decision: the statement is *prompted*, not a gate in front of 报送进展. Blocking progress on
an overdue item would stop the unit doing the one thing that helps; instead the item page
and 我的事项 show a red prompt until it is given, staff are told when it arrives, and the
public list shows "承办单位未说明" while it is missing.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..database import in_ids
from ..extensions import db
from ..lights import is_overdue
from ..limits import REASON_TEXT
from ..models import (
    AuditAction,
    AuditEntry,
    DeclaredDate,
    ExtensionRequest,
    ExtensionStatus,
    Item,
    User,
    local_today,
)
from ..models.base import to_local
from ..workflow import Action, check
from . import OperationError, checked_text
from .audit import record


def _overdue(item: Item, today: date) -> bool:
    return is_overdue(item.stage, item.deadline, today)


def declare_expected_date(item: Item, expected_on: date | None, reason: str, actor: User,
                          today: date | None = None) -> DeclaredDate:
    check(actor, item, Action.DECLARE_DATE)
    today = today or local_today()
    if not _overdue(item, today):
        raise OperationError("事项尚未超过办理期限，无需填报预计完成日期")
    if expected_on is None:
        raise OperationError("预计完成日期：请填写日期")
    if expected_on <= today:
        raise OperationError("预计完成日期：须晚于今天")
    if expected_on > date(today.year + 5, today.month, 1):
        raise OperationError("预计完成日期：不能晚于五年之后")
    reason = checked_text(reason, REASON_TEXT, "未能按期完成的原因")
    declared = DeclaredDate(item_id=item.id, round=item.round, deadline=item.deadline, expected_on=expected_on,
                            reason=reason, unit_id=item.lead_unit_id, declared_by_id=actor.id)
    db.session.add(declared)
    db.session.flush()
    record(AuditAction.DEADLINE_DECLARE,
           f"承办单位预计 {expected_on:%Y-%m-%d} 完成（办理期限 {item.deadline:%Y-%m-%d}）。原因：{reason}",
           object_type="declared_date", object_id=declared.id, item_id=item.id, actor=actor)
    return declared


def _speaks_to_current_deadline(declared) -> tuple:
    """``declared`` (a declaration row) speaks about its item's deadline as it stands: the
    same round and the same deadline (an extension or a new round makes it stale). The one
    rule behind ``current_declarations`` and ``expected_on_column``."""
    return declared.item_id == Item.id, declared.round == Item.round, declared.deadline == Item.deadline


def current_declarations(items: list[Item]) -> dict[int, DeclaredDate]:
    """The newest declaration per item that speaks about the item's current deadline."""
    ids = [item.id for item in items]
    if not ids:
        return {}
    # Ordered by id: the newest of an item's is read last and kept.
    return {declared.item_id: declared for declared in db.session.scalars(
        _declarations_statement(db.session.get_bind().dialect.name), {"ids": ids})}


@functools.cache
def _declarations_statement(dialect: str) -> sa.Select:
    """The current declarations of a page's items, built once (``database.in_ids``)."""
    return (sa.select(DeclaredDate).join(Item, sa.and_(*_speaks_to_current_deadline(DeclaredDate)))
            .where(in_ids(dialect)(DeclaredDate.item_id)).order_by(DeclaredDate.id))


_NEWEST = sa.orm.aliased(DeclaredDate, name="current_declaration")


@functools.cache
def expected_on_column() -> sa.Label:
    """The date the newest current declaration expects, as a column of a list of items
    (``list_page.First.columns``, 我的事项): NULL while the unit has said nothing about the
    deadline as it stands. Read with the page's rows, not as a statement of its own (a round
    trip cost ~0.4 ms on every view for 0.01 ms of SQL)."""
    return (sa.select(_NEWEST.expected_on).where(*_speaks_to_current_deadline(_NEWEST))
            .order_by(_NEWEST.id.desc()).limit(1).correlate(Item).scalar_subquery().label("expected_on"))


def needs_declaration(item: Item, declared: DeclaredDate | date | None, today: date | None = None) -> bool:
    """The prompt on the item page and in 我的事项: overdue, and nothing said about it yet
    (``declared``: the current declaration, or the date it expects; None: none)."""
    return declared is None and _overdue(item, today or local_today())


@dataclass(frozen=True)
class DeadlineChange:
    on: date
    kind: str
    deadline: date | None  # the deadline after the change (None: a declaration)
    expected_on: date | None = None
    note: str | None = None  # only text meant for the public (the unit's stated reason)


def deadline_history(item: Item) -> list[DeadlineChange]:
    """Every change to the item's deadline, oldest first, for the public item page: the
    deadline set at 交办, approved extensions, corrections and the unit's declared dates.
    Only dates and the unit's own public statement; staff notes stay internal."""
    changes: list[DeadlineChange] = []
    rows = db.session.execute(sa.select(AuditEntry.at, AuditEntry.action, AuditEntry.details).where(
        AuditEntry.item_id == item.id,
        AuditEntry.action.in_([AuditAction.ITEM_ASSIGN, AuditAction.ITEM_CORRECT]))).all()
    for at, action, details in rows:
        value = (details or {}).get("deadline")
        if not value:
            continue
        before = ((details or {}).get("before") or {}).get("deadline")
        if action == AuditAction.ITEM_CORRECT and before == value:
            continue  # a correction of units or wording, not of the date
        kind = "交办，办理期限" if action == AuditAction.ITEM_ASSIGN else "更正期限"
        changes.append(DeadlineChange(to_local(at).date(), kind, date.fromisoformat(value)))
    for request in db.session.scalars(sa.select(ExtensionRequest).where(
            ExtensionRequest.item_id == item.id, ExtensionRequest.status == ExtensionStatus.APPROVED)):
        changes.append(DeadlineChange(to_local(request.decided_at).date() if request.decided_at else
                                      to_local(request.created_at).date(), "批准延期", request.requested_deadline))
    for declared in db.session.scalars(sa.select(DeclaredDate).where(DeclaredDate.item_id == item.id)):
        changes.append(DeadlineChange(to_local(declared.created_at).date(), "承办单位预计完成", None,
                                      declared.expected_on, declared.reason))
    return sorted(changes, key=lambda c: (c.on, c.kind))
