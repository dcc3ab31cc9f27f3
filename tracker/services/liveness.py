"""The unit's last sign of life on an item, for the 无进展 light (``lights.is_silent``).

Kept on the item in the same transaction as the post that shows life, so lists and the
daily job compare one indexed date instead of taking a MAX over every entry."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import Item, local_today


def mark_activity(item: Item, today: date | None = None) -> None:
    """交办, an answer, progress or a report: the silence clock starts again today.

    The date is written by a plain UPDATE, not through the item's version counter: a
    progress post is an append, and two people of a unit posting on one item at the same
    moment must both be stored. Through the ORM the second post's UPDATE would carry the
    version both had read and be refused whole as 已被他人修改 (409) — the mixed load test
    met exactly that on PostgreSQL. The date is not one of the dashboard's figure columns
    (``versioned.FIGURE_ITEM_ATTRIBUTES``), so the statement runs on the connection, where
    the families' bulk hook does not see it, as a flush of this one column would not.
    """
    today = today or local_today()
    if item.last_activity_on == today:
        return
    if item.id is None:  # not yet stored: nobody else can be writing it
        item.last_activity_on = today
        return
    db.session.connection().execute(
        sa.update(Item.__table__).where(Item.__table__.c.id == item.id).values(last_activity_on=today))
    set_committed_value(item, "last_activity_on", today)
