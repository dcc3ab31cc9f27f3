"""Split a pasted 审议意见 into its preamble and its numbered points.

A 审议意见 is one document: a title, an addressee ("区人民政府："), a preamble
(会议认为……, often with a problem list 一是……二是……), numbered points
(一、 → （一） → 1. → （1） → ①, or paragraphs 一是/二是 under a heading), and a
closing ("以上意见，请……研究处理，并于……前书面报告"), signature and date.  The
points keep the document's own references; nothing is renumbered.

The splitter is deliberately conservative: when the numbering is irregular it
still returns its best reading and says why in ``warnings``, and staff fix it
in the preview.  It never guesses a split inside a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.limits import DOCUMENT_TEXT, ITEM_TEXT, EmptyText, check_text

from .cleaning import clean_paste
from .numbering import Kind, Marker, find_inline_shi, match_marker, match_shi

__all__ = ["OpinionSplit", "Point", "split_opinion"]

FIELD = "审议意见全文"

# GB/T 9704 order; used only to notice a higher level nested under a lower one.
_GB_RANK = {Kind.CN: 0, Kind.PAREN_CN: 1, Kind.ARABIC: 2, Kind.PAREN_ARABIC: 3, Kind.CIRCLED: 4}

_CLOSING = re.compile(
    r"^(?:以上(?:审议)?意见|上述(?:审议)?意见|请(?:认真)?(?:研究处理|研究办理|抓好落实)|特此|此复|专此|"
    r"（此件[^）]*）|\(此件[^)]*\)|附件[:：]|抄送[:：]|(?:发言|汇报|报告)完毕|谢谢(?:大家)?[。！]?$)"
)
_DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_SIGNATURE = re.compile(
    r"^[^，。；：,;:]{2,30}(?:常务委员会|常委会|办公室|办公厅|委员会|人民政府|政协|委|局|办|院|中心)$"
)
_TITLE_END = "。；;：:！？"


@dataclass(frozen=True, slots=True)
class Point:
    """One numbered point as the document writes it."""

    index: int  # position in OpinionSplit.points
    ref: str  # 一 / （二） / 3 / （1） / ① / 一是
    display_ref: str  # with its ancestors: 二-（一）-1
    parent: int | None  # index of the enclosing point
    level: int  # 0 for top-level points
    kind: Kind
    text: str  # without the marker; body paragraphs joined by "\n"
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpinionSplit:
    title: str | None
    preamble: str  # addressee, 会议认为…, a problem list that precedes the points
    points: tuple[Point, ...]
    closing: str  # 以上意见…, signature, date — may hold the document's own deadline
    warnings: tuple[str, ...]
    removed_lines: tuple[str, ...]  # page numbers, headers, web junk taken out
    numbered: bool  # False when no numbering was found and the text is one point


@dataclass(slots=True)
class _Draft:
    marker: Marker
    paragraphs: list[str]
    parent: int | None = None
    level: int = 0


def _title_of(paragraphs: list[str]) -> str | None:
    first = paragraphs[0] if paragraphs else ""
    if (
        len(paragraphs) > 1
        and len(first) <= 80
        and first[-1] not in _TITLE_END
        and match_marker(first) is None
        and match_shi(first) is None
    ):
        return first
    return None


def _closing_start(paragraphs: list[str], first_item: int) -> int:
    """Index where the closing (以上意见…, signature, date) begins."""
    end = len(paragraphs)
    while end - 1 > first_item:
        p = paragraphs[end - 1]
        if _CLOSING.match(p) or _DATE_LINE.match(p) or (len(p) <= 30 and _SIGNATURE.match(p)):
            end -= 1
        else:
            break
    return end


def _item_starts(paragraphs: list[str]) -> tuple[dict[int, Marker], list[str]]:
    """Which paragraphs start a point, and the mode's warnings.

    With structural numbering (一、（一）1. …), paragraphs 一是/二是 are points
    only below a numbered point; before the first one they are the preamble's
    problem list.  Without structural numbering, 一是 paragraphs are the points.
    """
    structural = {i: m for i, p in enumerate(paragraphs) if (m := match_marker(p))}
    shi = {i: m for i, p in enumerate(paragraphs) if (m := match_shi(p))}
    if structural:
        first = min(structural)
        structural.update({i: m for i, m in shi.items() if i > first})
        return structural, []
    return shi, []


def _split_inline(paragraphs: list[str]) -> tuple[list[str], dict[int, Marker], list[str]]:
    """Last resort: one paragraph carries "一是…二是…三是…"; split it there."""
    for i, p in enumerate(paragraphs):
        run = find_inline_shi(p)
        if run:
            head = p[: run[0][0]].rstrip()
            pieces = [p[start:nxt] for (start, _), (nxt, _) in zip(run, [*run[1:], (len(p), 0)], strict=True)]
            new = paragraphs[:i] + ([head] if head else []) + [x.strip() for x in pieces] + paragraphs[i + 1 :]
            offset = i + (1 if head else 0)
            starts = {offset + k: match_shi(piece.strip()) for k, piece in enumerate(pieces)}
            warning = "未找到分段编号，已按段内的“一是、二是……”拆分，请逐条核对"
            return new, {k: v for k, v in starts.items() if v}, [warning]
    return paragraphs, {}, []


def _nest(drafts: list[_Draft]) -> list[str]:
    """Give each point its parent and level; return numbering warnings."""
    warnings: list[str] = []
    stack: list[tuple[Kind, int]] = []
    levels_of_kind: dict[Kind, set[int]] = {}
    for idx, d in enumerate(drafts):
        kind = d.marker.kind
        if kind is Kind.CN and stack and not any(k is kind for k, _ in stack):
            # 一、 after a 1./（一） list opens a new top-level section, not a child.
            warnings.append(f"编号混用：「{d.marker.ref}、」出现在「{stack[-1][0].value}」式编号之后，已作为第一级，请核对")
            stack.clear()
        if any(k is kind for k, _ in stack):
            while stack[-1][0] is not kind:
                stack.pop()
            stack.pop()
        d.parent = stack[-1][1] if stack else None
        d.level = len(stack)
        stack.append((kind, idx))
        levels_of_kind.setdefault(kind, set()).add(d.level)
        if d.parent is not None:
            parent_kind = drafts[d.parent].marker.kind
            if kind in _GB_RANK and parent_kind in _GB_RANK and _GB_RANK[kind] < _GB_RANK[parent_kind]:
                warnings.append(
                    f"编号混用：「{d.marker.ref}」出现在「{drafts[d.parent].marker.ref}」之下，"
                    f"层级可能有误，请核对"
                )
    for kind, levels in levels_of_kind.items():
        if len(levels) > 1:
            warnings.append(f"编号层级不一致：「{kind.value}」式编号出现在不同层级，请核对上下级关系")
    return warnings


def _sequence_warnings(drafts: list[_Draft]) -> list[str]:
    """Gaps (一、三、), restarts and mixed separators among siblings."""
    warnings: list[str] = []
    groups: dict[tuple[int | None, Kind], list[Marker]] = {}
    for d in drafts:
        groups.setdefault((d.parent, d.marker.kind), []).append(d.marker)
    for markers in groups.values():
        expected = 1
        for m in markers:
            if m.number > expected:
                missing = "、".join(str(n) for n in range(expected, m.number)) if m.number - expected <= 3 else "若干"
                warnings.append(f"编号不连续：「{m.ref}」之前缺少第 {missing} 项")
            elif m.number < expected:
                warnings.append(f"编号重复或倒退：「{m.ref}」出现在第 {expected - 1} 项之后")
            expected = m.number + 1
        puncts = {m.punct for m in markers if m.punct}
        if len(puncts) > 1:
            shown = "”与“".join(sorted(puncts))
            warnings.append(f"同一层级编号的标点不一致（“{shown}”），可能混入了正文中的编号，请核对")
    return warnings


def split_opinion(text: str) -> OpinionSplit:
    """Split a pasted 审议意见 (or 研究处理情况报告) into preamble, points and closing.

    Raises :class:`~tracker.limits.EmptyText` or
    :class:`~tracker.limits.TextTooLong` with a Chinese message.
    """
    check_text(text, DOCUMENT_TEXT, FIELD)
    cleaned = clean_paste(text)
    paragraphs = list(cleaned.paragraphs)
    if not paragraphs:
        raise EmptyText(FIELD)
    title = _title_of(paragraphs)
    body = paragraphs[1:] if title else paragraphs

    starts, warnings = _item_starts(body)
    if not starts:
        body, starts, warnings = _split_inline(body)
    if not starts:
        whole = "\n".join(body)
        point = Point(0, "", "", None, 0, Kind.NONE, whole, _length_warning(whole))
        note = "未识别到编号（一、（一）1.（1）① 或“一是、二是”），全文作为一项，请在预览中拆分"
        return OpinionSplit(title, "", (point,), "", (note,), cleaned.removed, False)

    first = min(starts)
    end = _closing_start(body, max(starts))
    drafts: list[_Draft] = []
    for i in range(first, end):
        if i in starts:
            drafts.append(_Draft(starts[i], [starts[i].rest.strip()] if starts[i].rest.strip() else []))
        else:
            drafts[-1].paragraphs.append(body[i])
    warnings += _nest(drafts) + _sequence_warnings(drafts)

    points: list[Point] = []
    for idx, d in enumerate(drafts):
        ref = d.marker.ref
        display = f"{points[d.parent].display_ref}-{ref}" if d.parent is not None else ref
        text_ = "\n".join(d.paragraphs)
        own = _length_warning(text_) + (() if text_ else (f"「{ref}」下没有文字",))
        points.append(Point(idx, ref, display, d.parent, d.level, d.marker.kind, text_, own))
    return OpinionSplit(
        title=title,
        preamble="\n".join(body[:first]),
        points=tuple(points),
        closing="\n".join(body[end:]),
        warnings=tuple(dict.fromkeys(warnings)),
        removed_lines=cleaned.removed,
        numbered=True,
    )


def _length_warning(text: str) -> tuple[str, ...]:
    if len(text) > ITEM_TEXT:
        return (f"本项共 {len(text):,} 字，超过单项上限 {ITEM_TEXT:,} 字，保存前请拆分或删减",)
    return ()
