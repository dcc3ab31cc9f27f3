"""The deadline rule and the traffic lights, in Python and in SQL, in one place.

A deadline *runs against the unit* only while the unit holds the item (交办 until its
report is accepted: ``DEADLINE_STAGES``). While it runs, the light is red once the
deadline has passed, yellow within N working days of it (a setting), else green; in
every other stage there is no light. Lists filter and count with the SQL twins below,
pages and exports colour rows with :func:`light_of`; ``tests/test_lights.py`` proves the
two agree on every stage and every day around the cut-offs.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from .models import DEADLINE_STAGES, Item, Stage, local_today
from .services.calendar import get_calendar, yellow_workdays
from .workdays import Light, traffic_light

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
    green_starts = green_starts or green_from(today)
    running = sa.and_(Item.stage.in_(DEADLINE_STAGES), Item.deadline >= today)
    return sa.and_(running, Item.deadline < green_starts if light == Light.YELLOW else Item.deadline >= green_starts)
