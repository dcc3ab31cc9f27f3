"""What the co-unit copy tests share (``models/co_unit_order.py``)."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Item, item_co_unit


def stale_rows() -> list:
    """Co-unit rows whose copies differ from their item's values (NULL deadlines equal)."""
    item = Item.__table__
    return db.session.execute(
        sa.select(item_co_unit.c.item_id, item_co_unit.c.unit_id)
        .join(item, item.c.id == item_co_unit.c.item_id)
        .where(sa.or_(item_co_unit.c.urgency != item.c.urgency,
                      item_co_unit.c.deadline.is_distinct_from(item.c.deadline),
                      item_co_unit.c.stage != item.c.stage))).all()
