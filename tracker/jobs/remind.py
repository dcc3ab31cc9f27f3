"""The daily follow-up job: lights, reminders, the escalation ladder and 无进展 items.

**Planning** asks each source in ``SOURCES`` for the rungs due today, with column-only,
set-based queries (no item is loaded as an object), and drops those whose ``dedupe_key``
was already sent. **Sending** works in batches of ``BATCH_SIZE``: one transaction per batch
re-reads the batch's items in one query (staff may have acted since planning), inserts the
notices with ``ON CONFLICT (dedupe_key) DO NOTHING RETURNING`` — so a concurrent run that got
there first wins, and only rows this run inserted go further — raises the 挂牌督办 flag in
one UPDATE, writes the history rows in one statement linked into the hash chain, and the
inbox lines and outbox mail in two more. Recipients are looked up once per unit/committee.

So a second run on the same day finds every key present and sends nothing; a run that
crashes half-way has committed whole batches only, and the next run sends the rest.

Commitments (承诺) are a source like the others: their candidates carry a
``commitment_id``, and the re-check reads the batch's commitments (status and confirmed
date) in one query, so a commitment kept or re-dated since planning is skipped. Their keys
("commitment-remind:<id>:<date>") name the confirmed date: a changed date is a new promise
to remind about once. A closed item with an open commitment is still reminded (the promise
outlives the item's 办结); a 作废 item is not.

Adding a source: write a function ``(today, calendar, settings, result) -> Iterable[Candidate]``
using set-based queries, add it to ``SOURCES``, and give its candidates a ``kind`` whose
re-check ``_still_applies`` understands. Everything after planning is shared.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from ..extensions import db
from ..lights import SILENT_STAGES, silent_clause, silent_since
from ..models import (
    DEADLINE_STAGES,
    Activity,
    Commitment,
    CommitmentStatus,
    Evaluation,
    EvaluationStatus,
    Item,
    Notice,
    NoticeKind,
    Notification,
    OutboxMail,
    Stage,
    local_today,
    utcnow,
)
from ..models.item import document_number, heading, short_title
from ..models.numbering import PARENT_NUMBER
from ..services.audit import record_system_batch
from ..services.bulk import insert_rows, is_postgresql, unnest_insert
from ..services.calendar import load_calendar, yellow_workdays
from ..services.deadlines import deadline_rules, due_date, ladder
from ..services.followup import flag_supervised_by_system
from ..services.notify import ROUTES, cached_recipients, deliveries, prime_co_units
from ..tally import Consequence
from ..workdays import Light, WorkCalendar, traffic_light
from .lookbacks import notify_due_lookbacks
from .mail import Delivery, deliver_outbox, mail_enabled

UNASSIGNED = (Stage.ASKED, Stage.ANSWERED)
COMMITMENT_KEY = "commitment-"  # every commitment notice's dedupe_key starts so
BATCH_SIZE = 1000
CHUNK = 500  # ids per IN (...): under every database's parameter limit


@dataclass(frozen=True)
class Candidate:
    key: str
    kind: NoticeKind
    item_id: int
    round: int
    deadline: date | None
    text: str
    last_activity_on: date | None = None  # 无进展 only: the silence this notice is about
    commitment_id: int | None = None  # 承诺 only: the commitment (``deadline`` is its confirmed date)
    unit_id: int | None = None  # 承诺 only: its owner unit (else the item's lead unit hears)


@dataclass
class CommitmentReminders:
    """The commitment part of a run, for the job's log and the bench."""

    open_dated: int = 0
    sent: Counter = field(default_factory=Counter)
    already_sent: int = 0

    def summary(self) -> str:
        sent = "，".join(f"{kind.label} {n}" for kind, n in self.sent.items()) or "无"
        return f"有确认日期的未兑现承诺 {self.open_dated} 项；承诺提醒发出：{sent}；此前已发 {self.already_sent} 条"


@dataclass
class RemindResult:
    today: date
    open_items: int = 0
    lights: Counter = field(default_factory=Counter)
    silent: int = 0
    sent: Counter = field(default_factory=Counter)
    already_sent: int = 0
    skipped: int = 0  # the item changed between planning and sending
    batches: int = 0
    mail: Delivery | None = None
    commitments: CommitmentReminders = field(default_factory=CommitmentReminders)
    lookbacks_due: int = 0  # 回头看 told to units (jobs/lookbacks.py)

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())

    def summary(self) -> str:
        lights = "，".join(f"{light.label} {self.lights[light]}" for light in (Light.GREEN, Light.YELLOW, Light.RED))
        sent = "，".join(f"{kind.label} {n}" for kind, n in self.sent.items()) or "无"
        text = (f"{self.today:%Y-%m-%d}：跟踪中事项 {self.open_items} 项（{lights}；无进展 {self.silent}）；"
                f"本次发出：{sent}；此前已发不重复发送 {self.already_sent} 条")
        if self.skipped:
            text += f"；事项已变化跳过 {self.skipped} 条"
        if self.commitments.open_dated:
            text += f"；{self.commitments.summary()}"
        if self.lookbacks_due:
            text += f"；回头看到期通知 {self.lookbacks_due} 项"
        if self.mail is not None:
            text += f"；邮件发送成功 {self.mail.sent} 封，失败 {self.mail.failed} 封"
        return text


