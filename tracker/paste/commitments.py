"""Dated promises kept in an item's 承诺事项 text, one per line.

The inquiry preview writes each promise it found as ``【承诺期限 2026-12-31】年底前完成…``
so that the date survives as data inside plain text: staff can correct it in the
preview, the 交办 form proposes the latest promised date as the deadline, and the
promises can later be turned into commitment records by reading these lines back.
A line without the mark is an undated promise and is kept as written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["DatedPromise", "commitment_line", "dated_promises", "latest_promise"]

_MARK = re.compile(r"^\s*【承诺期限\s*(?P<date>[^】]*)】\s*(?P<text>.*)$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class DatedPromise:
    line: int  # 1-based line in the text
    due: date | None  # None when the line carries no mark
    text: str


def commitment_line(due: date, text: str) -> str:
    return f"【承诺期限 {due.isoformat()}】{' '.join(text.split())}"


def dated_promises(text: str | None) -> list[DatedPromise]:
    """Every non-empty line; a mark whose date is not a real 年-月-日 raises ValueError
    naming the line, so a typo in the preview is refused rather than lost."""
    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        m = _MARK.match(line)
        if not m:
            found.append(DatedPromise(number, None, line.strip()))
            continue
        raw = m["date"].strip()
        try:
            if not _ISO.match(raw):
                raise ValueError
            due = date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"第 {number} 行的承诺期限“{raw}”不是有效日期（应为 年-月-日，如 2026-12-31）") from None
        found.append(DatedPromise(number, due, m["text"].strip()))
    return found


def latest_promise(text: str | None) -> date | None:
    """The last date promised in the text, or None (also when a mark is malformed)."""
    try:
        dates = [p.due for p in dated_promises(text) if p.due]
    except ValueError:
        return None
    return max(dates) if dates else None
