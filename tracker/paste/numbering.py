"""The numbering styles of Chinese official documents, and how to read them.

GB/T 9704-2012 fixes the order of levels as 一、 → （一） → 1. → （1）; documents
add ① below that, and 审议意见 often list points as paragraphs "一是……二是……".
Documents do not always use the levels in that order (many start at （一）), so
the splitter ranks markers by the order in which they first appear, and this
module only answers "is this line the start of a numbered item, of which kind,
with which number".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Kind", "Marker", "chinese_number", "match_marker", "match_shi", "find_inline_shi"]

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


class Kind(StrEnum):
    """A numbering style; the value is how the ref is written back."""

    CN = "一、"
    PAREN_CN = "（一）"
    ARABIC = "1."
    PAREN_ARABIC = "（1）"
    CIRCLED = "①"
    SHI = "一是"
    NONE = ""  # no numbering found: the whole text is one point


@dataclass(frozen=True, slots=True)
class Marker:
    kind: Kind
    number: int
    ref: str  # as the document writes it, normalized: 一 （二） 3 （1） ① 一是
    punct: str  # the separator actually used: 、 . ． ， or "" — for mixed-style warnings
    rest: str  # the line after the marker


def chinese_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23, 两 → 2; None if not a number up to 99."""
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        if len(text) != 1:
            return None
        return _CN_DIGITS[text]
    tens, _, ones = text.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    value = (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return value if value else None


def _cn_ref(n: int) -> str:
    if n < 10:
        return _CN[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens - 1]) + "十" + (_CN[ones - 1] if ones else "")


# 一、 / 十二、 / 一．  — not 一、二、三产业 or 一、二款 (a list of numbers, not a heading).
_RE_CN = re.compile(rf"^([{_CN}]{{1,3}})([、．.])(?![{_CN}]{{1,3}}(?:[、，]|[款项条章节类级产档批期]))\s*")
_RE_PAREN_CN = re.compile(rf"^[（(]([{_CN}]{{1,3}})[）)]\s*")
# 1. 1、 1． — not 1.5亿 or 2023.10; "1 " is not enough (page numbers, quantities).
_RE_ARABIC = re.compile(r"^(\d{1,2})(?:([、．])|(\.)(?!\d))\s*")
_RE_PAREN_ARABIC = re.compile(r"^[（(](\d{1,2})[）)]\s*")
_RE_CIRCLED = re.compile(rf"^([{_CIRCLED}])\s*")
_RE_SHI = re.compile(rf"^([{_CN}]{{1,3}})(是|要)")
# Inline 一是 only right after punctuation: "统一是" and "唯一是" are words, not markers.
_RE_INLINE_SHI = re.compile(rf"(?:^|(?<=[，。；：、,.;:\s“（(]))([{_CN}]{{1,3}})(是|要)(?=[^，。；、,.;]{{2}})")


def match_marker(line: str) -> Marker | None:
    """The structural marker at the start of ``line`` (not 一是; see :func:`match_shi`)."""
    m = _RE_CN.match(line)
    if m and (n := chinese_number(m.group(1))) and line[m.end():].strip():
        return Marker(Kind.CN, n, _cn_ref(n), m.group(2), line[m.end():])
    m = _RE_PAREN_CN.match(line)
    if m and (n := chinese_number(m.group(1))):
        return Marker(Kind.PAREN_CN, n, f"（{_cn_ref(n)}）", "", line[m.end():])
    m = _RE_ARABIC.match(line)
    if m and line[m.end():].strip() and line[m.end():].lstrip()[:1] not in "0123456789":
        n = int(m.group(1))
        if n:
            return Marker(Kind.ARABIC, n, str(n), m.group(2) or m.group(3), line[m.end():])
    m = _RE_PAREN_ARABIC.match(line)
    if m and int(m.group(1)):
        n = int(m.group(1))
        return Marker(Kind.PAREN_ARABIC, n, f"（{n}）", "", line[m.end():])
    m = _RE_CIRCLED.match(line)
    if m:
        n = _CIRCLED.index(m.group(1)) + 1
        return Marker(Kind.CIRCLED, n, m.group(1), "", line[m.end():])
    return None


def match_shi(line: str) -> Marker | None:
    """一是 / 二是 (or 一要 / 二要) at the start of a paragraph (the 审议意见 list form)."""
    m = _RE_SHI.match(line)
    if m and (n := chinese_number(m.group(1))):
        return Marker(Kind.SHI, n, f"{_cn_ref(n)}{m.group(2)}", m.group(2), line[m.end():])
    return None


def find_inline_shi(text: str) -> list[tuple[int, int]]:
    """Start offsets and numbers of an inline 一是…二是… run, or [] if there is none.

    Only a run that starts at 一是 and counts up without gaps is returned, so a
    stray "唯一是" or "统一是" never splits a paragraph.
    """
    found: list[tuple[int, int]] = []
    verb = ""
    for m in _RE_INLINE_SHI.finditer(text):
        n = chinese_number(m.group(1))
        if n == len(found) + 1 and (not verb or m.group(2) == verb):
            found.append((m.start(), n))
            verb = m.group(2)
    return found if len(found) >= 2 else []
