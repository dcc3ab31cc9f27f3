"""Find time-bound promises in an answer and propose their due dates.

Officials answer with "年底前", "12月底前", "三个月内", "下半年", "2026年6月底前",
"下学期开学前", "10个工作日内".  Each phrase is read relative to the base date
(the meeting date, not today) and returned with the rule used, in Chinese, so
staff can see why a date was proposed and correct it in the preview.

Dates that describe the past or the present ("截至2024年6月底", "2023年以来",
"去年12月") are not promises: a date phrase counts only when it is inherently
forward-looking (…前, …内, …底前) or comes with a forward cue (将, 计划, 力争,
确保, 预计 …), and never when it comes with a backward cue (截至, 以来, 已).
"""

from __future__ import annotations

import calendar as _cal
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.workdays import WorkCalendar, add_months

from .numbering import chinese_number

__all__ = ["Promise", "find_promises"]


@dataclass(frozen=True, slots=True)
class Promise:
    sentence: str  # the sentence that carries the promise
    phrase: str  # the time expression as written
    due: date  # proposed due date
    rule: str  # how the date was derived, in Chinese, shown beside it
    start: int  # offset of the phrase in the text
    end: int
    estimate: bool = False  # True when the calendar had to guess (Mon–Fri) or the phrase is vague


_NUM = r"(?:\d{1,3}|[一二两三四五六七八九十]{1,3}|半)"
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])"
_BEFORE = r"(?:之前|以前|前)"
_WITHIN = r"(?:之内|以内|内)"
# Cues around a date that is not forward-looking by itself ("6月份", "2019年").
_FORWARD = re.compile(r"将|计划|预计|力争|争取|确保|拟|抓紧|尽快|承诺|保证|力求|有望|预定|要在|要于|应在|应于")
_FORWARD_AFTER = re.compile(
    r"^[^，。；,;]{0,4}?(?:前|内|底)?(?:完成|建成|投入使用|投用|开工|竣工|完工|到位|出台|启动|实现|交付)"
)
# A date in the same clause as these describes the past, or a condition, not a promise.
_BACKWARD = re.compile(r"截至|截止|以来|已经|已于|已|去年|前年|上年|此前|曾|如果|若|不能|无法|未能|未")
_SENTENCE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;\n]?")


