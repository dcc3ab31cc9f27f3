"""Verdicts, honest closure and reopening: what happened to the substance after the vote.

* A **verdict** (落实评定) is staff's grade of implementation, given per item when they
  accept a round's report; a grade short of 基本落实 needs a reason. One per round.
* A **closure** says how a round ended: 办结（已落实）, 办结（部分落实，转入跟踪） or
  终止跟踪（未落实） with its cause. A passing vote still closes the item (counting.py);
  the kind is then derived from the vote and the verdict, and staff may correct it with
  a reason. Staff may also close or terminate without a vote (``close_item``).
* **Reopening** a closed item starts a new round of 整改 with a deadline by the 重新整改
  rule; the earlier round keeps its closure, verdict and evaluation.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..limits import REASON_TEXT
from ..list_items import ListItem, read_list_items
from ..models import (
    AuditAction,
    Closure,
    ClosureKind,
    Item,
    RecurrenceLink,
    Stage,
    TerminationCause,
    User,
    Verdict,
    VerdictGrade,
    local_today,
    utcnow,
)
from ..tally import Grade
from ..workflow import Action, apply, check
from . import OperationError, checked_text
from .audit import record
from .deadlines import redo_deadline


def _reason(text: str | None, field: str, required: bool = True) -> str | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise OperationError(f"{field}：请写明理由")
        return None
    return checked_text(text, REASON_TEXT, field)


# -- verdicts ----------------------------------------------------------------------

@dataclass(frozen=True)
class VerdictInput:
    grade: VerdictGrade | None
    reason: str | None = None


def check_verdict(item: Item, given: VerdictInput) -> str | None:
    """The cleaned reason, or an OperationError naming the item and the field."""
    if given.grade is None:
        return None
    field = f"{item.heading}的落实评定理由"
    if given.grade.needs_reason:
        return _reason(given.reason, field)
    return _reason(given.reason, field, required=False)


def grade_item(item: Item, given: VerdictInput, actor: User, report_id: int | None = None) -> Verdict | None:
    """Store this round's verdict (called inside 受理, after the stage moved)."""
    if given.grade is None:
        return None
    reason = check_verdict(item, given)
    if db.session.scalar(sa.select(Verdict.id).where(Verdict.item_id == item.id, Verdict.round == item.round)):
        raise OperationError(f"{item.heading}第 {item.round} 轮已有落实评定")
    verdict = Verdict(item_id=item.id, round=item.round, grade=given.grade, reason=reason, report_id=report_id,
                      graded_by_id=actor.id)
    db.session.add(verdict)
    db.session.flush()
    summary = f"第 {item.round} 轮落实评定：{given.grade.label}" + (f"（{reason}）" if reason else "")
    record(AuditAction.ITEM_VERDICT, summary, object_type="verdict", object_id=verdict.id, item_id=item.id, actor=actor)
    return verdict


def round_verdict(item: Item) -> Verdict | None:
    return db.session.scalar(sa.select(Verdict).where(Verdict.item_id == item.id, Verdict.round == item.round))


# -- closure -----------------------------------------------------------------------

@dataclass(frozen=True)
class ClosureInput:
    kind: ClosureKind
    reason: str | None
    cause: TerminationCause | None = None
    merged_into_id: int | None = None


def _check_closure(item: Item, given: ClosureInput) -> str:
    """Every refusal names its field; nothing is changed before all of them pass."""
    reason = _reason(given.reason, "办结/终止理由")
    if given.kind is not ClosureKind.TERMINATED:
        if given.cause is not None or given.merged_into_id is not None:
            raise OperationError("终止原因：只有“终止跟踪（未落实）”需要选择原因")
        return reason
    if given.cause is None:
        raise OperationError("终止原因：终止跟踪须选择原因")
    if given.cause is TerminationCause.MERGED:
        if given.merged_into_id not in {target.id for target in merge_targets(item)}:
            raise OperationError("并入事项：请选择本事项并入的另一项事项（同一次活动的事项，或关联的既往事项）")
    elif given.merged_into_id is not None:
        raise OperationError("并入事项：只有“并入其他事项办理”需要选择并入的事项")
    return reason


def merge_targets(item: Item) -> list[ListItem]:
    """The items ``item`` may be merged into (终止跟踪 · 并入其他事项办理): the other items of
    its activity — the same question asked twice in one sitting, one opinion's points — and
    the items linked to it as the same problem raised again (``RecurrenceLink``), none
    withdrawn. The closure form offers these and the closure accepts only these: a clerk
    picks the item by its document number and title, never by a database code. Read as
    list rows (``list_items``): the staff item page offers them on every view, and loading
    an activity's items as ``Item`` objects with their parents cost 1.0 ms of it."""
    # One id list read through three indexes: an OR of the activity and the links made
    # PostgreSQL read every item (1M items: 430 ms for the item page, which offers these).
    ids = sa.union(sa.select(Item.id).where(Item.activity_id == item.activity_id),
                   sa.select(RecurrenceLink.earlier_item_id).where(RecurrenceLink.item_id == item.id),
                   sa.select(RecurrenceLink.item_id).where(RecurrenceLink.earlier_item_id == item.id))
    return read_list_items(
        sa.select(Item).where(Item.id.in_(ids), Item.id != item.id, Item.stage != Stage.WITHDRAWN)
        .order_by(Item.activity_id != item.activity_id, Item.activity_id, Item.seq))


