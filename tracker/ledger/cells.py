"""Reading one cell of an uploaded ledger: text, dates, numbers, as people type them.

Hand-kept ledgers hold dates as real Excel dates, as "2026-03-31" or "2026年3月31日"
text, and now and then as a bare serial number when a column lost its format.  Each
parser returns the value or raises ``CellError`` with the Chinese reason shown on the
preview page.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from openpyxl.utils.datetime import from_excel

from ..fields import MAX_DATE, MIN_DATE
from ..limits import TextTooLong, text_length


class CellError(ValueError):
    """The cell cannot be used; ``str(error)`` is the reason shown to the user."""


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_SESSION_TEXT = re.compile(r"^第?\s*(\d{1,4})\s*(?:次)?(?:会议)?$")
_SPLIT_UNITS = re.compile(r"[、，,；;\n]+")
# Serials Excel uses for 2000-01-01 … 2099-12-31.
_SERIAL_RANGE = (36526, 73415)


def text(value, *, max_length: int, label: str) -> str:
    """Stripped text without control characters (PostgreSQL refuses NUL); "" for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        raise CellError(f"{label}应为文字，不能是日期")
    result = "".join(ch for ch in str(value) if ch in "\t\n" or ch >= " ").strip()
    if text_length(result) > max_length:
        raise CellError(TextTooLong(label, text_length(result), max_length).message)
    return result


def a_date(value) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            raise CellError("日期格式不正确，应为日期或“2026-03-31”形式的文字")
        day = from_excel(value).date()
    else:
        match = _DATE_TEXT.match(str(value).strip())
        if not match:
            raise CellError(f"“{_short(value)}”不是日期，应为日期或“2026-03-31”形式的文字")
        try:
            day = date(*(int(g) for g in match.groups()))
        except ValueError:
            raise CellError(f"“{_short(value)}”不是有效的日期")
    if not MIN_DATE <= day <= MAX_DATE:
        raise CellError("日期超出合理范围（2000–2099 年）")
    return day


def session_number(value) -> int | None:
    """常委会第 N 次会议: 25, "25", "第25次" or "第25次会议"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    match = _SESSION_TEXT.match(str(value).strip())
    if not match or not 0 < int(match.group(1)) < 1000:
        raise CellError(f"“{_short(value)}”不是会议次数，应填写数字，如 25 或“第25次会议”")
    return int(match.group(1))


def unit_names(value: str) -> list[str]:
    """Co-units separated by 、 ， , ； ; or line breaks, duplicates removed, order kept."""
    seen: dict[str, None] = {}
    for name in _SPLIT_UNITS.split(value or ""):
        if name.strip():
            seen.setdefault(name.strip(), None)
    return list(seen)


def _short(value) -> str:
    shown = str(value).strip()
    return shown if len(shown) <= 20 else shown[:20] + "…"
