"""The deadline rule and the traffic lights, in Python and in SQL, in one place.

A deadline *runs against the unit* only while the unit holds the item (交办 until its
report is accepted: ``DEADLINE_STAGES``). While it runs, the light is red once the
deadline has passed, yellow within N working days of it (a setting), else green; in
every other stage there is no light. Lists filter and count with the SQL twins below,
pages and exports colour rows with :func:`light_of`; ``tests/test_lights.py`` proves the
two agree on every stage and every day around the cut-offs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlalchemy as sa

from .database import likely
from .models import DEADLINE_STAGES, Commitment, CommitmentStatus, Item, Stage, local_today
from .services.calendar import get_calendar, silent_workdays, yellow_workdays
from .workdays import Light, WorkCalendar, traffic_light

# The list filter's options, worded from the one label table on ``Light``.
LIGHTS = {light.value: light.filter_label for light in (Light.RED, Light.YELLOW, Light.GREEN)}


def deadline_runs(stage: Stage) -> bool:
    return stage in DEADLINE_STAGES


def light_of(stage: Stage, deadline: date | None, today: date | None = None) -> Light:
    """The light for a stage and deadline; also for exports that read rows, not items."""
    if not deadline_runs(stage):
        return Light.NONE
    return traffic_light(deadline, today or local_today(), yellow_workdays=yellow_workdays(),
                         calendar=get_calendar())


def is_overdue(stage: Stage, deadline: date | None, today: date) -> bool:
    """Red — ``light_of(...) is Light.RED`` — without the working-day count the yellow light
    needs: the deadline runs and has passed (the twin of ``overdue_clause``)."""
    return deadline_runs(stage) and deadline is not None and deadline < today


def light_for(item: Item, today: date | None = None) -> Light:
    return light_of(item.stage, item.deadline, today)


def lights_for(items, today: date | None = None) -> dict[int, Light]:
    """Lights of a page of items, keyed by id, for templates."""
    today = today or local_today()
    return {item.id: light_for(item, today) for item in items}


# -- the SQL twins ----------------------------------------------------------------

def overdue_clause(today: date):
    """Red: the deadline runs and has passed. ``urgency == 0`` says the same as the stage test
    (the model keeps it so: ``Item._urgency_follows_stage``) in a form ``ix_item_urgency`` can
    walk in list order: the overdue list reads its first page from the index instead of
    reading and sorting every red item (75 ms at 100k items on SQLite)."""
    return sa.and_(Item.urgency == 0, Item.stage.in_(DEADLINE_STAGES), Item.deadline < today)


def green_from(today: date) -> date:
    """The first deadline that is green: yellow means at most N working days left."""
    return get_calendar().add_working_days(today, yellow_workdays() + 1)


def light_clause(light: str, today: date, green_starts: date | None = None):
    """Items whose light is ``light`` ("red", "yellow" or "green") today."""
    if light == Light.RED:
        return overdue_clause(today)
    if green_starts is None:  # may be a bound parameter (the dashboard's prebuilt statement)
        green_starts = green_from(today)
    running = sa.and_(Item.stage.in_(DEADLINE_STAGES), Item.deadline >= today)
    return sa.and_(running, Item.deadline < green_starts if light == Light.YELLOW else Item.deadline >= green_starts)


# -- the second light: 无进展 (no silent items) -------------------------------------
#
# An item can be green by its deadline and still not be moving. While the unit holds the
# item (交办 until it reports: ``SILENT_STAGES``), it is *silent* once N working days (a
# setting) have passed since its last sign of life (``Item.last_activity_on``: 交办, an
# answer, progress or a report). Counting is in working days, so a holiday week does not
# make every item silent; the SQL twin compares with the last quiet-enough date.

SILENT_STAGES = frozenset({Stage.ASSIGNED, Stage.RECTIFYING})


def silent_since(today: date) -> date:
    """The latest last-activity date that is silent today: N working days before ``today``
    (``add_working_days(day, N) <= today`` exactly for ``day <= silent_since(today)``)."""
    return _silent_since(get_calendar(), today, silent_workdays())


@lru_cache(maxsize=64)
def _silent_since(calendar: WorkCalendar, today: date, n: int) -> date:
    """Kept per calendar snapshot (a new object after any override changes), day and N: the
    walk below counts N working days forward from each day it steps back over, the
    costliest part of every list page's lights (45 µs)."""
    day = today
    # Walk back to the first day whose N-th working day after it is not yet past today.
    while calendar.add_working_days(day, n) > today:
        day = day.fromordinal(day.toordinal() - 1)
    return day


