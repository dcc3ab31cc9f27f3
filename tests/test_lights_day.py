"""``lights.DayLights`` — one day's cut-off dates, asked per row by the item lists — answers
exactly as the rule itself (``light_of``: working days to the deadline; ``is_silent``:
working days since the last sign of life), for every stage, around weekends, the 国庆
holiday week, an admin's 调休 override and changed thresholds."""
from __future__ import annotations

from datetime import date, timedelta

from tracker.extensions import db
from tracker.lights import day_lights, is_overdue, is_silent, light_of
from tracker.models import CalendarOverride, Stage
from tracker.services.settings import set_setting
from tracker.workdays import Light

DAYS = [date(2026, 9, 21) + timedelta(days=n) for n in range(0, 40, 3)]  # up to and through 国庆


def _agree(today: date) -> int:
    day = day_lights(today)
    checked = 0
    for stage in Stage:
        for offset in range(-45, 46):
            other = today + timedelta(days=offset)
            assert day.light(stage, other) is light_of(stage, other, today), (stage, today, other)
            assert day.silent(stage, other) is is_silent(stage, other, today), (stage, today, other)
            assert is_overdue(stage, other, today) is (light_of(stage, other, today) is Light.RED)
            checked += 1
        assert day.light(stage, None) is light_of(stage, None, today)
        assert day.silent(stage, None) is is_silent(stage, None, today)
        assert is_overdue(stage, None, today) is False
    return checked


def test_day_lights_answer_as_the_rule_every_day_around_a_holiday_week(app):
    with app.test_request_context():
        assert sum(_agree(today) for today in DAYS) > 10_000
        assert day_lights(date(2026, 9, 14)).light(Stage.RECTIFYING, date(2026, 9, 18)) is Light.YELLOW


def test_day_lights_follow_an_override_and_changed_thresholds(app):
    with app.app_context():
        db.session.add(CalendarOverride(day=date(2026, 10, 10), is_workday=True, note="调休上班"))
        set_setting("yellow_workdays", 3)
        set_setting("silent_workdays", 7)
        db.session.commit()
    with app.test_request_context():
        # Monday 14 September, due Friday: 4 working days left, green at 3 (yellow at the default 5).
        assert day_lights(date(2026, 9, 14)).light(Stage.RECTIFYING, date(2026, 9, 18)) is Light.GREEN
        for today in DAYS:
            _agree(today)
