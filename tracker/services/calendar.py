"""The working-day calendar with the admin's overrides applied, and the yellow-light setting
(the lights themselves are ``tracker/lights.py``)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g, has_app_context

from ..extensions import db
from ..models import CalendarOverride
from ..workdays import WorkCalendar
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
