"""The working-day calendar and traffic lights, with the admin's overrides applied."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import g, has_app_context

from ..extensions import db
from ..models import DEADLINE_STAGES, CalendarOverride, Item, local_today
from ..workdays import Light, WorkCalendar, traffic_light
from .settings import get_setting

DEFAULT_YELLOW_WORKDAYS = 5


def load_calendar() -> WorkCalendar:
    overrides = dict(db.session.execute(sa.select(CalendarOverride.day, CalendarOverride.is_workday)).all())
    return WorkCalendar(overrides)


def get_calendar() -> WorkCalendar:
    """One calendar per request: the override table is read once, not per item."""
    if has_app_context():
        if "work_calendar" not in g:
            g.work_calendar = load_calendar()
        return g.work_calendar
    return load_calendar()


def yellow_workdays() -> int:
    if has_app_context() and "yellow_workdays" in g:
        return g.yellow_workdays
    value = int(get_setting("yellow_workdays") or DEFAULT_YELLOW_WORKDAYS)
    if has_app_context():
        g.yellow_workdays = value
    return value


def light_of(stage, deadline: date | None, today: date | None = None) -> Light:
    """The light for a stage and deadline; also for exports that read rows, not items."""
    if stage not in DEADLINE_STAGES:
        return Light.NONE
    return traffic_light(deadline, today or local_today(), yellow_workdays=yellow_workdays(),
                         calendar=get_calendar())


def light_for(item: Item, today: date | None = None) -> Light:
    return light_of(item.stage, item.deadline, today)
