"""Commitments (承诺) and answer classes (答复分类): the operations.

A commitment is born from an answer (the promise parser proposes dates from the text),
from an accepted report's line (the date the unit wrote), from the committee's 审查意见
(a further ask staff turn into one) or by hand. Staff confirm its date and set its final
status; the unit posts evidence and may say it is kept, but does not grade itself.

Every operation checks the item's workflow action first, writes a history row and
flushes; the request commits once.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..limits import COMMITMENT_TEXT, REASON_TEXT
from ..models import (
    Activity,
    AnswerClass,
    AuditAction,
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    EntryKind,
    Item,
    ProgressEntry,
    Report,
    Stage,
    User,
    utcnow,
)
from ..paste.promises import find_promises
from ..visibility import co_unit_ids, unit_item_ids
from ..workflow import Action, check
from . import OperationError, checked_text
from .attachments import UploadedFile, store_attachments
from .audit import record
from .calendar import get_calendar

# 我的事项 lists the unit's open commitments whose confirmed date falls within this many days.
DUE_SOON_DAYS = 30


def _text(text: str | None, field: str, limit: int = COMMITMENT_TEXT) -> str:
    return checked_text(text, limit, field)


def meeting_date_of(item: Item) -> date:
    if "activity" not in sa.inspect(item).unloaded:
        return item.activity.meeting_date
    return db.session.scalar(sa.select(Activity.meeting_date).where(Activity.id == item.activity_id))


def _check_date(item: Item, due: date | None, field: str) -> None:
    """A promise cannot fall before the meeting it was made at (or answers)."""
    meeting = meeting_date_of(item)
    if due is not None and due < meeting:
        raise OperationError(f"{field}：不能早于会议日期（{meeting:%Y-%m-%d}）")


def _fmt(day: date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else "未定"


@dataclass
class CommitmentData:
    text: str
    due_on: date | None = None  # typed by staff: confirmed at once
    source: CommitmentSource = CommitmentSource.OTHER
    unit_id: int | None = None  # owner; the lead unit when empty
    report_id: int | None = None


def _new(item: Item, text: str, source: CommitmentSource, actor: User, *, proposed: date | None = None,
         rule: str | None = None, due_on: date | None = None, unit_id: int | None = None,
         report_id: int | None = None) -> Commitment:
    now = utcnow()
    # No owner given: the lead unit, or (before 交办) whoever the lead unit will be.
    commitment = Commitment(item_id=item.id, report_id=report_id, unit_id=unit_id or item.lead_unit_id,
                            text=text, source=source, proposed_due=proposed, proposed_rule=rule,
                            due_on=due_on, confirmed_by_id=actor.id if due_on else None,
                            confirmed_at=now if due_on else None, created_by_id=actor.id, updated_by_id=actor.id)
    db.session.add(commitment)
    db.session.flush()
    when = f"，期限 {_fmt(due_on)}" if due_on else (f"，拟定期限 {_fmt(proposed)}（待确认）" if proposed else "")
    record(AuditAction.COMMITMENT_CREATE, f"记录承诺（{source.label}）：{commitment.short}{when}",
           object_type="commitment", object_id=commitment.id, item_id=item.id, actor=actor)
    return commitment


def add_commitment(item: Item, data: CommitmentData, actor: User) -> Commitment:
    """Staff record one commitment by hand (or turn a 审查意见 ask into one)."""
    check(actor, item, Action.MANAGE_COMMITMENTS)
    text = _text(data.text, "承诺内容")
    _check_date(item, data.due_on, "承诺完成日期")
    if data.unit_id is not None and data.unit_id != item.lead_unit_id and data.unit_id not in co_unit_ids(item):
        raise OperationError("责任单位：只能是本事项的牵头或协办单位")
    return _new(item, text, data.source, actor, due_on=data.due_on, unit_id=data.unit_id,
                report_id=data.report_id)


def commitments_from_answer(item: Item, text: str | None, due_on: date | None, actor: User) -> list[Commitment]:
    """At 答: each dated promise the parser finds in the 承诺事项 becomes a commitment with a
    *proposed* date; a date staff typed confirms the first one. Only the first answer
    creates rows: later corrections of the answer leave the commitments to the panel."""
    text = (text or "").strip()
    _check_date(item, due_on, "承诺完成日期")
    already = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment).where(
        Commitment.item_id == item.id, Commitment.source == CommitmentSource.ANSWER))
    if already or not text:
        if due_on is not None:
            raise OperationError("承诺完成日期：" + ("请在承诺栏中修改已记录承诺的日期" if already
                                               else "请同时填写承诺事项"))
        return []
    promises = find_promises(text, meeting_date_of(item), get_calendar())
    rows = [(p.sentence.strip() or text, p.due, p.rule) for p in promises] or [(text, None, None)]
    created = []
    for n, (sentence, proposed, rule) in enumerate(rows):
        confirmed = due_on if n == 0 else None
        created.append(_new(item, sentence[:COMMITMENT_TEXT], CommitmentSource.ANSWER, actor, proposed=proposed,
                            rule=rule, due_on=confirmed))
    return created


def commitments_from_accepted_report(report: Report, pairs: list[tuple[ProgressEntry, Item]],
                                     actor: User) -> list[Commitment]:
    """On 受理: each report line with a promised date becomes a commitment, its date
    proposed (the unit wrote it; staff confirm it on the item page)."""
    created = []
    for entry, item in pairs:
        if entry.promised_on is None:
            continue
        status = entry.line_status.label if entry.line_status else "承诺"
        text = entry.text.strip() or f"按《{report.title}》所述（{status}），于 {_fmt(entry.promised_on)} 前完成"
        created.append(_new(item, text[:COMMITMENT_TEXT], CommitmentSource.REPORT, actor,
                            proposed=entry.promised_on, rule="报告中填写的预计完成日期",
                            unit_id=report.unit_id, report_id=report.id))
    return created


def confirm_due(commitment: Commitment, item: Item, due_on: date | None, actor: User) -> Commitment:
    """Staff confirm (or change) the date; from now on it runs a light and reminders."""
    check(actor, item, Action.MANAGE_COMMITMENTS)
    if due_on is None:
        raise OperationError("确认完成日期：请填写日期")
    _check_date(item, due_on, "确认完成日期")
    before = commitment.due_on
    commitment.due_on, commitment.confirmed_by_id, commitment.confirmed_at = due_on, actor.id, utcnow()
    commitment.updated_by_id = actor.id
    change = f"由 {_fmt(before)} 改为 {_fmt(due_on)}" if before else f"确认为 {_fmt(due_on)}"
    record(AuditAction.COMMITMENT_CONFIRM, f"承诺“{commitment.short}”的完成日期{change}",
           object_type="commitment", object_id=commitment.id, item_id=item.id, actor=actor,
           details={"before": before.isoformat() if before else None, "after": due_on.isoformat()})
    return commitment


def set_status(commitment: Commitment, item: Item, status: CommitmentStatus, reason: str | None,
               actor: User) -> Commitment:
    """Staff record how the promise stands; 部分兑现 and 不再适用 need a reason."""
    check(actor, item, Action.MANAGE_COMMITMENTS)
    reason = (reason or "").strip()
    if status.needs_reason:
        reason = _text(reason, f"“{status.label}”的理由", REASON_TEXT) if reason else ""
        if not reason:
            raise OperationError(f"理由：标记为“{status.label}”须写明理由")
    elif reason:
        reason = _text(reason, "说明", REASON_TEXT)
    if status is commitment.status and (reason or None) == commitment.status_reason:
        raise OperationError(f"状态：该承诺已是“{status.label}”")
    before = commitment.status
    commitment.status, commitment.status_reason, commitment.updated_by_id = status, reason or None, actor.id
    if status is CommitmentStatus.OPEN:
        commitment.claimed_kept_at = None
    record(AuditAction.COMMITMENT_STATUS, f"承诺“{commitment.short}”：{before.label} → {status.label}"
           + (f"（{reason}）" if reason else ""), object_type="commitment", object_id=commitment.id,
           item_id=item.id, actor=actor, details={"before": before.value, "after": status.value})
    return commitment


def post_evidence(commitment: Commitment, item: Item, text: str, files: list[UploadedFile], claims_kept: bool,
                  actor: User) -> ProgressEntry:
    """The unit's progress post for one promise, with files; "已兑现" is its claim, for
    staff to verify, not a status it may set itself."""
    check(actor, item, Action.POST_COMMITMENT_EVIDENCE)
    if not commitment.status.is_open:
        raise OperationError(f"该承诺已记为“{commitment.status.label}”，不再报送兑现情况")
    text = _text(text, "兑现情况")
    entry = ProgressEntry(item_id=item.id, round=item.round, kind=EntryKind.PROGRESS, text=text,
                          unit_id=actor.unit_id, author_id=actor.id, commitment_id=commitment.id)
    db.session.add(entry)
    db.session.flush()
    store_attachments(entry, files)
    if claims_kept:
        commitment.claimed_kept_at = utcnow()
    record(AuditAction.COMMITMENT_EVIDENCE, f"报送承诺“{commitment.short}”兑现情况"
           + ("，报请确认已兑现" if claims_kept else "") + (f"（附件 {len(files)} 个）" if files else ""),
           object_type="progress_entry", object_id=entry.id, item_id=item.id, actor=actor,
           details={"commitment_id": commitment.id})
    return entry


# -- answer class ---------------------------------------------------------------------

def has_dated_commitment(item_id: int) -> bool:
    return bool(db.session.scalar(sa.select(sa.func.count()).select_from(Commitment).where(
        Commitment.item_id == item_id, Commitment.status != CommitmentStatus.DROPPED,
        sa.or_(Commitment.due_on.is_not(None), Commitment.proposed_due.is_not(None)))))


def check_answer_class(answer_class: AnswerClass | None, reason: str | None, has_date: bool,
                       field: str = "答复分类") -> str | None:
    """B and C need a commitment with a date, D its reason; returns the cleaned reason."""
    reason = (reason or "").strip() or None
    if answer_class is None:
        return None
    if answer_class.needs_dated_commitment and not has_date:
        raise OperationError(f"{field}：“{answer_class.title}”须至少有一项写明完成日期的承诺")
    if answer_class.needs_reason and not reason:
        raise OperationError(f"{field}：“{answer_class.title}”须说明理由")
    return _text(reason, f"{field}的理由", REASON_TEXT) if reason else None


def set_answer_class(item: Item, answer_class: AnswerClass | None, reason: str | None, actor: User,
                     field: str = "答复分类", promised_on: date | None = None) -> None:
    """Store the class on the item (called by the 答 and report operations, which have
    already checked the actor may act). No class given leaves the item's class as it is.
    ``promised_on``: a report line's own date, which becomes a commitment on 受理."""
    if answer_class is None:
        return
    db.session.flush()
    has_date = promised_on is not None or has_dated_commitment(item.id)
    reason = check_answer_class(answer_class, reason, has_date, field)
    if (item.answer_class, item.answer_class_reason) == (answer_class, reason):
        return
    item.answer_class, item.answer_class_reason = answer_class, reason
    record(AuditAction.ITEM_ANSWER_CLASS, f"答复分类：{answer_class.title}" + (f"（{reason}）" if reason else ""),
           object_type="item", object_id=item.id, item_id=item.id, actor=actor)


