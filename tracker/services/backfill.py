"""补录: enter a matter that was handled before the system existed, truthfully.

The normal 交办 refuses a deadline that is not later than today and stamps every step
with the moment a clerk clicks, so a 2018 审议意见 entered in 2026 would read
"2026-12-01 按期办结". Here staff give the real dates instead — 交办, 期限, 签收, 受理,
办结 — and the known result; the item moves in one transition (``Action.BACKFILL``)
to where its history really ended. The history row says 补录, and its own actor and
time say who entered it and when, so nobody mistakes the entry for the event.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from ..extensions import db
from ..limits import REPORT_TEXT, PasteError, check_text
from ..models import Activity, AuditAction, EntryKind, Item, ProgressEntry, ReviewStatus, Stage, User, local_today
from ..workflow import Action, apply, check
from . import OperationError
from .audit import record
from .items import lead_and_co_units


@dataclass
class PastFacts:
    """What really happened, as far as it is known. Only 交办 and its deadline are required."""

    lead_unit_id: int | None
    assigned_on: date | None
    deadline: date | None
    co_unit_ids: list[int] = field(default_factory=list)
    acknowledged_on: date | None = None  # 签收
    accepted_on: date | None = None  # 受理 of the unit's report
    closed_on: date | None = None  # 办结
    result: str | None = None  # the known result: the report's gist, "测评满意" …


def _stamp(day: date) -> datetime:
    """A stored (UTC) time that falls on ``day`` in Beijing: 09:00 local."""
    return datetime(day.year, day.month, day.day, 1, 0)


def facts_problems(facts: PastFacts, meeting_date: date, today: date) -> list[str]:
    """Everything wrong with the dates and the result, in Chinese; shared with the 台账 import."""
    problems = []
    if facts.assigned_on is None:
        problems.append("请填写交办日期")
    if facts.deadline is None:
        problems.append("请填写办理期限")
    steps = [("交办日期", facts.assigned_on), ("签收日期", facts.acknowledged_on), ("受理日期", facts.accepted_on),
             ("办结日期", facts.closed_on)]
    for label, day in steps:
        if day and day > today:
            problems.append(f"{label}是补录的历史，不能晚于今天")
    if facts.assigned_on and facts.assigned_on < meeting_date:
        problems.append(f"交办日期不能早于会议日期 {meeting_date:%Y-%m-%d}")
    if facts.assigned_on and facts.deadline and facts.deadline < facts.assigned_on:
        problems.append("办理期限不能早于交办日期")
    given = [(label, day) for label, day in steps if day]
    for (before, a), (after, b) in zip(given, given[1:], strict=False):
        if b < a:
            problems.append(f"{after}不能早于{before}")
    if facts.accepted_on and not facts.acknowledged_on:
        problems.append("填写受理日期时须填写签收日期")
    reviewed = facts.accepted_on or facts.closed_on
    if reviewed and not (facts.result or "").strip():
        problems.append("补录受理或办结时须填写办理结果（报告要点或测评结果）")
    if not reviewed and (facts.result or "").strip():
        problems.append("办理结果随受理或办结补录：请同时填写受理或办结日期")
    try:
        check_text(facts.result, REPORT_TEXT, "办理结果", required=False)
    except PasteError as error:
        problems.append(error.message)
    return problems


def backfill_item(item: Item, facts: PastFacts, actor: User, today: date | None = None) -> Item:
    """Move ``item`` through its real past in one step, with the real dates, audited as 补录."""
    check(actor, item, Action.BACKFILL)
    today = today or local_today()
    lead, co_ids, co_units = lead_and_co_units(facts.lead_unit_id, facts.co_unit_ids)
    activity = db.session.get(Activity, item.activity_id)
    problems = facts_problems(facts, activity.meeting_date, today)
    if problems:
        raise OperationError("；".join(problems))
    target = (Stage.CLOSED if facts.closed_on else Stage.ACCEPTED if facts.accepted_on
              else Stage.RECTIFYING if facts.acknowledged_on else Stage.ASSIGNED)
    apply(actor, item, Action.BACKFILL, target)
    if "co_units" in sa.inspect(item).unloaded:
        db.session.refresh(item, attribute_names=["co_units"])
    item.lead_unit_id = lead.id
    item.co_units = co_units
    item.deadline = item.original_deadline = facts.deadline
    item.assigned_at = _stamp(facts.assigned_on)
    item.acknowledged_at = _stamp(facts.acknowledged_on) if facts.acknowledged_on else None
    if facts.closed_on:
        item.closed_at = _stamp(facts.closed_on)
        item.closed_on_time = facts.closed_on <= facts.deadline
    result = (facts.result or "").strip()
    if result:
        reviewed = facts.accepted_on or facts.closed_on
        db.session.add(ProgressEntry(
            item_id=item.id, round=item.round, kind=EntryKind.REPORT, text=result, unit_id=lead.id,
            author_id=actor.id, created_at=_stamp(reviewed), review_status=ReviewStatus.ACCEPTED,
            reviewed_at=_stamp(reviewed), review_note="补录"))
    steps = [f"交办 {lead.name}（{facts.assigned_on:%Y-%m-%d}），期限 {facts.deadline:%Y-%m-%d}"]
    if co_units:
        steps.append("协办：" + "、".join(u.name for u in co_units))
    for label, day in (("签收", facts.acknowledged_on), ("受理报告", facts.accepted_on), ("办结", facts.closed_on)):
        if day:
            steps.append(f"{label} {day:%Y-%m-%d}")
    if facts.closed_on:
        steps.append("按期办结" if item.closed_on_time else "逾期办结")
    record(AuditAction.ITEM_BACKFILL, f"补录办理经过：{'；'.join(steps)}" + (f"。办理结果：{result}" if result else ""),
           object_type="item", object_id=item.id, item_id=item.id, actor=actor,
           details={"backfill": True, "lead_unit_id": lead.id, "co_unit_ids": co_ids,
                    **{k: getattr(facts, k).isoformat() for k in ("assigned_on", "deadline", "acknowledged_on",
                                                                  "accepted_on", "closed_on") if getattr(facts, k)}})
    return item
