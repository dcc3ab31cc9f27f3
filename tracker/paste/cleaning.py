"""Turn a paste from Word, a PDF viewer or a web page into clean paragraphs.

What people really paste (seen in the test corpus): full-width digits and
spaces, indents made of ideographic spaces, page numbers such as "— 3 —" or
"-3-", the document title repeated as a running header on every page, hard line
breaks in the middle of sentences (PDF and Word "copy as text"), and, from web
pages, breadcrumb and toolbar lines ("首页 > 通知公告 > 正文", "打印 关闭").

Cleaning never drops a line silently: every removed line is returned so the
preview can show what was taken out.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .numbering import match_marker, match_shi

__all__ = ["CleanText", "clean_paste"]

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
# Spaces that Word, web pages and PDF viewers put in: NBSP, ideographic space,
# thin/en/em spaces, zero-width characters and the BOM.
_SPACES = dict.fromkeys((160, 12288, 8194, 8195, 8201, 8239, 8287), " ")
_SPACES.update(dict.fromkeys((8203, 8204, 8205, 65279, 173)))

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef“”‘’—…·"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}]) +(?=[{_CJK}{_CJK_PUNCT}])")

_PAGE_NUMBER = re.compile(
    r"^(?:[—–－\-─]+ *\d{1,4} *[—–－\-─]+"  # — 3 —   -3-
    r"|第 *\d{1,4} *页(?: *[,，/]? *共 *\d{1,4} *页)?"  # 第3页 共10页
    r"|\d{1,4} *[/／] *\d{1,4}"  # 3/10
    r"|\d{1,3})$"  # a bare page number on its own line
)
# Breadcrumbs, toolbars and metadata of government web pages.  Only whole,
# short lines are matched, so a sentence that mentions 打印 is never touched.
_WEB_JUNK = re.compile(
    r"^(?:(?:当前位置|您当前的位置|您现在的位置|当前所在)[:：]?.*"
    r"|首页 *[>＞/»›].*"
    r"|.*[>＞»›] *正文"
    r"|(?:发布|更新|发表)(?:时间|日期|于)[:：].*"
    r"|(?:来源|信息来源|作者|编辑|责任编辑|浏览次数|点击|阅读|访问量|字号)[:：].*"
    r"|【?字号[:：]?.*|.*[〖【\[] *大 *中 *小 *[〗】\]].*|.*字体 *大 *中 *小.*"
    r"|打印(?:本页|此页)?|关闭(?:窗口|本页)?|【?打印】?.*【?关闭】?|收藏|分享到?[:：]?.*"
    r"|上一篇[:：].*|下一篇[:：].*|返回顶部|回到顶部|TOP|扫一扫.*|相关附件[:：]?"
    r"|网站支持IPV6|.*二维码.*|[（(]?责编[:：][^）)]*[）)]?|面包屑导航.*)$",
    re.IGNORECASE,
)
_STRONG_END = "。！？；：!?;:…"
_SENTENCE_END = _STRONG_END + "”’）)》】」』"
_CONTINUES = "，。、；：？！）》”’,.;:?!)"  # a line that starts with these continues the last one
_SOFT_END = "，、,"
_MAX_JUNK_LINE = 60
_MAX_HEADER_LINE = 40
_MAX_HEADING = 30  # "一、加强学位供给": a numbered heading, not a wrapped sentence
_HEADING = re.compile(r"^第[一二三四五六七八九十百零〇\d]+[章节条篇部]")
_MIN_WRAPPED = 12  # shorter unpunctuated lines are titles or headings, not wraps
_BREAK = "\x00"  # where a page number, header or web junk line was removed


@dataclass(frozen=True, slots=True)
class CleanText:
    """Paragraphs in order, plus what was removed and why (for the preview)."""

    paragraphs: tuple[str, ...]
    removed: tuple[str, ...]


def normalize_chars(text: str) -> str:
    """Half-width digits and letters, plain spaces, ``\\n`` line breaks.

    Chinese punctuation (，。（）) is kept as it is: it is the document's own.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = text.translate(_FULLWIDTH_ALNUM).translate(_SPACES).replace("\t", " ")
    return text


def _tidy_line(line: str) -> str:
    line = re.sub(r"\s*\|$", "", line.strip())  # table-cell separators of web copies
    line = _SPACE_BETWEEN_CJK.sub("", line)
    return re.sub(r" {2,}", " ", line)


def _starts_item(line: str) -> bool:
    return match_marker(line) is not None or match_shi(line) is not None


