"""The day's figures of the dashboard: its lights and the overdue part of "due".

They change with the date while no row does. They are not counted by the day in SQL but
worked out per view from a day-free histogram — the running items per lead unit and
deadline, kept like every other result (``scope.kept_parts``) — so the kept results outlive
the day and a new morning's first view runs no aggregate (320 ms at 1M items before).
"""
from __future__ import annotations

from bisect import bisect_left
from datetime import date
from functools import cache, partial
from itertools import accumulate
from operator import itemgetter

import sqlalchemy as sa

from ..lights import day_lights
from ..models import DEADLINE_STAGES, Item
from ..workdays import Light
from .scope import ALL_UNITS, Scope, kept_parts, scoped


class Deadlines:
    """One lead unit's running items (the stages whose deadline runs) by deadline, sorted,
    with running totals: a day's lights are two binary searches, not a pass over rows."""

    __slots__ = ("dates", "upto")

    def __init__(self, rows: list[sa.Row]):
        """``rows``: one unit's (lead unit, deadline, items) (``_deadlines_statement``:
        unsorted, so PostgreSQL may group by hashing); none for a unit with no running item."""
        rows = sorted(rows, key=itemgetter(1))
        self.dates = [r[1] for r in rows]
        self.upto = [0, *accumulate(r[2] for r in rows)]

    def before(self, day: date) -> int:
        return self.upto[bisect_left(self.dates, day)]

    def lights(self, today: date, green_starts: date) -> dict[str, int]:
        """``lights.light_clause`` per light: red before today, yellow before the green cut-off."""
        red, not_green = self.before(today), self.before(green_starts)
        return {Light.RED.value: red, Light.YELLOW.value: not_green - red, Light.GREEN.value: self.upto[-1] - not_green}


@cache
def _deadlines_statement(committee: bool, units: str = ALL_UNITS) -> sa.Select:
    """(lead unit, deadline, items) of the scope's items whose deadline runs
    (``lights.deadline_runs``); no light's condition holds without a deadline."""
    lead_deadline = (Item.lead_unit_id, Item.deadline)
    stmt = sa.select(*lead_deadline, sa.func.count().label("items")) \
        .where(Item.stage.in_(DEADLINE_STAGES), Item.deadline.is_not(None))
    return scoped(stmt, committee, units).group_by(*lead_deadline)


def deadline_counts(scope: Scope, today: date) -> dict[int | None, dict[str, int]]:
    """Each lead unit's lights ``today`` (as ``lights.light_clause`` counts them), from the
    kept day-free histogram of its running items' deadlines."""
    day = day_lights(today)
    committee = bool(scope.committee_id)
    kept = kept_parts(f"deadlines:{committee}", partial(_deadlines_statement, committee), scope.params(),
                      fold=Deadlines)
    return {lead: deadlines.lights(day.today, day.green_starts) for lead, deadlines in kept.items()}