def _closure_text(closure: Closure) -> str:
    text = closure.kind.label
    if closure.cause is not None:
        text += f"，原因：{closure.cause.label}"
        if closure.merged_into_id:
            target = db.session.get(Item, closure.merged_into_id)
            text += f"（并入事项 {target.heading}）"
    return f"{text}；{closure.reason}"


def _write_closure(item: Item, given: ClosureInput, reason: str, actor: User | None, derived: bool) -> Closure:
    closure = db.session.scalar(sa.select(Closure).where(Closure.item_id == item.id, Closure.round == item.round))
    if closure is None:
        closure = Closure(item_id=item.id, round=item.round)
        db.session.add(closure)
    closure.kind, closure.cause, closure.merged_into_id = given.kind, given.cause, given.merged_into_id
    closure.reason, closure.derived, closure.set_by_id, closure.set_at = (
        reason, derived, actor.id if actor else None, utcnow())
    item.closure_kind = given.kind
    db.session.flush()
    return closure


def close_item(item: Item, given: ClosureInput, actor: User, today: date | None = None) -> Closure:
    """办结 or 终止跟踪 by staff, without a vote: the kind and reason are required."""
    check(actor, item, Action.CLOSE_ITEM)
    reason = _check_closure(item, given)
    today = today or local_today()
    apply(actor, item, Action.CLOSE_ITEM)
    item.closed_at = utcnow()
    # 终止跟踪 is not done: it has no "on time" (the rates leave it out of 办结 anyway).
    item.closed_on_time = (item.deadline is None or today <= item.deadline) if given.kind.counts_as_done else None
    closure = _write_closure(item, given, reason, actor, derived=False)
    record(AuditAction.ITEM_CLOSE, f"第 {item.round} 轮{_closure_text(closure)}", object_type="closure",
           object_id=closure.id, item_id=item.id, actor=actor)
    return closure


def derived_kind(grade: Grade, verdict: Verdict | None) -> ClosureKind:
    """A passing vote closes the item; how honestly depends on the verdict: 全部/基本落实 →
    已落实; 部分/未落实 → 部分落实，转入跟踪 (the vote passed, the substance is not done).
    Without a verdict, 满意 means 已落实 and anything less (基本满意) 部分落实."""
    if verdict is not None:
        return ClosureKind.IMPLEMENTED if verdict.grade in (VerdictGrade.FULL, VerdictGrade.MOSTLY) \
            else ClosureKind.PARTLY_TRACKED
    return ClosureKind.IMPLEMENTED if grade is Grade.SATISFIED else ClosureKind.PARTLY_TRACKED


def record_vote_closure(item: Item, grade: Grade, actor: User) -> Closure:
    """Called by counting when the tally closes the item: the default kind, said why."""
    verdict = round_verdict(item)
    kind = derived_kind(grade, verdict)
    basis = f"测评结果{grade.label}" + (f"，落实评定{verdict.grade.label}" if verdict else "，未作落实评定")
    return _write_closure(item, ClosureInput(kind, None), f"按{basis}确定", actor, derived=True)


def set_closure(item: Item, given: ClosureInput, actor: User) -> Closure:
    """更正办结类型 of a closed item; the old kind stays in the history."""
    check(actor, item, Action.SET_CLOSURE)
    reason = _check_closure(item, given)
    before = item.closure_kind
    closure = _write_closure(item, given, reason, actor, derived=False)
    was = before.label if before else "未记载"
    record(AuditAction.ITEM_CLOSURE, f"办结类型由“{was}”更正为{_closure_text(closure)}", object_type="closure",
           object_id=closure.id, item_id=item.id, actor=actor)
    return closure


# -- reopening ---------------------------------------------------------------------

def reopen_item(item: Item, reason: str | None, actor: User, today: date | None = None,
                source: str = "") -> date:
    """A closed item back to 整改中 as round N+1, with a deadline by the 重新整改 rule."""
    check(actor, item, Action.REOPEN)
    reason = _reason(reason, "重新打开的理由")
    today = today or local_today()
    deadline = redo_deadline(item, today)
    apply(actor, item, Action.REOPEN)
    item.round += 1
    item.deadline = item.original_deadline = deadline
    item.closed_at, item.closed_on_time, item.closure_kind = None, None, None
    record(AuditAction.ITEM_REOPEN,
           f"{source}重新打开，进入第 {item.round} 轮整改，期限 {deadline:%Y-%m-%d}；理由：{reason}",
           object_type="item", object_id=item.id, item_id=item.id, actor=actor)
    return deadline


# Built once (the item page reads them on every view), the item as a parameter.
_VERDICTS = sa.select(Verdict).where(Verdict.item_id == sa.bindparam("item_id"))
_CLOSURES = sa.select(Closure).where(Closure.item_id == sa.bindparam("item_id"))


def item_history(item_id: int) -> tuple[dict[int, Verdict], dict[int, Closure]]:
    """Every round's verdict and closure, for the item and public pages."""
    verdicts = {v.round: v for v in db.session.scalars(_VERDICTS, {"item_id": item_id})}
    closures = {c.round: c for c in db.session.scalars(_CLOSURES, {"item_id": item_id})}
    return verdicts, closures