# -- sources: the rungs due today, from set-based queries ------------------------------

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


def _failed_round_candidates(today: date, calendar: WorkCalendar, settings: dict, result: RemindResult):
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


def _assign_due_candidates(today: date, calendar: WorkCalendar, settings: dict, result: RemindResult):
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


def _silent_candidates(today: date, calendar: WorkCalendar, settings: dict, result: RemindResult):
    """无进展: one notice per spell of silence (the key names the last sign of life)."""
    rows = db.session.execute(sa.select(Item.id, Item.round, Item.last_activity_on)
                              .where(silent_clause(today, silent_since(today)))).all()
    result.silent = len(rows)
    for item_id, round_, last in rows:
        quiet = calendar.working_days_between(last, today)
        yield Candidate(f"silent:{item_id}:{round_}:{last.isoformat()}", NoticeKind.SILENT, item_id, round_, None,
                        f"无进展提醒：自 {last:%Y-%m-%d} 以来已 {quiet} 个工作日未报送答复、进展或报告，请及时报送",
                        last_activity_on=last)


def _commitment_candidates(today: date, calendar: WorkCalendar, settings: dict, result: RemindResult):
    """临期提醒 / 逾期警告 per open commitment with a confirmed date, by the items' light rule
    (``lights.commitment_light``: same thresholds); a proposed date (待确认) runs no light."""
    yellow = yellow_workdays()
    rows = db.session.execute(
        sa.select(Commitment.id, Commitment.due_on, Commitment.text, Commitment.unit_id, Item.id, Item.round)
        .join(Item, Item.id == Commitment.item_id)
        .where(Commitment.status == CommitmentStatus.OPEN, Commitment.due_on.is_not(None),
               Item.stage != Stage.WITHDRAWN)).all()
    result.commitments.open_dated = len(rows)
    for commitment_id, due, text, unit_id, item_id, round_ in rows:
        light = traffic_light(due, today, yellow_workdays=yellow, calendar=calendar)
        short = " ".join(text.split())[:30]
        if light is Light.YELLOW and settings["remind_on_yellow"]:
            kind, rung = NoticeKind.REMIND, "remind"
            message = f"承诺临期提醒：“{short}”应于 {due:%Y-%m-%d} 前兑现"
        elif light is Light.RED and settings["warn_on_red"]:
            kind, rung = NoticeKind.WARN, "warn"
            message = f"承诺逾期警告：“{short}”应于 {due:%Y-%m-%d} 前兑现，已逾期 {(today - due).days} 天"
        else:
            continue
        yield Candidate(f"{COMMITMENT_KEY}{rung}:{commitment_id}:{due.isoformat()}", kind, item_id, round_, due,
                        message, commitment_id=commitment_id, unit_id=unit_id)


Source = Callable[[date, WorkCalendar, dict, RemindResult], Iterable[Candidate]]
SOURCES: list[Source] = [_deadline_candidates, _failed_round_candidates, _assign_due_candidates, _silent_candidates,
                         _commitment_candidates]


def plan(today: date, result: RemindResult) -> list[Candidate]:
    calendar = load_calendar()
    settings = ladder()
    candidates = [c for source in SOURCES for c in source(today, calendar, settings, result)]
    # Keys of closed items cannot come back, except a commitment's: it outlives 办结.
    sent_keys = set(db.session.scalars(
        sa.select(Notice.dedupe_key).join(Item, Item.id == Notice.item_id)
        .where(Notice.dedupe_key.is_not(None),
               sa.or_(Item.stage != Stage.CLOSED, Notice.dedupe_key.like(f"{COMMITMENT_KEY}%")))).all())
    fresh = [c for c in candidates if c.key not in sent_keys]
    result.already_sent = len(candidates) - len(fresh)
    result.commitments.already_sent = sum(1 for c in candidates if c.commitment_id and c.key in sent_keys)
    db.session.commit()  # end the read transaction before the writes
    return fresh


# -- sending, a batch per transaction ---------------------------------------------------

def _still_applies(item, candidate: Candidate, commitments: dict[int, tuple]) -> bool:
    """Re-check inside the write transaction: staff may have acted since planning."""
    if item is None:
        return False
    if candidate.commitment_id is not None:
        status, due_on = commitments.get(candidate.commitment_id, (None, None))
        return status is CommitmentStatus.OPEN and due_on == candidate.deadline and item.stage is not Stage.WITHDRAWN
    if candidate.kind is NoticeKind.ASSIGN_DUE:
        return item.stage in UNASSIGNED
    if candidate.kind is NoticeKind.ESCALATE and item.supervised:
        return False
    if candidate.kind is NoticeKind.SILENT:
        return item.stage in SILENT_STAGES and item.last_activity_on == candidate.last_activity_on
    if candidate.deadline is None:
        return item.stage is not Stage.CLOSED
    return item.stage in DEADLINE_STAGES and item.round == candidate.round and item.deadline == candidate.deadline


