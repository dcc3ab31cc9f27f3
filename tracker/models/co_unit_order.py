"""A co-unit row's copy of its item's list order and stage (``item_co_unit.urgency``/
``deadline``/``stage``).

The unit lists walk ``ix_item_co_unit_order (unit_id, urgency, deadline, item_id)`` and stop
after a page (``visibility.unit_item_arms``), and 我的事项 finds a unit's 待签收 co-unit rows
through ``ix_item_co_unit_stage (unit_id, stage, …)`` (``main.todos.attention_first``), so
the copies must equal the item's values at every commit. They are kept here and nowhere
else: after each flush, the co-unit rows of every item whose urgency, deadline, stage or
co-units changed in it (new items included) are set from the item's row, in the same
transaction; an ORM bulk ``update(Item)`` setting them, which bypasses the flush, is
followed by the same copy for the rows it matched.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .item import Item, item_co_unit

# The item's columns copied to its co-unit rows: what orders a unit's co-unit list, and the
# stage 我的事项 puts first by. ``stage`` is watched itself: a change between two stages of
# equal urgency (待签收 → 整改中) leaves the urgency as it was.
ORDER_KEYS = ("urgency", "deadline", "stage")
_WATCHED = (*ORDER_KEYS, "co_units")
_BULK_KEYS = set(ORDER_KEYS)

_item = Item.__table__
_COPY = sa.update(item_co_unit).values(
    {key: sa.select(_item.c[key]).where(_item.c.id == item_co_unit.c.item_id).scalar_subquery()
     for key in ORDER_KEYS})


def copy_order_keys(connection: sa.Connection, item_ids) -> None:
    """Set the co-unit rows of ``item_ids`` from their items (one statement)."""
    connection.execute(_COPY.where(item_co_unit.c.item_id.in_(sorted(item_ids))))


def _moved(item: Item, new: bool) -> bool:
    """Whether the item's co-unit rows may differ from it now; a new item has rows only if it
    was given co-units (no statement for the many created without)."""
    state = sa.inspect(item)
    if state.deleted or state.was_deleted:
        return False
    if new:
        return bool(state.attrs.co_units.history.added)
    return any(state.attrs[key].history.has_changes() for key in _WATCHED)


@sa.event.listens_for(Session, "after_flush")
def _copy_after_flush(session: Session, _context) -> None:
    """After the flush wrote the items and their co-unit rows (history is still readable)."""
    ids = {obj.id for objs, new in ((session.new, True), (session.dirty, False)) for obj in objs
           if isinstance(obj, Item) and _moved(obj, new)}
    if ids:
        copy_order_keys(session.connection(), ids)


def _set_keys(state) -> set[str]:
    """The column names an ORM ``UPDATE`` statement sets: its ``values()`` and, for a bulk
    update by primary key, its parameter dicts."""
    stmt = state.statement
    keys = {getattr(k, "key", k) for k in (getattr(stmt, "_values", None) or {})}
    keys |= {getattr(k, "key", k) for k, _v in (getattr(stmt, "_ordered_values", None) or ())}
    params = state.parameters
    for row in (params if isinstance(params, list | tuple) else [params or {}]):
        keys |= set(row)
    return {str(k) for k in keys}


@sa.event.listens_for(Session, "do_orm_execute")
def _copy_after_bulk_update(state):
    """An ORM ``update(Item)`` that sets the urgency, deadline or stage bypasses the flush: the
    ids its WHERE matches are read first (the rows it is about to change), the statement runs,
    and their co-unit rows are copied from the changed items."""
    if not (state.is_update and state.bind_mapper is not None and state.bind_mapper.class_ is Item):
        return None
    if not _set_keys(state) & _BULK_KEYS:
        return None
    params = state.parameters
    if isinstance(params, list | tuple):  # bulk UPDATE by primary key: the ids are in the rows
        ids = {row["id"] for row in params}
    else:
        where = state.statement.whereclause
        ids = set(state.session.scalars(sa.select(Item.id).where(where if where is not None else sa.true())))
    result = state.invoke_statement()
    if ids:
        copy_order_keys(state.session.connection(), ids)
    return result