def _num(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        return int(text)
    if text == "半":
        return None
    return chinese_number(text)


def _month(text: str) -> int | None:
    n = _num(text)
    return n if n and 1 <= n <= 12 else None


def _month_end(year: int, month: int) -> date:
    return date(year, month, _cal.monthrange(year, month)[1])


_QUARTER = {"一": 1, "1": 1, "二": 2, "2": 2, "三": 3, "3": 3, "四": 4, "4": 4}
_XUN = {"上旬": 10, "中旬": 20}


@dataclass(frozen=True, slots=True)
class _Ctx:
    base: date
    calendar: WorkCalendar


def _roll(due: date, base: date, rule: str) -> tuple[date, str]:
    """A month without a year that has already passed means next year's."""
    if due < base:
        return due.replace(year=due.year + 1, day=min(due.day, _cal.monthrange(due.year + 1, due.month)[1])), (
            rule + "；该日期已过，顺延至次年"
        )
    return due, rule


def _year_word(word: str, base: date) -> tuple[int, str]:
    if word in ("明年", "下一年"):
        return base.year + 1, "基准日期次年"
    if word in ("后年",):
        return base.year + 2, "基准日期后第二年"
    if word and word[:4].isascii() and word[:4].isdigit():
        return int(word[:4]), f"{word[:4]} 年"
    return base.year, "基准日期所在年"


# Each rule: (pattern, handler, needs_forward_cue).  Order matters: longer,
# more specific expressions first; matched spans are not matched again.
Handler = Callable[[re.Match, _Ctx], "tuple[date, str, bool] | None"]
_YEAR = r"(?P<y>\d{4}年|明年|后年|今年|本年|当年)?"


def _h_full_date(m: re.Match, c: _Ctx):
    y = int(m["y4"]) if m["y4"] else c.base.year
    month, day = _month(m["m"]), int(m["d"])
    if not month or day > _cal.monthrange(y, month)[1]:
        return None
    due = date(y, month, day)
    rule = f"“{m[0]}”→ {due.year} 年 {month} 月 {day} 日"
    if not m["y4"]:
        due, rule = _roll(due, c.base, rule + "（未写年份，取基准日期所在年）")
    return due, rule, False


def _h_month(m: re.Match, c: _Ctx):
    year, yrule = _year_word(m["y"] or "", c.base)
    month = _month(m["m"])
    if not month:
        return None
    tail = m["t"]
    if tail in ("底", "末", "底前", "末前", "底之前", "下旬", "下旬前"):
        due, how = _month_end(year, month), f"{month} 月最后一天"
    elif tail in _XUN or tail.rstrip("前") in _XUN:
        day = _XUN[tail.rstrip("前")]
        due, how = date(year, month, day), f"{month} 月 {day} 日"
    elif tail.endswith("前") and tail.startswith("份") or tail in ("前", "之前", "以前"):
        prev = date(year, month, 1) - timedelta(days=1)
        due, how = prev, f"{month} 月 1 日之前，即 {prev.month} 月 {prev.day} 日"
    else:  # 6月份完成 / 6月完成 / 6月内
        due, how = _month_end(year, month), f"{month} 月最后一天"
    rule = f"“{m[0]}”→ {yrule} {how}"
    if not m["y"]:
        due, rule = _roll(due, c.base, rule)
    return due, rule, False


def _h_year_part(m: re.Match, c: _Ctx):
    part = m["p"]
    if part in ("底", "底前", "内") and not m["y"]:
        return None  # 彻底, 以内: not about a year at all
    year, yrule = _year_word(m["y"] or "", c.base)
    if part in ("上半年",):
        due, how = date(year, 6, 30), "6 月 30 日"
    elif part in ("下半年", "年底", "年末", "年内", "年底前", "年末前", "底", "底前", "内", "年度内", "全年"):
        due, how = date(year, 12, 31), "12 月 31 日"
    else:
        qm = re.search(r"[一二三四1234](?=季度)", part)
        if not qm:
            return None
        q = _QUARTER[qm.group(0)]
        due, how = _month_end(year, q * 3), f"第 {q} 季度末（{q * 3} 月最后一天）"
    rule = f"“{m[0]}”→ {yrule} {how}"
    if not m["y"] and due < c.base:
        due, rule = _roll(due, c.base, rule)
    return due, rule, False


def _h_year_before(m: re.Match, c: _Ctx):
    year = int(m["y4"])
    due = date(year - 1, 12, 31)
    rule = f"“{m[0]}”→ {year} 年之前，即 {year - 1} 年 12 月 31 日（若原意为“到 {year} 年底”请改为 {year}-12-31）"
    return due, rule, True


def _h_bare_year(m: re.Match, c: _Ctx):
    year = int(m["y4"]) if m["y4"] else c.base.year + 1
    if year < c.base.year:
        return None
    return date(year, 12, 31), f"“{m[0]}”→ {year} 年 12 月 31 日（未写月份，取年底，请核对）", True


def _h_span(m: re.Match, c: _Ctx):
    unit = m["u"]
    raw = m["n"]
    n = _num(raw)
    if raw == "半" and unit in ("年", "个月", "月"):
        n, unit = (6, "个月") if unit == "年" else (None, unit)
    if not n:
        return None
    if unit in ("个月", "月"):
        return add_months(c.base, n), f"“{m[0]}”→ 基准日期后 {n} 个月（{add_months(c.base, n).isoformat()}）", False
    if unit == "年":
        return add_months(c.base, 12 * n), f"“{m[0]}”→ 基准日期后 {n} 年", False
    if unit in ("周", "个星期", "星期"):
        due = c.base + timedelta(weeks=n)
        return due, f"“{m[0]}”→ 基准日期后 {n * 7} 天", False
    if unit in ("个工作日", "工作日"):
        due = c.calendar.add_working_days(c.base, n)
        fallback = c.calendar.fallback_years(c.base, due)
        note = f"（{'、'.join(map(str, fallback))} 年节假日尚未录入，按周一至周五估算）" if fallback else ""
        return due, f"“{m[0]}”→ 基准日期后第 {n} 个工作日（按节假日日历，含调休）{note}", bool(fallback)
    due = c.base + timedelta(days=n)  # 天 / 日
    return due, f"“{m[0]}”→ 基准日期后 {n} 天（自然日）", False


def _h_school(m: re.Match, c: _Ctx):
    word = m[0]
    base = c.base
    year_given = m.groupdict().get("y4")
    if year_given:
        year = int(year_given)
        if "春" in word:
            return _month_end(year, 2), f"“{word}”→ {year} 年春季学期开学前，取 2 月底（请核对）", True
        return date(year, 8, 31), f"“{word}”→ {year} 年秋季学期 9 月 1 日开学前，取 8 月 31 日", True
    if "秋" in word or "9月" in word:
        year = base.year if base < date(base.year, 9, 1) else base.year + 1
        return date(year, 8, 31), f"“{word}”→ 秋季学期 9 月 1 日开学前，取 {year} 年 8 月 31 日", True
    if "春" in word or base.month >= 8 or base.month == 1:
        year = base.year if base.month == 1 else base.year + 1
        due = _month_end(year, 2)
        return due, f"“{word}”→ 春季学期开学前，取 {year} 年 2 月底（各地开学日期不同，请核对）", True
    return date(base.year, 8, 31), f"“{word}”→ 基准日期在春季学期，下学期为秋季学期，取 {base.year} 年 8 月 31 日", True


_RULES: list[tuple[re.Pattern, Handler, bool]] = [
    (re.compile(rf"(?:(?P<y4>\d{{4}})年)?(?P<m>{_MONTH})月(?P<d>{_DAY})[日号]{_BEFORE}?"), _h_full_date, True),
    (re.compile(rf"{_YEAR}(?P<m>{_MONTH})月(?P<t>底前|末前|底之前|底|末|上旬前?|中旬前?|下旬前?|份前|份|{_BEFORE}|{_WITHIN})"),
     _h_month, False),
    (re.compile(rf"(?<![\d年])(?P<n>{_NUM})(?P<u>个工作日|工作日|个月|个星期|星期|周|天|日|年)(?:之内|以内|内|之后|后|时间)"),
     _h_span, False),
    (re.compile(rf"{_YEAR}(?P<p>上半年|下半年|年底前?|年末前?|年度内|年内|(?:第)?[一二三四1234]季度(?:末)?|底前?|内)"),
     _h_year_part, False),
    (re.compile(r"(?P<y4>\d{4})年(?:之前|以前|前)"), _h_year_before, False),
    (re.compile(r"(?:下学期|新学期|秋季学期|秋季|春季学期|春季|9月)开学(?:之前|以前|前)"), _h_school, False),
    (re.compile(r"(?P<y4>\d{4})年(?:秋季|春季)(?:学期|开学)(?:之前|以前|前)?"), _h_school, True),
    (re.compile(r"(?:(?P<y4>\d{4})年|明年)(?=[^，。；,;]{0,8}?(?:完成|建成|投入使用|投用|开工|竣工|完工|实现|启动|出台|落实|开通|交付|全覆盖))"),
     _h_bare_year, True),
]
# "年底" alone is forward-looking; "2024年" alone or "6月" alone needs a cue.
_INHERENTLY_FORWARD = re.compile(r"前|内|底|末|上半年|下半年|季度|开学")


def _sentence_starts(text: str) -> list[int]:
    return [m.start() for m in _SENTENCE.finditer(text) if m.group(0)]


def _sentence_at(text: str, starts: list[int], pos: int) -> tuple[str, int]:
    i = bisect_right(starts, pos) - 1
    start = starts[i] if i >= 0 else 0
    end = starts[i + 1] if i + 1 < len(starts) else len(text)
    return text[start:end].strip(), start


def _in_quoted_question(text: str, start: int, end: int) -> bool:
    """Inside “…” that asks something: a member quoting a plan in order to question it."""
    opening = text.rfind("“", 0, start)
    if opening < 0 or text.rfind("”", opening, start) >= 0:
        return False
    closing = text.find("”", end)
    quote = text[opening:closing if closing >= 0 else len(text)]
    return "？" in quote or "?" in quote


def find_promises(text: str, base_date: date, calendar: WorkCalendar | None = None) -> list[Promise]:
    """Dated commitments in ``text``, in order, relative to ``base_date``.

    ``calendar`` carries the holiday table (admin overrides included); when it
    is omitted the State Council schedule from ``chinesecalendar`` is used.
    """
    if not text:
        return []
    ctx = _Ctx(base_date, calendar or WorkCalendar())
    taken = [False] * len(text)
    starts = _sentence_starts(text)
    found: list[Promise] = []
    for pattern, handler, needs_cue in _RULES:
        for m in pattern.finditer(text):
            if any(taken[m.start():m.end()]):
                continue
            sentence, s_start = _sentence_at(text, starts, m.start())
            before = text[s_start:m.start()]
            clause = re.split(r"[，,、：:]", before)[-1]
            if _BACKWARD.search(clause) or text.startswith(("以来", "以后", "至今"), m.end()):
                continue
            if sentence.rstrip("”’\"").endswith(("？", "?")) or _in_quoted_question(text, m.start(), m.end()):
                continue  # a question mentioning a date is not a promise
            cued = _FORWARD.search(before[-15:]) or _FORWARD_AFTER.search(text[m.end():m.end() + 12])
            if (needs_cue or not _INHERENTLY_FORWARD.search(m[0])) and not cued:
                continue
            result = handler(m, ctx)
            if result is None:
                continue
            due, rule, estimate = result
            if due < base_date:
                continue  # a date before the meeting describes the past
            for i in range(m.start(), m.end()):
                taken[i] = True
            found.append(Promise(sentence, m[0], due, rule, m.start(), m.end(), estimate))
    return sorted(found, key=lambda p: p.start)
