"""The daily follow-up job: lights, reminders and the escalation ladder.

Planning reads every open item in three column-only queries and decides, in memory,
which rung each one has reached. Sending then gives every notice its own transaction:
the notice row (whose ``dedupe_key`` is unique), the history row, the inbox lines and
the outbox mail commit together or not at all. So a second run on the same day finds
every key already present and sends nothing, and a run that crashes half-way has sent
exactly the notices it committed; the next run sends the rest.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import (
    DEADLINE_STAGES,
    Activity,
    Evaluation,
    EvaluationStatus,
    Item,
    Notice,
    NoticeKind,
    Stage,
    local_today,
)
from ..services.audit import record
from ..services.calendar import load_calendar, yellow_workdays
from ..services.deadlines import deadline_rules, due_date, ladder
from ..services.followup import supervise_item
from ..services.notify import cached_recipients, prime_co_units
from ..tally import Consequence
from ..workdays import Light, WorkCalendar, traffic_light
from .lookbacks import notify_due_lookbacks
from .mail import Delivery, deliver_outbox, mail_enabled

UNASSIGNED = (Stage.ASKED, Stage.ANSWERED)


@dataclass(frozen=True)
class Candidate:
    key: str
    kind: NoticeKind
    item_id: int
    round: int
    deadline: date | None
    text: str


@dataclass
class RemindResult:
    today: date
    open_items: int = 0
    lights: Counter = field(default_factory=Counter)
    sent: Counter = field(default_factory=Counter)
    already_sent: int = 0
    skipped: int = 0  # the item changed between planning and sending
    mail: Delivery | None = None
    lookbacks_due: int = 0  # 回头看 told to units (jobs/lookbacks.py)

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())

    def summary(self) -> str:
        lights = "，".join(f"{light.label} {self.lights[light]}" for light in (Light.GREEN, Light.YELLOW, Light.RED))
        sent = "，".join(f"{kind.label} {n}" for kind, n in self.sent.items()) or "无"
        text = (f"{self.today:%Y-%m-%d}：跟踪中事项 {self.open_items} 项（{lights}）；本次发出：{sent}；"
                f"此前已发不重复发送 {self.already_sent} 条")
        if self.skipped:
            text += f"；事项已变化跳过 {self.skipped} 条"
        if self.lookbacks_due:
            text += f"；回头看到期通知 {self.lookbacks_due} 项"
        if self.mail is not None:
            text += f"；邮件发送成功 {self.mail.sent} 封，失败 {self.mail.failed} 封"
        return text


def _deadline_candidates(today: date, calendar: WorkCalendar, settings: dict, result: RemindResult):
    yellow = yellow_workdays()
    overdue_limit = settings["supervise_after_overdue_days"]
    rows = db.session.execute(
        sa.select(Item.id, Item.round, Item.deadline, Item.supervised)
        .where(Item.stage.in_(DEADLINE_STAGES), Item.deadline.is_not(None))).all()
    result.open_items = len(rows)
    for item_id, round_, deadline, supervised in rows:
        light = traffic_light(deadline, today, yellow_workdays=yellow, calendar=calendar)
        result.lights[light] += 1
        stamp = f"{item_id}:{round_}:{deadline.isoformat()}"
        if light is Light.YELLOW and settings["remind_on_yellow"]:
            left = calendar.working_days_between(today, deadline)
            yield Candidate(f"remind:{stamp}", NoticeKind.REMIND, item_id, round_, deadline,
                            f"临期提醒：办理期限 {deadline:%Y-%m-%d} 将至（还剩 {left} 个工作日）")
        elif light is Light.RED:
            days = (today - deadline).days
            if settings["warn_on_red"]:
                yield Candidate(f"warn:{stamp}", NoticeKind.WARN, item_id, round_, deadline,
                                f"逾期警告：已超过办理期限 {deadline:%Y-%m-%d}（逾期 {days} 天）")
            if overdue_limit and days >= overdue_limit and not supervised:
                yield Candidate(f"escalate:{item_id}:{round_}", NoticeKind.ESCALATE, item_id, round_, deadline,
                                f"逾期 {days} 天（满 {overdue_limit} 天），提请主任会议挂牌督办")


def _failed_round_candidates(settings: dict):
    limit = settings["supervise_after_failed_rounds"]
    if not limit:
        return
    failed = sa.func.count(Evaluation.id)
    rows = db.session.execute(
        sa.select(Item.id, Item.round, failed).join(Evaluation, Evaluation.item_id == Item.id)
        .where(Item.stage != Stage.CLOSED, Item.supervised.is_(False), Evaluation.status == EvaluationStatus.CLOSED,
               Evaluation.consequence.is_not(None), Evaluation.consequence != Consequence.CLOSE)
        .group_by(Item.id, Item.round).having(failed >= limit)).all()
    for item_id, round_, count in rows:
        yield Candidate(f"escalate-rounds:{item_id}:{limit}", NoticeKind.ESCALATE, item_id, round_, None,
                        f"{count} 轮测评未通过（满 {limit} 轮），提请主任会议挂牌督办")


def _assign_due_candidates(today: date, calendar: WorkCalendar, settings: dict):
    if not settings["remind_assign_due"]:
        return
    rules = deadline_rules()
    rows = db.session.execute(
        sa.select(Item.id, Item.round, Activity.kind, Activity.meeting_date)
        .join(Activity, Activity.id == Item.activity_id).where(Item.stage.in_(UNASSIGNED))).all()
    for item_id, round_, kind, meeting_date in rows:
        due = due_date(kind, "assign", meeting_date, calendar, rules)
        if today > due:
            yield Candidate(f"assign_due:{item_id}", NoticeKind.ASSIGN_DUE, item_id, round_, None,
                            f"交办超期：会议后应于 {due:%Y-%m-%d} 前交办，目前尚未交办")


def plan(today: date, result: RemindResult) -> list[Candidate]:
    calendar = load_calendar()
    settings = ladder()
    candidates = [*_deadline_candidates(today, calendar, settings, result), *_failed_round_candidates(settings),
                  *_assign_due_candidates(today, calendar, settings)]
    sent_keys = set(db.session.scalars(
        sa.select(Notice.dedupe_key).join(Item, Item.id == Notice.item_id)
        .where(Item.stage != Stage.CLOSED, Notice.dedupe_key.is_not(None))).all())
    fresh = [c for c in candidates if c.key not in sent_keys]
    result.already_sent = len(candidates) - len(fresh)
    db.session.commit()  # end the read transaction before the writes
    return fresh


def _still_applies(item: Item | None, candidate: Candidate) -> bool:
    """Re-check inside the write transaction: staff may have acted since planning."""
    if item is None:
        return False
    if candidate.kind is NoticeKind.ASSIGN_DUE:
        return item.stage in UNASSIGNED
    if candidate.kind is NoticeKind.ESCALATE and item.supervised:
        return False
    if candidate.deadline is None:
        return item.stage is not Stage.CLOSED
    return item.stage in DEADLINE_STAGES and item.round == candidate.round and item.deadline == candidate.deadline


def send(candidate: Candidate) -> bool:
    """One notice, one transaction. False when it no longer applies or already exists."""
    try:
        item = db.session.get(Item, candidate.item_id)
        if not _still_applies(item, candidate):
            db.session.rollback()
            return False
        unit_id = None if candidate.kind is NoticeKind.ASSIGN_DUE else item.lead_unit_id
        notice = Notice(item_id=item.id, round=item.round, kind=candidate.kind, unit_id=unit_id,
                        text=candidate.text, dedupe_key=candidate.key)
        db.session.add(notice)
        db.session.flush()  # a concurrent run that got here first makes this fail
        if candidate.kind is NoticeKind.ESCALATE:
            supervise_item(item, candidate.text, None, object_type="notice", object_id=notice.id)
        else:
            record(candidate.kind.audit_action, candidate.text, object_type="notice", object_id=notice.id,
                   item_id=item.id)
        db.session.commit()
        return True
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        return False


def run_remind(today: date | None = None, *, deliver_mail: bool = True) -> RemindResult:
    result = RemindResult(today=today or local_today())
    with cached_recipients():
        candidates = plan(result.today, result)
        prime_co_units(sorted({c.item_id for c in candidates}))
        db.session.commit()
        for candidate in candidates:
            if send(candidate):
                result.sent[candidate.kind] += 1
            else:
                result.skipped += 1
    result.lookbacks_due = notify_due_lookbacks(result.today)
    if deliver_mail and mail_enabled():
        result.mail = deliver_outbox()
    return result
