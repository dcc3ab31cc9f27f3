"""The daily job's 回头看 part: tell the lead unit once that a look-back has fallen due.

Kept apart from the item reminders (``remind.py``) on purpose. All due look-backs are
told in one transaction: they are claimed with ``UPDATE … WHERE notified_at IS NULL
RETURNING id`` (one statement per 500), so
a rerun the same day (or a second job racing this one) finds nothing left to claim, and
a rolled-back run has told nobody (the inbox lines come from the history rows written in
the same transaction).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditAction, Item, Lookback, Stage, utcnow
from ..services.audit import record
from ..services.notify import cached_recipients, prime_co_units


def notify_due_lookbacks(today: date) -> int:
    """Claim and announce every due, unannounced 回头看 of a still-closed item; returns how many."""
    rows = db.session.execute(
        sa.select(Lookback.id, Lookback.item_id, Lookback.due_on).join(Item, Item.id == Lookback.item_id)
        .where(Lookback.finding.is_(None), Lookback.notified_at.is_(None), Lookback.due_on <= today,
               Item.stage == Stage.CLOSED, Lookback.round == Item.round).order_by(Lookback.id)).all()
    now, claimed = utcnow(), set()
    for start in range(0, len(rows), 500):  # one UPDATE per 500, under every database's parameter limit
        chunk = [row.id for row in rows[start:start + 500]]
        claimed.update(db.session.scalars(
            sa.update(Lookback).where(Lookback.id.in_(chunk), Lookback.notified_at.is_(None))
            .values(notified_at=now).returning(Lookback.id).execution_options(synchronize_session=False)))
    told = [row for row in rows if row.id in claimed]
    with cached_recipients():
        prime_co_units(sorted({row.item_id for row in told}))
        for lookback_id, item_id, due_on in told:
            record(AuditAction.LOOKBACK_DUE,
                   f"回头看已到期（{due_on:%Y-%m-%d}），请报送整改成果巩固情况和证明材料",
                   object_type="lookback", object_id=lookback_id, item_id=item_id)
        db.session.commit()
    return len(told)
