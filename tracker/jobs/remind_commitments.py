"""The daily job's commitment part: 临期提醒 and 逾期警告 per commitment (承诺).

Kept apart from the item rungs in ``remind.py`` on purpose: it plans from one column-only
query, decides each commitment's light with the one rule (``lights.commitment_light``'s
thresholds), and writes every fresh notice — notice row, history row, inbox lines — in
**one** transaction, not one per notice. Idempotent through the notices' unique
``dedupe_key`` ("commitment-warn:<id>:<date>"): a rerun the same day finds every key and
sends nothing; a changed date is a new key, so the unit hears about the new date once.
If a concurrent run committed first, the batch's unique key fails, it is rolled back
and counted as skipped; the next run sends what is still due.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Commitment, CommitmentStatus, Item, Notice, NoticeKind, Stage, utcnow
from ..services.audit import record
from ..services.calendar import load_calendar, yellow_workdays
from ..services.deadlines import ladder
from ..services.notify import cached_recipients, prime_co_units
from ..workdays import Light, traffic_light

KEY_PREFIX = "commitment-"


@dataclass
class CommitmentReminders:
    open_dated: int = 0
    sent: Counter = field(default_factory=Counter)
    already_sent: int = 0
    skipped: int = 0
    seconds: float = 0.0  # wall time of this part, for the bench and the job's log

    def summary(self) -> str:
        sent = "，".join(f"{kind.label} {n}" for kind, n in self.sent.items()) or "无"
        text = f"有确认日期的未兑现承诺 {self.open_dated} 项；承诺提醒发出：{sent}；此前已发 {self.already_sent} 条"
        return text + (f"；并发冲突未发 {self.skipped} 条" if self.skipped else "")


def remind_commitments(today: date) -> CommitmentReminders:
    """Plan and send the commitment notices of ``today``; commits once."""
    started = time.perf_counter()
    result = CommitmentReminders()
    settings = ladder()
    calendar, yellow = load_calendar(), yellow_workdays()
    rows = db.session.execute(
        sa.select(Commitment.id, Commitment.due_on, Commitment.text, Commitment.unit_id, Item.id, Item.round,
                  Item.lead_unit_id)
        .join(Item, Item.id == Commitment.item_id)
        .where(Commitment.status == CommitmentStatus.OPEN, Commitment.due_on.is_not(None),
               Item.stage != Stage.WITHDRAWN)).all()
    result.open_dated = len(rows)
    sent_keys = set(db.session.scalars(sa.select(Notice.dedupe_key).where(Notice.dedupe_key.like(f"{KEY_PREFIX}%"))))
    fresh = []
    for commitment_id, due, text, unit_id, item_id, round_, lead_unit_id in rows:
        light = traffic_light(due, today, yellow_workdays=yellow, calendar=calendar)
        short = " ".join(text.split())[:30]
        if light is Light.YELLOW and settings["remind_on_yellow"]:
            kind, key = NoticeKind.REMIND, f"{KEY_PREFIX}remind:{commitment_id}:{due.isoformat()}"
            message = f"承诺临期提醒：“{short}”应于 {due:%Y-%m-%d} 前兑现"
        elif light is Light.RED and settings["warn_on_red"]:
            kind, key = NoticeKind.WARN, f"{KEY_PREFIX}warn:{commitment_id}:{due.isoformat()}"
            message = f"承诺逾期警告：“{short}”应于 {due:%Y-%m-%d} 前兑现，已逾期 {(today - due).days} 天"
        else:
            continue
        if key in sent_keys:
            result.already_sent += 1
            continue
        fresh.append((kind, key, message, commitment_id, unit_id or lead_unit_id, item_id, round_))
    if not fresh:
        db.session.commit()
        result.seconds = time.perf_counter() - started
        return result
    item_ids = sorted({row[5] for row in fresh})
    try:
        # One multi-row INSERT … RETURNING for the notices, then the history rows and inbox
        # lines flushed once at commit. The items are loaded up front (and kept referenced)
        # so routing each notice finds its item in the session instead of a query and an
        # autoflush per notice; who belongs to which unit is asked once per unit.
        ids = dict(db.session.execute(sa.insert(Notice).returning(Notice.dedupe_key, Notice.id), [
            {"item_id": item_id, "round": round_, "kind": kind, "unit_id": unit_id, "text": message,
             "dedupe_key": key, "created_at": utcnow()}
            for kind, key, message, _commitment_id, unit_id, item_id, round_ in fresh]).all())
        with cached_recipients(), db.session.no_autoflush:
            prime_co_units(item_ids)
            loaded = [item for start in range(0, len(item_ids), 500)
                      for item in db.session.scalars(sa.select(Item).where(Item.id.in_(item_ids[start:start + 500])))]
            for kind, key, message, commitment_id, _unit_id, item_id, _round in fresh:
                record(kind.audit_action, message, object_type="notice", object_id=ids[key], item_id=item_id,
                       details={"commitment_id": commitment_id})
                result.sent[kind] += 1
        del loaded
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        result.skipped, result.sent = len(fresh), Counter()
    result.seconds = time.perf_counter() - started
    return result
