"""A page of items as the lists show them, read as plain columns instead of ORM objects.

A list row shows an item's code, title, activity, units, deadline, round, stage and two
lights. Loading 50 ``Item`` objects with their activity, lead unit and co-units cost
~5× reading the same columns (9.2 against 1.8 ms at 100k items on SQLite, most of it the
ORM building objects and running two ``selectin`` loads), and it was the largest part of
every list page (issue 16: the lists must reach 0.8× the realistic floor's throughput).
So a list reads its page's columns in one statement, its co-units in a second, and names
the units from the per-process unit table (``choices.unit_refs``).

``ListItem`` answers the same attribute names the list templates, the lights and the
macros ask of an ``Item`` (``stage``, ``deadline``, ``lead_unit.name``, ``co_units``,
``status_label``…); the rules themselves stay where they are (``lights``, ``models``).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from .choices import UnitRef, unit_refs
from .database import in_ids
from .extensions import db
from .models import Activity, Item, Stage, item_co_unit
from .models.closure import ClosureKind
from .models.item import ItemLabels

# The columns a list row needs, in ``ListItem``'s order after ``co_units``' fields.
COLUMNS = (Item.id, Item.activity_id, Item.seq, Item.question, Activity.title, Item.lead_unit_id,
           Item.deadline, Item.original_deadline, Item.stage, Item.closure_kind, Item.round, Item.supervised,
           Item.last_activity_on)


@dataclass(slots=True, frozen=True, eq=False)
class ListItem(ItemLabels):
    """One item of a list page (see the module's docstring)."""

    id: int
    activity_id: int
    seq: int
    question: str
    activity_title: str
    lead_unit_id: int | None
    deadline: date | None
    original_deadline: date | None
    stage: Stage
    closure_kind: ClosureKind | None
    round: int
    supervised: bool
    last_activity_on: date | None
    lead_unit: UnitRef | None
    co_units: tuple[UnitRef, ...]


def list_columns(stmt: sa.Select) -> sa.Select:
    """``stmt`` (a select of ``Item``, filtered and ordered) reading a row's columns instead."""
    return stmt.with_only_columns(*COLUMNS, maintain_column_froms=True).join(
        Activity, Activity.id == Item.activity_id)


@functools.cache
def _co_units_statement(dialect: str) -> sa.Select:
    """The page's co-unit rows, its ids as one parameter (``database.in_ids``)."""
    return sa.select(item_co_unit.c.item_id, item_co_unit.c.unit_id).where(in_ids(dialect)(item_co_unit.c.item_id))


def list_items(rows: Sequence[sa.Row]) -> list[ListItem]:
    """The rows of a ``list_columns`` statement as ``ListItem``s, in their order, with their
    co-units (one statement for the page)."""
    if not rows:
        return []
    units = unit_refs()
    co: dict[int, list[UnitRef]] = {}
    for item_id, unit_id in db.session.execute(_co_units_statement(db.session.get_bind().dialect.name),
                                               {"ids": [row.id for row in rows]}):
        co.setdefault(item_id, []).append(units[unit_id])
    return [ListItem(*row, units.get(row.lead_unit_id),
                     tuple(sorted(co.get(row.id, ()), key=lambda u: (u.sort_order, u.id)))) for row in rows]


@functools.cache
def _by_ids_statement(dialect: str) -> sa.Select:
    """A page's rows by their ids, the ids as one parameter (``database.in_ids``)."""
    return list_columns(sa.select(Item).where(in_ids(dialect)(Item.id)))


def list_items_by_id(ids: Sequence[int]) -> list[ListItem]:
    """The items of ``ids`` as list rows, in that order (an id not found is left out)."""
    rows = {row.id: row for row in db.session.execute(_by_ids_statement(db.session.get_bind().dialect.name),
                                                       {"ids": list(ids)})}
    return list_items([rows[i] for i in ids if i in rows])


def read_list_items(stmt: sa.Select) -> list[ListItem]:
    """The items ``stmt`` (a select of ``Item``, ordered and cut) selects, as list rows."""
    return list_items(db.session.execute(list_columns(stmt)).all())
