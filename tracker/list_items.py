"""A page of items as the lists show them, read as plain columns instead of ORM objects.

A list row shows an item's number (the document's: ``models.item.document_number``),
title, activity, units, deadline, round, stage and two lights. Loading 50 ``Item`` objects
with their activity, lead unit and co-units cost ~5× reading the same columns (9.2 against
1.8 ms at 100k items on SQLite, most of it the ORM building objects and running two
``selectin`` loads), and it was the largest part of every list page (issue 16: the lists
must reach 0.8× the realistic floor's throughput).
So a list reads its page's columns, its co-units' ids among them (``CO_UNIT_IDS``), in one
statement and names the units from the per-process unit table (``choices.unit_refs``).

``ListItem`` answers the same attribute names the list templates, the lights and the
macros ask of an ``Item`` (``stage``, ``deadline``, ``lead_unit.name``, ``co_units``,
``status_label``…); the rules themselves stay where they are (``lights``, ``models``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from .choices import UnitRef, unit_refs
from .extensions import db
from .models import Activity, Item, Origin, Stage, item_co_unit
from .models.closure import ClosureKind
from .models.item import ItemLabels, document_number
from .models.numbering import PARENT_NUMBER

# The columns a list row needs, in ``ListItem``'s order after ``co_units``' fields.
COLUMNS = (Item.id, Item.activity_id, Item.seq, Item.question, Activity.title, Item.lead_unit_id,
           Item.deadline, Item.original_deadline, Item.stage, Item.closure_kind, Item.round, Item.supervised,
           Item.last_activity_on, Item.ref, PARENT_NUMBER, Item.origin)
# The item's co-units as one text column ("3,12"), so the page's rows and their co-units are
# one statement: a second one cost a database round trip on every list (issue 16).
CO_UNIT_IDS = (sa.select(sa.func.aggregate_strings(sa.cast(item_co_unit.c.unit_id, sa.String()), ","))
               .where(item_co_unit.c.item_id == Item.id).correlate(Item).scalar_subquery().label("co_unit_ids"))


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
    ref: str | None
    parent_number: str | None
    origin: Origin
    lead_unit: UnitRef | None
    co_units: tuple[UnitRef, ...]

    @property
    def number(self) -> str:
        """The document's number, as ``Item.number`` and the 台账 print it."""
        return document_number(self.ref, self.seq, self.parent_number)


def list_columns(stmt: sa.Select) -> sa.Select:
    """``stmt`` (a select of ``Item``, filtered and ordered) reading a row's columns instead."""
    return stmt.with_only_columns(*COLUMNS, CO_UNIT_IDS, maintain_column_froms=True).join(
        Activity, Activity.id == Item.activity_id)


def list_items(rows: Sequence[sa.Row]) -> list[ListItem]:
    """The rows of a ``list_columns`` statement as ``ListItem``s, in their order."""
    if not rows:
        return []
    units = unit_refs()
    width = len(COLUMNS)  # a list's page may carry a column of its own after these (``list_page``)
    return [ListItem(*row[:width], units.get(row.lead_unit_id), _co_units(row.co_unit_ids, units)) for row in rows]


def _co_units(ids: str | None, units: dict[int, UnitRef]) -> tuple[UnitRef, ...]:
    """The units of a ``CO_UNIT_IDS`` text, in the units' order."""
    if not ids:
        return ()
    return tuple(sorted((units[int(i)] for i in ids.split(",")), key=lambda u: (u.sort_order, u.id)))


def read_list_items(stmt: sa.Select) -> list[ListItem]:
    """The items ``stmt`` (a select of ``Item``, ordered and cut) selects, as list rows."""
    return list_items(db.session.execute(list_columns(stmt)).all())