def is_silent(stage: Stage, last_activity_on: date | None, today: date | None = None) -> bool:
    if stage not in SILENT_STAGES or last_activity_on is None:
        return False
    today = today or local_today()
    return get_calendar().add_working_days(last_activity_on, silent_workdays()) <= today


def silent_for(item: Item, today: date | None = None) -> bool:
    return is_silent(item.stage, item.last_activity_on, today)


def silent_clause(today: date, since: date | None = None):
    """Items that are silent today (the twin of :func:`is_silent`)."""
    since = since if since is not None else silent_since(today)  # may be a bound parameter
    # Most items' last activity is long past (every closed one): SQLite, guessing a quarter,
    # read them all through ix_item_last_activity_on (46 ms at 100k items) (``database.likely``).
    return sa.and_(Item.stage.in_(SILENT_STAGES), Item.last_activity_on.is_not(None),
                   likely(Item.last_activity_on <= since, 0.9))


@dataclass(frozen=True, slots=True)
class DayLights:
    """Both lights of one day with their cut-off dates worked out once — the dates the SQL
    twins compare with (``green_from``, ``silent_since``) — so a page of 50 rows compares
    dates per row instead of reading the settings and counting working days per row.
    ``tests/test_lights_day.py`` proves it answers as ``light_of`` and ``is_silent`` do."""

    today: date
    green_starts: date
    silent_since: date

    def light(self, stage: Stage, deadline: date | None) -> Light:
        if not deadline_runs(stage) or deadline is None:
            return Light.NONE
        if deadline < self.today:
            return Light.RED
        return Light.YELLOW if deadline < self.green_starts else Light.GREEN

    def silent(self, stage: Stage, last_activity_on: date | None) -> bool:
        return stage in SILENT_STAGES and last_activity_on is not None and last_activity_on <= self.silent_since


def day_lights(today: date | None = None) -> DayLights:
    today = today or local_today()
    return DayLights(today, green_from(today), silent_since(today))


# -- commitments (承诺): the same rule, on the confirmed date -------------------------------

def commitment_light(status: CommitmentStatus, due_on: date | None, today: date | None = None) -> Light:
    """A commitment's light: it runs only while the commitment is open (未到期) and has a
    date staff confirmed; a proposed date (待确认) has no light. Same thresholds as items."""
    if status is not CommitmentStatus.OPEN or due_on is None:
        return Light.NONE
    return traffic_light(due_on, today or local_today(), yellow_workdays=yellow_workdays(),
                         calendar=get_calendar())


def commitment_shown_status(status: CommitmentStatus, due_on: date | None,
                            today: date | None = None) -> CommitmentStatus:
    """What a page calls the commitment: an open one past its confirmed date is 逾期未兑现."""
    if commitment_light(status, due_on, today) is Light.RED:
        return CommitmentStatus.BROKEN
    return status


def commitment_overdue_clause(today: date):
    """SQL twin of a red commitment light."""
    return sa.and_(Commitment.status == CommitmentStatus.OPEN, Commitment.due_on < today)


def commitment_due_soon_clause(today: date, until: date):
    """Open commitments with a confirmed date from today to ``until`` (not yet overdue)."""
    return sa.and_(Commitment.status == CommitmentStatus.OPEN, Commitment.due_on >= today,
                   Commitment.due_on <= until)
