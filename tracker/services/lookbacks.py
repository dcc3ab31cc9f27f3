"""回头看: a later check that a closed item's promises held, which can reopen it.

Staff schedule one for an item, or for every closed item of an activity, on a date or
"N months after 办结" (N per activity kind, a security-admin setting). When it falls
due the daily job tells the lead unit once (``tracker/jobs/lookbacks.py``); the unit
answers with a short update and evidence (a progress entry with attachments); staff
record the finding and may reopen the item as a new round with a reason.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..limits import NOTE_TEXT, PROGRESS_TEXT
from ..models import (
    Activity,
    ActivityKind,
    AuditAction,
    EntryKind,
    Item,
    Lookback,
    LookbackFinding,
    ProgressEntry,
    Stage,
    User,
    local_today,
    utcnow,
)
from ..models.base import to_local
from ..paging import paginate
from ..workdays import add_months
from ..workflow import Action, check
from . import OperationError, checked_text
from .attachments import UploadedFile, store_attachments
from .audit import record
from .closure import reopen_item
from .settings import get_setting, set_setting

DEFAULT_MONTHS = 6  # 回头看 half a year after 办结 unless the admin sets otherwise
MONTH_LIMITS = (1, 60)


def lookback_months() -> dict[ActivityKind, int]:
    """N of "N months after 办结" per activity kind; a broken stored value uses the default."""
    stored = get_setting("lookback_months")
    months = {}
    for kind in ActivityKind:
        value = stored.get(kind.value) if isinstance(stored, dict) else None
        ok = isinstance(value, int) and not isinstance(value, bool) and MONTH_LIMITS[0] <= value <= MONTH_LIMITS[1]
        months[kind] = value if ok else DEFAULT_MONTHS
    return months


def save_lookback_months(months: dict[ActivityKind, int], actor: User) -> None:
    for kind, value in months.items():
        if not MONTH_LIMITS[0] <= value <= MONTH_LIMITS[1]:
            raise OperationError(f"{kind.label}：回头看月数应为 {MONTH_LIMITS[0]}–{MONTH_LIMITS[1]}")
    set_setting("lookback_months", {kind.value: value for kind, value in months.items()})
    record(AuditAction.SETTINGS_LOOKBACK, "修改回头看时间（办结后月数）："
           + "，".join(f"{kind.label} {value} 个月" for kind, value in months.items()), object_type="setting",
           actor=actor)


def closed_on(item: Item) -> date:
    return to_local(item.closed_at).date() if item.closed_at else local_today()


def _note(note: str | None) -> str | None:
    return checked_text(note, NOTE_TEXT, "回头看要求", required=False)


def _pending(item: Item) -> Lookback | None:
    return db.session.scalar(sa.select(Lookback).where(Lookback.item_id == item.id, Lookback.round == item.round,
                                                       Lookback.finding.is_(None)))


def _new(item: Item, due_on: date, note: str | None, actor: User) -> Lookback:
    lookback = Lookback(item_id=item.id, round=item.round, due_on=due_on, note=note, scheduled_by_id=actor.id)
    db.session.add(lookback)
    db.session.flush()
    record(AuditAction.LOOKBACK_SCHEDULE, f"安排回头看：{due_on:%Y-%m-%d}" + (f"（{note}）" if note else ""),
           object_type="lookback", object_id=lookback.id, item_id=item.id, actor=actor)
    return lookback


def schedule_lookback(item: Item, due_on: date | None, note: str | None, actor: User) -> Lookback:
    """One item: on ``due_on``, or N months after its 办结 when no date is given."""
    check(actor, item, Action.SCHEDULE_LOOKBACK)
    note = _note(note)
    closed = closed_on(item)
    if due_on is None:
        kind = db.session.get(Activity, item.activity_id).kind
        due_on = add_months(closed, lookback_months()[kind])
    if due_on < closed:
        raise OperationError(f"回头看日期：不能早于办结日期 {closed:%Y-%m-%d}")
    pending = _pending(item)
    if pending is not None:
        raise OperationError(f"回头看日期：本事项已安排 {pending.due_on:%Y-%m-%d} 的回头看，完成后再安排")
    return _new(item, due_on, note, actor)


def schedule_activity(activity: Activity, due_on: date | None, note: str | None, actor: User) -> list[Lookback]:
    """Every closed item of the activity without a pending 回头看; refused as a whole when
    the date is before any of their 办结 dates."""
    note = _note(note)
    items = [item for item in db.session.scalars(
        sa.select(Item).where(Item.activity_id == activity.id, Item.stage == Stage.CLOSED).order_by(Item.seq))
        if _pending(item) is None]
    if not items:
        raise OperationError("本监督活动没有可安排回头看的已办结事项")
    for item in items:
        check(actor, item, Action.SCHEDULE_LOOKBACK)
    months = lookback_months()[activity.kind]
    if due_on is not None:
        early = [item for item in items if due_on < closed_on(item)]
        if early:
            latest = max(closed_on(item) for item in early)
            raise OperationError(
                f"回头看日期：不能早于办结日期（{len(early)} 项晚于该日期办结，最晚 {latest:%Y-%m-%d}）")
    return [_new(item, due_on or add_months(closed_on(item), months), note, actor) for item in items]


def answer_lookback(lookback: Lookback, item: Item, text: str, files: list[UploadedFile], actor: User) -> ProgressEntry:
    """The lead unit's short update with evidence; kept as a progress entry of the round."""
    check(actor, item, Action.ANSWER_LOOKBACK)
    if lookback.item_id != item.id or lookback.round != item.round:
        raise OperationError("该回头看不属于本事项的当前轮次")
    if lookback.finding is not None:
        raise OperationError("该回头看已记录结论，不能再报送")
    text = (text or "").strip()
    if not text:
        raise OperationError("回头看情况：请填写落实情况")
    checked_text(text, PROGRESS_TEXT, "回头看情况")  # the form's limit too (a progress post)
    entry = ProgressEntry(item_id=item.id, round=item.round, kind=EntryKind.PROGRESS, text=f"【回头看】{text}",
                          unit_id=actor.unit_id, author_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    store_attachments(entry, files)
    lookback.entry_id, lookback.answered_at = entry.id, utcnow()
    record(AuditAction.LOOKBACK_ANSWER, "报送回头看情况" + (f"（附件 {len(files)} 个）" if files else ""),
           object_type="lookback", object_id=lookback.id, item_id=item.id, actor=actor)
    return entry


def record_finding(lookback: Lookback, item: Item, finding: LookbackFinding | None, note: str | None,
                   reopen: bool, reopen_reason: str | None, actor: User, today: date | None = None) -> Lookback:
    """已巩固 / 出现反弹 / 承诺未兑现; with ``reopen`` the item starts a new round."""
    check(actor, item, Action.RECORD_LOOKBACK)
    if lookback.item_id != item.id or lookback.round != item.round:
        raise OperationError("该回头看不属于本事项的当前轮次")
    if lookback.finding is not None:
        raise OperationError("该回头看已记录结论")
    if finding is None:
        raise OperationError("回头看结论：请选择已巩固、出现反弹或承诺未兑现")
    if reopen and not (reopen_reason or "").strip():
        raise OperationError("重新打开的理由：请写明理由")
    note = _note(note)
    lookback.finding, lookback.finding_note, lookback.found_by_id, lookback.found_at = (
        finding, note, actor.id, utcnow())
    record(AuditAction.LOOKBACK_FINDING, f"回头看结论：{finding.label}" + (f"（{note}）" if note else ""),
           object_type="lookback", object_id=lookback.id, item_id=item.id, actor=actor)
    if reopen:
        reopen_item(item, reopen_reason, actor, today, source=f"回头看发现“{finding.label}”，")
        lookback.reopened_round = item.round
    return lookback


_LOOKBACKS = sa.select(Lookback).where(Lookback.item_id == sa.bindparam("item_id")).order_by(Lookback.id)


def item_lookbacks(item_id: int) -> list[Lookback]:
    return list(db.session.scalars(_LOOKBACKS, {"item_id": item_id}))  # built once: read on every item view


def lookback_list(state: str, today: date, page: int = 1, per_page: int = 50):
    """The staff list, a page of ``(Lookback, Item)`` rows: ``due`` (due, no finding, item
    still closed), ``upcoming``, ``done``."""
    stmt = sa.select(Lookback, Item).join(Item, Item.id == Lookback.item_id).options(joinedload(Item.lead_unit))
    if state == "done":
        stmt = stmt.where(Lookback.finding.is_not(None)).order_by(Lookback.found_at.desc(), Lookback.id.desc())
    else:
        stmt = stmt.where(Lookback.finding.is_(None), Item.stage == Stage.CLOSED, Lookback.round == Item.round)
        stmt = stmt.where(Lookback.due_on <= today if state == "due" else Lookback.due_on > today)
        stmt = stmt.order_by(Lookback.due_on, Lookback.id)
    return paginate(stmt, page, per_page, rows=True)
