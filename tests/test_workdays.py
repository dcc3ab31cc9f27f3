"""Working-day calendar: real 调休 schedules, admin overrides, fallback years, lights.

Concrete dates below were checked against chinese_calendar 1.11.0:
National Day 2025 — Oct 1–8 off, Sun Sep 28 and Sat Oct 11 worked;
Spring Festival 2026 — Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked;
New Year 2026 — Jan 1–3 off, Sun Jan 4 worked.
"""

from datetime import date, datetime, timedelta

import pytest

from tracker import workdays
from tracker.workdays import (
    DeadlineUnit,
    Light,
    WorkCalendar,
    add_months,
    compute_deadline,
    traffic_light,
)

CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 9, 27), False),  # ordinary Saturday
        (date(2025, 9, 28), True),  # make-up Sunday before National Day
        (date(2025, 10, 1), False),
        (date(2025, 10, 8), False),  # last day of the holiday, a Wednesday
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # make-up Saturday after National Day
        (date(2025, 10, 12), False),
        (date(2026, 2, 14), True),  # make-up Saturday before Spring Festival
        (date(2026, 2, 16), False),  # Monday inside the holiday
        (date(2026, 2, 23), False),  # last day of Spring Festival, a Monday
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),  # make-up Saturday after Spring Festival
        (date(2026, 1, 4), True),  # make-up Sunday after New Year 2026
    ],
)
def test_is_workday_follows_state_council_schedule(day, working):
    assert CAL.is_workday(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 9, 26), 1, date(2025, 9, 28)),  # Fri -> make-up Sunday
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # jumps the whole Golden Week
        (date(2025, 9, 26), 5, date(2025, 10, 10)),
        (date(2025, 10, 10), 1, date(2025, 10, 11)),  # make-up Saturday counts
        (date(2025, 10, 11), 1, date(2025, 10, 13)),
        (date(2025, 10, 3), 1, date(2025, 10, 9)),  # starting inside the holiday
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 27), 1, date(2026, 2, 28)),
        (date(2026, 2, 28), 1, date(2026, 3, 2)),
        (date(2025, 12, 31), 1, date(2026, 1, 4)),  # across the year and New Year
        (date(2025, 10, 3), 0, date(2025, 10, 3)),  # n == 0 returns start as is
    ],
)
def test_add_working_days_across_holidays(start, n, expected):
    assert CAL.add_working_days(start, n) == expected


def test_add_working_days_rejects_negative():
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2025, 1, 6), -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 9, 30), date(2025, 10, 9), 1),
        (date(2025, 9, 26), date(2025, 10, 13), 7),  # 28,29,30 Sep; 9,10,11,13 Oct
        (date(2026, 2, 13), date(2026, 2, 28), 6),  # 14; 24, 25, 26, 27; 28
        (date(2025, 10, 9), date(2025, 9, 30), -1),
        (date(2025, 10, 9), date(2025, 10, 9), 0),
        (date(2025, 12, 31), date(2026, 1, 5), 2),  # Jan 4 (Sun) and Jan 5
    ],
)
def test_working_days_between(start, end, expected):
    assert CAL.working_days_between(start, end) == expected


def _naive_between(cal, start, end):
    """Day-by-day count, the obvious definition the fast version must match."""
    step = 1 if end >= start else -1
    lo, hi = sorted((start, end))
    days = (hi - lo).days
    return step * sum(cal.is_workday(lo + timedelta(i)) for i in range(1, days + 1))


@pytest.mark.parametrize("start", [date(2025, 9, 20), date(2025, 12, 20), date(2026, 12, 20)])
def test_counting_matches_day_by_day_definition_across_years(start):
    # Spans 2025 -> 2026 -> 2027 (fallback), so year stitching is exercised.
    cal = WorkCalendar({date(2027, 1, 1): False})
    for offset in range(0, 400, 7):
        end = start + timedelta(days=offset)
        assert cal.working_days_between(start, end) == _naive_between(cal, start, end)
        assert cal.working_days_between(end, start) == _naive_between(cal, end, start)
    for n in range(1, 300, 13):
        landed = cal.add_working_days(start, n)
        assert cal.is_workday(landed)
        assert cal.working_days_between(start, landed) == n


def test_override_beats_package_both_ways():
    cal = WorkCalendar(
        {
            date(2025, 10, 1): True,  # package holiday, admin says worked
            date(2025, 9, 28): False,  # package make-up day, admin says off
        }
    )
    assert cal.is_workday(date(2025, 10, 1)) is True
    assert cal.is_workday(date(2025, 9, 28)) is False
    assert cal.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 1)
    assert cal.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 29)
    # The default calendar is untouched by another instance's overrides.
    assert CAL.is_workday(date(2025, 10, 1)) is False


def test_override_keys_may_be_datetimes():
    cal = WorkCalendar({datetime(2025, 10, 2, 9, 30): True})
    assert cal.is_workday(date(2025, 10, 2)) is True


