"""find_promises: time-bound commitments, their proposed dates, and the rule shown beside each.

Working-day dates were checked against chinese_calendar (see tests/test_workdays.py):
National Day 2025 is Oct 1–8 off with Sun Sep 28 and Sat Oct 11 worked.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.paste_render import cpu_growth
from tracker.paste import find_promises
from tracker.workdays import WorkCalendar

BASE = date(2025, 9, 15)  # a meeting on Monday 15 September 2025


@pytest.mark.parametrize(
    ("text", "phrase", "due", "rule"),
    [
        ("我们将在年底前完成改造。", "年底前", date(2025, 12, 31), "“年底前”→ 基准日期所在年 12 月 31 日"),
        ("确保今年底全部到位。", "今年底", date(2025, 12, 31), None),
        ("12月底前完成招标。", "12月底前", date(2025, 12, 31), "“12月底前”→ 基准日期所在年 12 月最后一天"),
        ("力争十月底前完成。", "十月底前", date(2025, 10, 31), None),
        ("3月底前完成。", "3月底前", date(2026, 3, 31),
         "“3月底前”→ 基准日期所在年 3 月最后一天；该日期已过，顺延至次年"),
        ("三个月内出台方案。", "三个月内", date(2025, 12, 15), "“三个月内”→ 基准日期后 3 个月（2025-12-15）"),
        ("两个月内整改到位。", "两个月内", date(2025, 11, 15), None),
        ("半年内完成。", "半年内", date(2026, 3, 15), None),
        ("下半年启动建设。", "下半年", date(2025, 12, 31), None),
        ("明年上半年投入使用。", "明年上半年", date(2026, 6, 30), "“明年上半年”→ 基准日期次年 6 月 30 日"),
        ("力争2026年6月底前建成。", "2026年6月底前", date(2026, 6, 30), "“2026年6月底前”→ 2026 年 6 月最后一天"),
        ("2026年底前全面完成。", "2026年底前", date(2026, 12, 31), None),
        ("将于2025年11月20日前报送。", "2025年11月20日前", date(2025, 11, 20), None),
        ("一季度完成招标。", "一季度", date(2026, 3, 31), None),
        ("第四季度完成验收。", "第四季度", date(2025, 12, 31), None),
        ("下学期开学前新增学位1200个。", "下学期开学前", date(2026, 2, 28), None),
        ("秋季开学前完成维修。", "秋季开学前", date(2026, 8, 31), None),
        ("明年将全面完成改造。", "明年", date(2026, 12, 31), "“明年”→ 2026 年 12 月 31 日（未写月份，取年底，请核对）"),
        ("预计2026年开工建设。", "2026年", date(2026, 12, 31), None),
        ("30天内答复代表。", "30天内", date(2025, 10, 15), "“30天内”→ 基准日期后 30 天（自然日）"),
        ("两周内拿出方案。", "两周内", date(2025, 9, 29), None),
        ("10月中旬前完成。", "10月中旬前", date(2025, 10, 20), None),
        ("计划6月份完成招标。", "6月份", date(2026, 6, 30), None),
    ],
)
def test_promise_dates(text, phrase, due, rule):
    (p,) = find_promises(text, BASE)
    assert (p.phrase, p.due) == (phrase, due)
    if rule:
        assert p.rule == rule
    assert p.sentence == text


def test_working_days_follow_the_holiday_schedule():
    (p,) = find_promises("10个工作日内书面答复。", date(2025, 9, 26))
    assert p.due == date(2025, 10, 16)  # Sep 28 and Oct 11 worked, Oct 1–8 off
    assert "第 10 个工作日" in p.rule and "调休" in p.rule and not p.estimate


def test_injected_calendar_overrides_are_used():
    closed = {date(2025, 9, 16): False, date(2025, 9, 17): False}  # an admin-entered local closure
    plain = find_promises("3个工作日内答复。", BASE)[0].due
    local = find_promises("3个工作日内答复。", BASE, WorkCalendar(closed))[0].due
    assert (plain, local) == (date(2025, 9, 18), date(2025, 9, 22))


def test_years_without_a_schedule_are_estimates():
    (p,) = find_promises("5个工作日内答复。", date(2031, 3, 3))
    assert p.estimate and "2031 年节假日尚未录入" in p.rule


@pytest.mark.parametrize(
    "text",
    [
        "截至2024年6月底，已完成改造120户。",
        "2023年以来，共新建学校5所。",
        "去年12月底前已完成招标。",
        "今年6月份，我们开展了专项检查。",
        "2015年3月启动了一期工程。",
        "彻底解决大班额问题。",
        "在规定的时间以内办结。",
        "这项工作年底前能完成吗？",
        "“计划年底前淘汰燃煤锅炉。请问完成得怎么样？”",
        "如果不能在3个月内完成，应先简要答复。",
        "会议于2025年3月1日召开。",
        "已于10月底前全部完成。",
    ],
)
def test_dates_that_are_not_promises(text):
    assert find_promises(text, BASE) == []


def test_several_promises_in_order_without_overlap():
    text = "我们将在下学期开学前新增学位1200个，年底前完成两所学校改扩建；2026年6月底前竣工交付，10个工作日内公布方案。"
    found = find_promises(text, BASE)
    assert [p.phrase for p in found] == ["下学期开学前", "年底前", "2026年6月底前", "10个工作日内"]
    assert all(text[p.start:p.end] == p.phrase for p in found)


def test_empty_text_has_no_promises():
    assert find_promises("", BASE) == []


def test_fifty_pages_of_answers_in_linear_time():
    """The time itself is reported by bench/paste_bench.py; here only its growth."""
    small = "区教育局局长：我们将在年底前完成改造，三个月内出台方案，2026年6月底前建成，截至目前已完成80%。" * 175
    assert len(small * 4) >= 50 * 22 * 28
    assert len(find_promises(small * 4, BASE)) == 3 * 700
    growth = cpu_growth(lambda text: find_promises(text, BASE), small)
    assert growth < 8, growth
