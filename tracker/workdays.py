"""Working-day arithmetic for supervision deadlines (办理期限).

Local rules set deadlines either in calendar months (审议意见 "三个月内") or in
working days (常州: 函送 within 5 working days), and working days follow the
State Council holiday schedule including make-up weekend days (调休).  The
``chinesecalendar`` package knows that schedule for 2004–2026 only and raises
for any other year, so this module layers an admin-entered override table on
top of it and falls back to Monday–Friday for years nobody has entered yet;
the UI reads :meth:`WorkCalendar.fallback_years` to warn that a deadline is an
estimate.

Pure Python on purpose (no Flask, no database): the caller loads the override
table and builds one :class:`WorkCalendar` per request or job.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from itertools import accumulate

import chinese_calendar

__all__ = [
    "DeadlineUnit",
    "Light",
    "WorkCalendar",
    "add_months",
    "compute_deadline",
    "traffic_light",
]


@cache
def _package_year(year: int) -> tuple[bool, ...] | None:
    """The package's working-day flags for ``year``, or None if it has no data.

    Cached per process: the package's tables are static, and its own
    ``is_workday`` rescans all holidays to validate every call, so asking it
    about the same year twice is pure waste.  Probing once per year also keeps
    NotImplementedError out of every hot loop.
    """
    jan1 = date(year, 1, 1)
    try:
        chinese_calendar.is_workday(jan1)
    except NotImplementedError:
        return None
    days = 366 if _stdlib_calendar.isleap(year) else 365
    return tuple(chinese_calendar.is_workday(jan1 + timedelta(i)) for i in range(days))


def _weekday_year(year: int) -> tuple[bool, ...]:
    """Monday–Friday flags: the stand-in until the year's schedule is entered."""
    jan1 = date(year, 1, 1)
    days = 366 if _stdlib_calendar.isleap(year) else 365
    return tuple((jan1 + timedelta(i)).weekday() < 5 for i in range(days))


@dataclass(frozen=True, slots=True)
class _YearTable:
    """One year's flags plus a running count, so spans cost O(years), not O(days).

    ``cum[i]`` is the number of working days from 1 January up to and
    including day ``i`` of the year (0-based).
    """

    flags: tuple[bool, ...]
    cum: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.cum[-1]


class WorkCalendar:
    """Answers "is this a working day" and counts working days for deadlines.

    Precedence for a single date: admin override > ``chinesecalendar`` >
    Monday–Friday.  The override table is copied at construction, so a
    calendar is a snapshot; build a new one after the admin edits the table.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        # Normalise keys so a datetime from a form or a DB driver still matches.
        self._overrides: dict[date, bool] = {
            date(d.year, d.month, d.day): bool(v) for d, v in (overrides or {}).items()
        }
        self._override_years = frozenset(d.year for d in self._overrides)
        self._years: dict[int, _YearTable] = {}

    # -- per-year tables ---------------------------------------------------

    def _table(self, year: int) -> _YearTable:
        table = self._years.get(year)
        if table is None:
            base = _package_year(year) or _weekday_year(year)
            if year in self._override_years:
                flags = list(base)
                jan1 = date(year, 1, 1).toordinal()
                for d, working in self._overrides.items():
                    if d.year == year:
                        flags[d.toordinal() - jan1] = working
                base = tuple(flags)
            table = _YearTable(base, tuple(accumulate(int(f) for f in base)))
            self._years[year] = table
        return table

    @staticmethod
    def _index(d: date) -> int:
        return d.toordinal() - date(d.year, 1, 1).toordinal()

    def _count_through(self, d: date) -> int:
        """Working days from 1 January of ``d``'s year through ``d`` inclusive."""
        return self._table(d.year).cum[self._index(d)]

    # -- public API ----------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        return self._table(d.year).flags[self._index(d)]

    def year_is_covered(self, year: int) -> bool:
        """True when the year's real schedule is known, not guessed as Mon–Fri.

        Any override in a year counts as "the admin has entered this year",
        since the admin enters a whole year's 调休 notice at once.
        """
        return _package_year(year) is not None or year in self._override_years

    def fallback_years(self, start: date, end: date) -> list[int]:
        """Years touched by the span whose deadlines are only Mon–Fri estimates.

        The order of ``start`` and ``end`` does not matter: the UI asks about
        the span between an item's start and its deadline either way round.
        """
        lo, hi = sorted((start.year, end.year))
        return [y for y in range(lo, hi + 1) if not self.year_is_covered(y)]

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself never counts).

        ``n == 0`` returns ``start`` unchanged even if it is a holiday: a zero
        period has no working day to land on, and rolling forward is a policy
        the caller should choose explicitly.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return start
        year = start.year
        # The target is the (already-counted + n)-th working day of the year;
        # walk whole years until it falls inside one, then bisect within it.
        target = self._count_through(start) + n
        while True:
            table = self._table(year)
            if target <= table.total:
                day_index = bisect_left(table.cum, target)
                return date(year, 1, 1) + timedelta(days=day_index)
            target -= table.total
            year += 1

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative (the mirrored count) if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        if start.year == end.year:
            return self._count_through(end) - self._count_through(start)
        count = self._table(start.year).total - self._count_through(start)
        for year in range(start.year + 1, end.year):
            count += self._table(year).total
        return count + self._count_through(end)


