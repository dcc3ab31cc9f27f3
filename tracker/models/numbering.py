"""An item's number as its document prints it, in SQL: for the lists and the 台账, which read
items as columns (``Item.number`` and ``item.document_number`` are the Python side)."""
from __future__ import annotations

import sqlalchemy as sa

from .item import Item

_PARENT = sa.orm.aliased(Item, name="parent_item")  # made once: see ``main.todos._REPORT``
# ``document_number``'s ``parent_number`` for a row of ``item`` read as columns (the lists,
# the 台账): the parent's own number ("二"; its entry order when it has none), looked up only
# for rows that have a parent. An outer join of the parent on every row cost a list page's
# statement a quarter more on PostgreSQL (0.69 → 0.86 ms, this 0.73), for rows most of which
# have none.
PARENT_NUMBER = sa.case(
    (Item.parent_id.is_not(None),
     sa.select(sa.func.coalesce(sa.func.nullif(_PARENT.ref, ""), sa.cast(_PARENT.seq, sa.String())))
     .where(_PARENT.id == Item.parent_id).correlate(Item).scalar_subquery()),
    else_=sa.null()).label("parent_number")
