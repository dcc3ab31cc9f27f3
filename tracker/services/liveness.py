"""The unit's last sign of life on an item, for the 无进展 light (``lights.is_silent``).

Kept on the item in the same transaction as the post that shows life, so lists and the
daily job compare one indexed date instead of taking a MAX over every entry."""
from __future__ import annotations

from datetime import date

from ..models import Item, local_today


def mark_activity(item: Item, today: date | None = None) -> None:
    """交办, an answer, progress or a report: the silence clock starts again today."""
    item.last_activity_on = today or local_today()