def add_months(d: date, n: int) -> date:
    """Calendar months later, clamped to month end (1/31 + 1 month = 2/28 or 2/29).

    Clamping rather than overflowing into the next month matches how offices
    read "一个月内": a period that starts on 31 January ends in February.
    """
    month_index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(month_index, 12)
    month = month0 + 1
    last_day = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


class DeadlineUnit(StrEnum):
    """How a rule states its period; stored as the value in settings tables."""

    MONTHS = "months"
    WORKDAYS = "workdays"
    DAYS = "days"


def compute_deadline(
    start: date, amount: int, unit: DeadlineUnit | str, calendar: WorkCalendar
) -> date:
    """The due date of a period of ``amount`` units counted from ``start``.

    ``unit`` may be the raw string from a settings row; an unknown unit raises
    ValueError rather than silently picking a default, because a wrong
    deadline is worse than a visible configuration error.  Calendar-day and
    month deadlines are not rolled off holidays: none of the local rules in
    use asks for that.
    """
    if amount < 0:
        raise ValueError(f"amount must be >= 0, got {amount}")
    unit = DeadlineUnit(unit)
    if unit is DeadlineUnit.MONTHS:
        return add_months(start, amount)
    if unit is DeadlineUnit.WORKDAYS:
        return calendar.add_working_days(start, amount)
    return start + timedelta(days=amount)


class Light(StrEnum):
    """Follow-up status colour (督查 convention: 绿 on track, 黄 near, 红 overdue).

    ``label`` gives the wording shown next to the colour: 正常 / 临期 / 逾期,
    chosen over the bare colour names so the meaning survives printing in
    black and white and screen readers.
    """

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NONE = "none"

    @property
    def label(self) -> str:
        return _LIGHT_LABELS[self]

    @property
    def colour(self) -> str:
        return _LIGHT_COLOURS[self]

    @property
    def running(self) -> bool:
        """A deadline runs against the unit, so there is a colour to show."""
        return self is not Light.NONE

    @property
    def overdue(self) -> bool:
        return self is Light.RED

    @property
    def filter_label(self) -> str:
        """"红灯（逾期）": the colour and its meaning, for filters and dashboard legends."""
        return f"{self.colour}灯（{self.label}）"


_LIGHT_COLOURS = {Light.GREEN: "绿", Light.YELLOW: "黄", Light.RED: "红", Light.NONE: "无"}
_LIGHT_LABELS = {
    Light.GREEN: "正常",
    Light.YELLOW: "临期",
    Light.RED: "逾期",
    Light.NONE: "—",
}


def traffic_light(
    deadline: date | None, today: date, *, yellow_workdays: int, calendar: WorkCalendar
) -> Light:
    """Colour an item by how many working days remain before its deadline.

    Counting working days, not calendar days, keeps a Friday-before-Golden-
    Week deadline from looking comfortably far away.  An item due today is
    still yellow, not red: it becomes overdue only the day after.
    """
    if deadline is None:
        return Light.NONE
    if today > deadline:
        return Light.RED
    if calendar.working_days_between(today, deadline) <= yellow_workdays:
        return Light.YELLOW
    return Light.GREEN