# -- reads ------------------------------------------------------------------------------

def get_commitment(item: Item, commitment_id: int) -> Commitment | None:
    commitment = db.session.get(Commitment, commitment_id)
    return commitment if commitment is not None and commitment.item_id == item.id else None


_COMMITMENTS = (sa.select(Commitment).where(Commitment.item_id == sa.bindparam("item_id"))
                .options(joinedload(Commitment.unit), joinedload(Commitment.confirmed_by))
                .order_by(Commitment.id))  # built once (the item page reads it on every view)


def item_commitments(item_id: int) -> list[Commitment]:
    return list(db.session.scalars(_COMMITMENTS, {"item_id": item_id}))


def open_commitments_for(item_ids: list[int]) -> dict[int, int]:
    """Open commitments per item, for lists that keep a closed item in view until its
    promises are kept (the closure/follow-up lists call this)."""
    if not item_ids:
        return {}
    rows = db.session.execute(sa.select(Commitment.item_id, sa.func.count()).where(
        Commitment.item_id.in_(item_ids), Commitment.status == CommitmentStatus.OPEN)
        .group_by(Commitment.item_id))
    return {item_id: int(count) for item_id, count in rows}


def commitment_lines(item_ids: list[int], today: date, chunk: int = 500) -> dict[int, str]:
    """Each item's commitments as lines for a sheet or a report, one grouped read per
    ``chunk`` items: "年底前完成…（2026-12-31，逾期未兑现）". Only a confirmed date is
    printed as a date — a proposed one reads "待确认" — and the status is the light's
    (``lights.commitment_shown_status``), as on the item page."""
    found: dict[int, str] = {}
    for start in range(0, len(item_ids), chunk):
        found.update(commitment_lines_of(db.session.execute(
            COMMITMENT_LINE_COLUMNS.where(Commitment.item_id.in_(item_ids[start:start + chunk]))), today))
    return found


