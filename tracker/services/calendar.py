"""The working-day calendar with the admin's overrides applied, and the yellow-light setting
(the lights themselves are ``tracker/lights.py``)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g, has_app_context

from ..extensions import db
from ..models import CalendarOverride
from ..workdays import WorkCalendar
from . import refdata
from .settings import DEFAULTS, get_setting


def load_calendar() -> WorkCalendar:
    overrides = dict(db.session.execute(sa.select(CalendarOverride.day, CalendarOverride.is_workday)).all())
    return WorkCalendar(overrides)


def get_calendar() -> WorkCalendar:
    """One calendar per process while the overrides stay the same (``refdata``: the
    version row changes with any override, on whichever node), so neither the override
    table nor the year tables the calendar builds lazily are redone per request."""
    if has_app_context():
        if "work_calendar" not in g:
            g.work_calendar = refdata.cached("work_calendar", load_calendar)
        return g.work_calendar
    return load_calendar()


def _workdays_setting(key: str) -> int:
    """A working-day count from the settings (its code default: ``settings.DEFAULTS``)."""
    value = get_setting(key)
    return int(value if value is not None else DEFAULTS[key])


def yellow_workdays() -> int:
    return _workdays_setting("yellow_workdays") or 0


def silent_workdays() -> int:
    """无进展: an item whose unit has posted nothing for this many working days is flagged."""
    return _workdays_setting("silent_workdays")


def handback_workdays() -> int:
    """退办: how many working days after 交办 the lead unit may contest the assignment."""
    return _workdays_setting("handback_workdays")
