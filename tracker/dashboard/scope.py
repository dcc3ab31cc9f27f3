"""Which items a dashboard figure counts, and its results kept per lead unit.

A scope is a year of supervision activities, optionally those one 工作机构 leads (see
``dashboard.stats`` for the definitions). Every statement of the dashboard is narrowed by
``scoped`` and run through ``kept_parts``, which keeps its result per process and per lead
unit and reads again only the units whose items changed (``services.versioned``).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..choices import unit_refs
from ..extensions import db
from ..models import Item
from ..queries import ItemFilters, led_by_committee, not_withdrawn
from ..services.versioned import FIGURES

# The dashboard's statements are built once per process (``_unit_rows_statement``,
# ``_months_statement``) with these bound parameters where the values go: building the
# ~1,500 column expressions of the two big statements cost more than running them.
YEAR = sa.bindparam("year", type_=sa.Integer())
COMMITTEE = sa.bindparam("committee_id", type_=sa.Integer())


@dataclass
class Scope:
    year: int
    committee_id: int | None = None

    def filters(self, **extra) -> ItemFilters:
        return ItemFilters(year=self.year, committee_id=self.committee_id, **extra)

    def args(self, **extra) -> dict:
        return self.filters(**extra).as_args()

    def params(self) -> dict:
        """Values of the bound parameters of the statements ``scoped`` builds: no day among
        them (``dashboard.deadlines`` says why), so their kept results outlive the day."""
        params: dict = {"year": self.year}
        if self.committee_id:
            params["committee_id"] = self.committee_id
        return params


# Which lead units' items a statement reads (``figures_of``): all, or the units of the
# parameter ``units`` (and, with ``UNITS_AND_NONE``, the items not yet assigned).
ALL_UNITS, SOME_UNITS, UNITS_AND_NONE = "all", "some", "some+none"


def scoped(stmt: sa.Select, committee: bool, units: str = ALL_UNITS) -> sa.Select:
    """``stmt`` narrowed to a scope through bound parameters (``Scope.params``): the clauses
    ``queries.apply_filters`` applies for ``Scope.filters()``, so every figure's link lists
    the items it counts; ``units``: to some lead units' items (``figures_of``)."""
    # The year each item counts in, kept on the item by the database (migration 0026) — the
    # lists' year filter reads the same column, so a figure's link lists exactly its items.
    # Read as the year's activities, a full recount at 1M items on PostgreSQL scanned the
    # whole table (851 -> 363 ms through ix_item_year_order, same database, same time).
    stmt = stmt.where(not_withdrawn(), Item.meeting_year == YEAR)
    if units != ALL_UNITS:
        some = Item.lead_unit_id.in_(sa.bindparam("units", expanding=True))
        stmt = stmt.where(sa.or_(some, Item.lead_unit_id.is_(None)) if units == UNITS_AND_NONE else some)
    return stmt.where(led_by_committee(COMMITTEE)) if committee else stmt


def _as_dicts(rows: list[sa.Row]) -> list[dict]:
    return [row._asdict() for row in rows]


def kept_parts(name: str, statement: Callable[[str], sa.Select], params: dict,
               fold: Callable[[list[sa.Row]], Any] = _as_dicts) -> dict[int | None, Any]:
    """The result rows of one of the dashboard's aggregate statements (``statement(units)``,
    grouped by a ``lead_unit_id`` column) per lead unit (``None``: not yet assigned), each
    unit's rows as ``fold`` makes them (a list of dicts by default), kept per process and per
    lead unit until that unit's items, evaluations or verdicts change, or the year or lead
    committee of an activity it has items in (``services.versioned``: ``FIGURES`` and its
    ``Partitions``).

    The aggregates read every item of the year: their cost grows with the data (issue 16),
    while the rows they count change a few times an hour, a unit at a time. Counts maintained
    per unit could not follow the lights and the overdue figures, which change with the day
    and not with the rows; kept results can, since no statement counts by the day (the day's
    figures come from ``deadlines.deadline_counts``): the scope is in the key (``params``), so a kept
    result is exactly what the statement would return now. After one unit's change only
    that unit's items are read again."""
    parts: list = [None, *unit_refs()]

    def build(stale: list | None) -> dict:
        if stale is None:
            rows = db.session.execute(statement(ALL_UNITS), params)
        else:
            units = [u for u in stale if u is not None]
            rows = db.session.execute(statement(UNITS_AND_NONE if None in stale else SOME_UNITS),
                                      params | {"units": units})
        grouped: dict = {part: [] for part in (parts if stale is None else stale)}
        for row in rows:
            grouped.setdefault(row.lead_unit_id, []).append(row)
        return {part: fold(part_rows) for part, part_rows in grouped.items()}
    return FIGURES.cached_partitions((name, tuple(sorted(params.items()))), parts, build)


def figures_of(name: str, statement: Callable[[str], sa.Select], params: dict) -> list[dict]:
    """``kept_parts``' rows, every unit's together."""
    return [row for rows in kept_parts(name, statement, params).values() for row in rows]


def _count(condition):
    """Rows meeting ``condition``: ``count(*) FILTER (WHERE …)`` (SQLite ≥ 3.30, PostgreSQL),
    cheaper than summing a CASE on both, and 0, never NULL, over no rows."""
    return sa.func.count().filter(condition)