# What ``commitment_lines_of`` reads, in its order; a caller adds which items.
COMMITMENT_LINE_COLUMNS = (sa.select(Commitment.item_id, Commitment.text, Commitment.due_on, Commitment.status)
                           .order_by(Commitment.item_id, Commitment.id))


def commitment_lines_of(rows, today: date) -> dict[int, str]:
    """The lines of ``commitment_lines`` from rows of ``COMMITMENT_LINE_COLUMNS`` (for a
    caller that reads the items its own way, such as the 台账 export's batches)."""
    from ..lights import commitment_shown_status
    found: dict[int, list[str]] = {}
    for item_id, text, due_on, status in rows:
        when = due_on.isoformat() if due_on else "待确认"
        shown = commitment_shown_status(status, due_on, today).label
        found.setdefault(item_id, []).append(f"{' '.join(text.split())}（{when}，{shown}）")
    return {item_id: "\n".join(lines) for item_id, lines in found.items()}


# An alias, so the clause also works inside a query already over commitments; made once (a
# new alias per call costs ~1 ms of Python per statement, see ``main.todos._REPORT``).
_PROMISE = sa.orm.aliased(Commitment, name="promise")


def followed_after_closure_clause():
    """The one rule for "a closed item with open commitments stays on the follow-up lists
    until they are kept": 办结 ends the item's procedure, not its promises. SQL, for lists;
    ``open_commitments_for`` is its per-page twin."""
    return sa.and_(Item.stage == Stage.CLOSED, sa.exists().where(
        _PROMISE.item_id == Item.id, _PROMISE.status == CommitmentStatus.OPEN))