def test_fallback_year_2027_is_monday_to_friday_until_entered():
    assert not CAL.year_is_covered(2027)
    assert CAL.year_is_covered(2026)
    assert CAL.fallback_years(date(2025, 11, 1), date(2028, 2, 1)) == [2027, 2028]
    assert CAL.fallback_years(date(2027, 3, 1), date(2026, 12, 1)) == [2027]
    assert CAL.fallback_years(date(2026, 1, 1), date(2026, 12, 31)) == []
    assert CAL.is_workday(date(2027, 1, 1)) is True  # a Friday, no schedule known
    assert CAL.is_workday(date(2027, 1, 2)) is False
    assert CAL.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert CAL.year_is_covered(2003) is False  # before the package's range too

    entered = WorkCalendar({date(2027, 1, 1): False})
    assert entered.year_is_covered(2027)
    assert entered.fallback_years(date(2025, 11, 1), date(2027, 6, 1)) == []
    assert entered.is_workday(date(2027, 1, 1)) is False
    assert entered.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_package_consulted_once_per_year_not_per_call(monkeypatch):
    """10,000 lights per request must not hit the package's slow per-date check."""
    calls = 0
    real = workdays.chinese_calendar.is_workday

    def counting(d):
        nonlocal calls
        calls += 1
        return real(d)

    workdays._package_year.cache_clear()
    monkeypatch.setattr(workdays.chinese_calendar, "is_workday", counting)
    try:
        cal = WorkCalendar()
        today = date(2025, 3, 3)
        for i in range(2000):
            traffic_light(
                today + timedelta(days=i % 250), today, yellow_workdays=3, calendar=cal
            )
        WorkCalendar().is_workday(date(2025, 5, 5))  # a second instance reuses the year
        assert calls <= 366
    finally:
        workdays._package_year.cache_clear()


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # December -> January
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 8, 31), 1, date(2025, 9, 30)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2026, 1, 10), -1, date(2025, 12, 10)),
        (date(2025, 5, 20), 0, date(2025, 5, 20)),
    ],
)
def test_add_months(start, n, expected):
    assert add_months(start, n) == expected


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        (date(2025, 8, 31), 3, DeadlineUnit.MONTHS, date(2025, 11, 30)),
        (date(2025, 8, 31), 3, "months", date(2025, 11, 30)),
        (date(2025, 9, 26), 5, DeadlineUnit.WORKDAYS, date(2025, 10, 10)),
        (date(2025, 9, 26), 5, "workdays", date(2025, 10, 10)),
        (date(2025, 9, 30), 10, DeadlineUnit.DAYS, date(2025, 10, 10)),
        (date(2025, 9, 30), 3, "days", date(2025, 10, 3)),  # not rolled off the holiday
    ],
)
def test_compute_deadline(start, amount, unit, expected):
    assert compute_deadline(start, amount, unit, CAL) == expected


@pytest.mark.parametrize(("unit", "amount"), [("weeks", 1), (DeadlineUnit.DAYS, -1)])
def test_compute_deadline_rejects_bad_input(unit, amount):
    with pytest.raises(ValueError):
        compute_deadline(date(2025, 1, 6), amount, unit, CAL)


# November 2025 has no holidays: Mon 3 .. Fri 7, Mon 10 .. Fri 14.
@pytest.mark.parametrize(
    ("deadline", "today", "yellow", "expected"),
    [
        (None, date(2025, 11, 3), 3, Light.NONE),
        (date(2025, 11, 3), date(2025, 11, 3), 3, Light.YELLOW),  # due today
        (date(2025, 11, 3), date(2025, 11, 3), 0, Light.YELLOW),
        (date(2025, 11, 3), date(2025, 11, 4), 3, Light.RED),  # day after deadline
        (date(2025, 11, 6), date(2025, 11, 3), 3, Light.YELLOW),  # exactly 3 away
        (date(2025, 11, 7), date(2025, 11, 3), 3, Light.GREEN),  # one more
        (date(2025, 11, 11), date(2025, 11, 7), 2, Light.YELLOW),  # Fri -> Tue over weekend
        (date(2025, 11, 12), date(2025, 11, 7), 2, Light.GREEN),
        (date(2025, 11, 9), date(2025, 11, 7), 0, Light.YELLOW),  # due on Sunday
        (date(2025, 10, 10), date(2025, 9, 30), 2, Light.YELLOW),  # 10 days, 2 worked
        (date(2025, 10, 13), date(2025, 9, 30), 2, Light.GREEN),
    ],
)
def test_traffic_light_boundaries(deadline, today, yellow, expected):
    assert traffic_light(deadline, today, yellow_workdays=yellow, calendar=CAL) is expected


def test_light_labels():
    assert [light.label for light in Light] == ["正常", "临期", "逾期", "—"]
    assert Light("red") is Light.RED