def _load_items(item_ids: list[int]) -> dict[int, SimpleNamespace]:
    """The batch's items as plain rows, with the attributes the notification routes read."""
    items = {}
    for start in range(0, len(item_ids), CHUNK):
        rows = db.session.execute(sa.select(
            Item.id, Item.activity_id, Item.seq, Item.question, Item.stage, Item.round, Item.deadline,
            Item.supervised, Item.lead_unit_id, Item.last_activity_on, Item.origin, Item.ref, PARENT_NUMBER,
        ).where(Item.id.in_(item_ids[start:start + CHUNK])))
        for row in rows:
            number = document_number(row.ref, row.seq, row.parent_number)
            items[row.id] = SimpleNamespace(**row._asdict(), heading=heading(row.origin, number),
                                            title=short_title(row.question))
    return items


def _load_commitments(commitment_ids: list[int]) -> dict[int, tuple]:
    """{id: (status, confirmed date)} of the batch's commitments, read once per batch."""
    found = {}
    for start in range(0, len(commitment_ids), CHUNK):
        found.update((row.id, (row.status, row.due_on)) for row in db.session.execute(
            sa.select(Commitment.id, Commitment.status, Commitment.due_on)
            .where(Commitment.id.in_(commitment_ids[start:start + CHUNK]))))
    return found


def _history(sent: list[Candidate], inserted: dict[str, int]) -> list[dict]:
    """History rows in ``sent``'s order; a commitment's names it (details), so the chain
    statement is split in two when both kinds are in the batch."""
    def row(c: Candidate) -> dict:
        return {"action": c.kind.audit_action, "summary": c.text, "object_type": "notice",
                "object_id": inserted[c.key], "item_id": c.item_id}
    items = [c for c in sent if c.commitment_id is None]
    promised = [c for c in sent if c.commitment_id is not None]
    written = {}
    if items:
        written.update(zip((c.key for c in items), record_system_batch([row(c) for c in items]), strict=True))
    if promised:
        written.update(zip((c.key for c in promised), record_system_batch(
            [row(c) | {"details": {"commitment_id": c.commitment_id}} for c in promised]), strict=True))
    return [written[c.key] for c in sent]


def _insert_notices(rows: list[dict]) -> dict[str, int]:
    """Insert, skipping keys another run inserted meanwhile; {dedupe_key: id} of ours."""
    if not rows:
        return {}
    table = Notice.__table__
    if is_postgresql():
        result = unnest_insert(table, rows, "ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key, id")
        return {row.dedupe_key: row.id for row in result}
    stmt = (sqlite.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.dedupe_key, table.c.id))
    return {row.dedupe_key: row.id for row in db.session.connection().execute(stmt, rows)}


def send_batch(batch: list[Candidate], result: RemindResult) -> None:
    """One transaction for up to ``BATCH_SIZE`` notices, their history rows and their mail."""
    items = _load_items(sorted({c.item_id for c in batch}))
    commitments = _load_commitments(sorted(c.commitment_id for c in batch if c.commitment_id is not None))
    live = [c for c in batch if _still_applies(items.get(c.item_id), c, commitments)]
    result.skipped += len(batch) - len(live)
    inserted = _insert_notices([{
        "item_id": c.item_id, "round": items[c.item_id].round, "kind": c.kind.value, "text": c.text,
        "unit_id": None if c.kind is NoticeKind.ASSIGN_DUE else c.unit_id or items[c.item_id].lead_unit_id,
        "dedupe_key": c.key, "reply_by": None, "created_by_id": None,
        "created_at": utcnow()} for c in live])
    sent = [c for c in live if c.key in inserted]
    result.skipped += len(live) - len(sent)
    flagged = flag_supervised_by_system([c.item_id for c in sent if c.kind is NoticeKind.ESCALATE])
    for item_id in flagged:
        items[item_id].supervised = True
    history = _history(sent, inserted)
    lines, mails = [], []
    for c, entry in zip(sent, history, strict=True):
        route = ROUTES.get(c.kind.audit_action)
        if route is None:
            continue
        for line, mail in deliveries(route, SimpleNamespace(**{"details": None, **entry}), items[c.item_id]):
            lines.append(line)
            if mail is not None:
                mails.append(mail)
    insert_rows(Notification.__table__, lines)
    insert_rows(OutboxMail.__table__, mails)
    db.session.commit()
    result.batches += 1
    for c in sent:
        result.sent[c.kind] += 1
        if c.commitment_id is not None:
            result.commitments.sent[c.kind] += 1


def run_remind(today: date | None = None, *, deliver_mail: bool = True) -> RemindResult:
    result = RemindResult(today=today or local_today())
    with cached_recipients():
        candidates = plan(result.today, result)
        prime_co_units(sorted({c.item_id for c in candidates}))
        db.session.commit()
        for start in range(0, len(candidates), BATCH_SIZE):
            try:
                send_batch(candidates[start:start + BATCH_SIZE], result)
            except Exception:
                db.session.rollback()
                raise
    result.lookbacks_due = notify_due_lookbacks(result.today)
    if deliver_mail and mail_enabled():
        result.mail = deliver_outbox()
    return result