def _typical_width(lines: list[str]) -> int:
    """The width at which a Word/PDF copy wrapped its lines (0 if it did not).

    Wrapped text has many lines of nearly the same length and almost none
    longer; web copies and typed records have one line per paragraph, so their
    widths scatter and no width dominates.
    """
    lengths = [len(x) for x in lines if len(x) >= 15]
    if len(lengths) < 4:
        return 0
    bucket, hits = Counter(n // 3 for n in lengths).most_common(1)[0]
    width = bucket * 3
    longer = sum(1 for n in lengths if n > width + 5)
    if hits < max(4, len(lengths) // 3) or longer > len(lengths) // 10:
        return 0
    return width


def _joins_next(end: str, line: str, nxt: str, width: int) -> bool:
    """Whether the hard break after physical ``line`` (ending in ``end``) is inside a sentence.

    Word and PDF copies break lines wherever the page ended; a line that stops
    without punctuation after a fair length, and is not itself a short heading
    such as "一、基本情况", continues on the next line.  An addressee line
    ("区人民政府：") never absorbs anything.
    """
    if end in _SOFT_END or nxt[0] in _CONTINUES:
        return True  # "第一、" at a line end: "二、三款" on the next line is not a heading
    if _starts_item(nxt) or end in _STRONG_END:
        return False
    if end in _SENTENCE_END:  # a closing quote or bracket: only a full-width line continues
        return bool(width) and len(line) >= width - 3
    if nxt[-1] in "：:" and len(nxt) <= 20:
        return False  # "区教育局答复：" / "区人民政府：" starts something new
    if line.startswith(("——", "—")) or _HEADING.match(line) or _HEADING.match(nxt):
        return False  # a subtitle, or 第二节/第十六条 headings of rules and reports
    if width and len(line) >= width - 3:
        return True
    if re.match(r"^[^，。；：,;:]{1,20}[：:]", nxt):
        return False  # "主持人：…", "区教育局答复：" — a new turn or an addressee
    if _starts_item(line) and len(line) <= _MAX_HEADING:
        return False
    return len(line) >= _MIN_WRAPPED and re.match(rf"[{_CJK}]", end) is not None


def clean_paste(text: str) -> CleanText:
    """Normalize, drop page furniture and web junk, rejoin broken sentences."""
    normalized = normalize_chars(text).split("\n")
    indented = [bool(re.match(r"^ {2,}\S", x)) for x in normalized]
    raw_lines = [_tidy_line(x) for x in normalized]
    removed: list[str] = []
    lines: list[str] = []
    for line in raw_lines:
        if not line:
            lines.append("")
        elif _PAGE_NUMBER.match(line):
            removed.append(line)
            lines.append(_BREAK)
        elif len(line) <= _MAX_JUNK_LINE and _WEB_JUNK.match(line):
            removed.append(line)
            lines.append("")  # web junk separates paragraphs like a blank line
        else:
            lines.append(line)

    # A short line that recurs verbatim is a running header or footer (the
    # title or "××区人大常委会文件" on every page): keep its first occurrence.
    counts = Counter(x for x in lines if _header_candidate(x))
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        if line and line != _BREAK and counts.get(line, 0) >= 2:
            if line in seen:
                removed.append(line)
                kept.append(_BREAK)
                continue
            seen.add(line)
        kept.append(line)
    return CleanText(tuple(_paragraphs(_blanks_around_breaks(kept), indented)), tuple(removed))


def _blanks_around_breaks(lines: list[str]) -> list[str]:
    """Word surrounds a page footer with blank lines; they are not paragraph ends."""
    out = list(lines)
    for i, line in enumerate(lines):
        if line == _BREAK:
            for step in (-1, 1):
                j = i + step
                while 0 <= j < len(lines) and lines[j] in ("", _BREAK):
                    if lines[j] == "":
                        out[j] = _BREAK
                    j += step
    return out


def _header_candidate(line: str) -> bool:
    """Short, unpunctuated, not a numbered point and not a "speaker：text" turn.

    Repeated sentences ("主持人：请回答。") and repeated points are content; only
    title-like lines can be page headers.
    """
    return (
        bool(line) and line != _BREAK and len(line) <= _MAX_HEADER_LINE and line[-1] not in _STRONG_END
        and not re.search(r"[：:].", line) and not _starts_item(line)
    )


def _indent_signal(lines: list[str], indented: list[bool]) -> bool:
    """Whether paragraph starts are marked by indentation (Word, PDF, 公文 layouts).

    Then an unindented line that follows text is a continuation, and an
    indented one starts a paragraph, whatever punctuation ends the line before.
    """
    text = [i for i, x in enumerate(lines) if x and x != _BREAK]
    starts = sum(1 for i in text if indented[i])
    continued = sum(1 for i in text if not indented[i] and i > 0 and lines[i - 1] and lines[i - 1] != _BREAK)
    return starts >= 2 and continued >= 2


def _paragraphs(lines: list[str], indented: list[bool]) -> list[str]:
    """Rejoin physical lines into paragraphs.

    A blank line ends a paragraph, except next to a removed page number or
    header when the sentence is visibly unfinished: Word puts blank lines
    around its page footer in the middle of a sentence.
    """
    width = _typical_width([x for x in lines if x and x != _BREAK])
    by_indent = _indent_signal(lines, indented)
    paragraphs: list[str] = []
    current = last = ""
    at_break = False
    first = next((x for x in lines if x and x != _BREAK), "")
    for i, line in enumerate(lines):
        if line == _BREAK:
            at_break = True
            continue
        if not line:
            if current and (current[-1] in _SOFT_END or at_break):
                continue
            if current:
                paragraphs.append(current)
                current = last = ""
            continue
        unfinished = bool(current) and current[-1] not in _STRONG_END and not _starts_item(line)
        # The first line is usually the title: it never runs into the next one,
        # unless it is as long as the wrapped lines around it.
        title = (current == first and current[-1] not in _SOFT_END and not _starts_item(first)
                 and not (width and len(first) >= width - 3))
        if by_indent and current and not title:
            joins = (not indented[i] and not _starts_item(line)) or (at_break and unfinished)
        else:
            joins = bool(current) and not title and (
                _joins_next(current[-1], last, line, width) or (at_break and unfinished)
            )
        if joins:
            sep = " " if current[-1].isascii() and current[-1].isalnum() and line[0].isascii() else ""
            current += sep + line
        else:
            if current:
                paragraphs.append(current)
            current = line
        last = line
        at_break = False
    if current:
        paragraphs.append(current)
    return paragraphs