# The staff list of commitments (/followup/commitments): state -> (label, where clause).
COMMITMENT_LISTS = {
    "overdue": "逾期未兑现",
    "due": "即将到期",
    "unconfirmed": "日期待确认",
    "after_closure": "已办结事项的未兑现承诺",
}


def commitment_list(state: str, today: date, visible: sa.Select, unit_id: int | None = None,
                    limit: int = 500) -> list[tuple[Commitment, Item]]:
    """Open commitments for the staff list, by the commitment light's SQL twins: overdue,
    due within ``DUE_SOON_DAYS``, without a confirmed date, or on items already closed."""
    from ..lights import commitment_due_soon_clause, commitment_overdue_clause
    where = {
        "overdue": commitment_overdue_clause(today),
        "due": commitment_due_soon_clause(today, today + timedelta(days=DUE_SOON_DAYS)),
        "unconfirmed": sa.and_(Commitment.status == CommitmentStatus.OPEN, Commitment.due_on.is_(None)),
        "after_closure": sa.and_(Commitment.status == CommitmentStatus.OPEN, followed_after_closure_clause()),
    }[state]
    stmt = (sa.select(Commitment, Item).join(Item, Item.id == Commitment.item_id)
            .where(where, Item.stage != Stage.WITHDRAWN, Item.id.in_(visible))
            .options(joinedload(Item.lead_unit), joinedload(Commitment.unit)))
    if unit_id is not None:
        stmt = stmt.where(sa.func.coalesce(Commitment.unit_id, Item.lead_unit_id) == unit_id)
    order = (Commitment.due_on,) if state in ("overdue", "due") else (Commitment.proposed_due, Commitment.id)
    return list(db.session.execute(stmt.order_by(*order, Commitment.id).limit(limit)).all())


def due_soon_for_unit(unit_id: int, today: date, days: int = DUE_SOON_DAYS) -> list[tuple[Commitment, Item]]:
    """Open commitments on the unit's items (lead or co-unit) whose confirmed date is at
    most ``days`` ahead, overdue ones included, soonest first (我的事项)."""
    return list(db.session.execute(_due_soon_statement(), {"unit_id": unit_id, "today": today,
                                                           "until": today + timedelta(days=days)}).all())


@functools.cache
def _due_soon_statement() -> sa.Select:
    """Built once, run with the unit and the day: 我的事项 asks on every view, and building it
    cost 0.4 ms of Python for 0.02 ms of SQL."""
    from ..lights import commitment_due_soon_clause, commitment_overdue_clause
    today = sa.bindparam("today", type_=sa.Date())
    return (sa.select(Commitment, Item).join(Item, Item.id == Commitment.item_id)
            .where(Item.id.in_(unit_item_ids(sa.bindparam("unit_id", type_=sa.Integer()))),
                   Item.stage != Stage.WITHDRAWN,
                   sa.or_(commitment_overdue_clause(today),
                          commitment_due_soon_clause(today, sa.bindparam("until", type_=sa.Date()))))
            .order_by(Commitment.due_on, Commitment.id).limit(50))

