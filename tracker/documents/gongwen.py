"""Official letters (公文) as .docx, laid out after GB/T 9704-2012.

交办函, 督办函 and 测评结果通报 are printed and filed like any other 公文, so
they must look like one: A4, a 156 × 225 mm text block, 22 lines of 28 三号仿宋
characters, a 二号小标宋 title, "— N —" page numbers.  Two of the standard's formats:

* ``kind="letter"`` — the 信函格式 (§10.1) every 函 uses: the 发文机关标志 30 mm
  from the top edge, red double lines 170 mm long under it and 20 mm above the
  bottom edge, the 发文字号 at the right under the upper line, no page number on
  page 1, and a 版记 of 抄送 only (no 印发 line, no rules).
* ``kind="document"`` — the 文件格式 (§7) a 通报 uses: "……文件" 35 mm below the top
  of the text block, the 发文字号 centred two lines below it, a red rule as wide as
  the text block, and a 版记 with 抄送 and 印发 between full-width rules.

Both keep the 署名 and 成文日期 on a page with body text (keep-with-next from the
last body line), put the 附注 (contact) in brackets under the date, and pin the 版记
to the foot of the last page.  Titles break where the sense breaks, never leaving
a lone "函".  Heading numbers (一、 / （一）) are generated, so callers pass bare
text.  Pure python-docx, no Flask or database: a CLI or a test can use it, and
a ``Letter`` round-trips through JSON (``letter_to_dict``/``letter_from_dict``)
so the register can re-render a letter exactly as it was issued.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Literal

from docx import Document

from . import gongwen_layout as layout
from .gongwen_ooxml import declare_font_fallbacks, set_properties

LINES_PER_PAGE = layout.LINES_PER_PAGE
CHARS_PER_LINE = layout.CHARS_PER_LINE
TITLE_CHARS_PER_LINE = 19  # 二号 in the 156 mm line, with room for LibreOffice's wider Latin digits

_NUMERALS = "〇一二三四五六七八九"
# Where a title may break: after these words, or before these endings, so no line ends mid-word.
_BREAK_AFTER = ("关于", "会议", "项", "审议意见", "询问问题", "问题", "意见", "情况", "报告", "》", "”", "、", "，",
                "和")
_BREAK_BEFORE = ("的函", "的通报", "整改", "满意度", "交办", "督促", "审议意见", "专题询问", "询问问题")


@dataclass
class Heading:
    """A section heading; level 1 renders "一、" in 黑体, level 2 "（一）" in 楷体."""
    text: str
    level: int = 1


@dataclass
class Para:
    """A body paragraph in 仿宋 三号 with a two-character first-line indent."""
    text: str


@dataclass
class Table:
    """A bordered grid, e.g. the items listed in a 交办函; the header repeats on each page."""
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


Block = Heading | Para | Table


@dataclass
class Letter:
    """Everything a single-issuer letter needs; optional parts are simply omitted."""
    issuer: str  # 发文机关标志, e.g. "XX区人大常委会办公室"
    title: str
    recipient: str | None  # 主送机关, with its trailing "："
    blocks: list[Block]
    signature: str  # 发文机关署名
    date: dt.date  # 成文日期
    doc_number: str | None = None  # 发文字号, e.g. "X人常办函〔2026〕12号"
    cc: str | None = None  # 抄送机关, without the "抄送：" label
    note: str | None = None  # 附注 without brackets, e.g. "联系人：李秀兰，联系电话：12345678"
    kind: Literal["letter", "document"] = "letter"  # 信函格式 (函) or 文件格式 (通报)
    printer: str | None = None  # 印发机关 (document format); the issuer when not given


def chinese_numeral(n: int) -> str:
    """Heading numbers up to 99: 一 … 十 … 二十三; more headings than that is a bug upstream."""
    if not 0 < n < 100:
        raise ValueError(f"heading number out of range: {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _NUMERALS[tens] + "十")
    return head + (_NUMERALS[ones] if ones else "")


def format_date(day: dt.date) -> str:
    """The 2012 standard writes 成文日期 in Arabic numerals, without leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def title_lines(title: str, per_line: float = TITLE_CHARS_PER_LINE) -> list[str]:
    """Break a title into the fewest lines that fit, at sense breaks, lines as even as possible.

    9704 §7.3.1: "回行时，要做到词意完整，排列对称，长短适宜，间距恰当".  A break
    anywhere else costs a penalty, so a title with no sense break still fits; a
    last line shorter than three characters costs more, so "函" never stands alone.
    """
    if layout.text_width(title) <= per_line:
        return [title]
    good = {i for i in range(1, len(title)) if title[:i].endswith(_BREAK_AFTER) or title[i:].startswith(_BREAK_BEFORE)}
    n = len(title)
    best: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}  # cost of breaking title[:i] into lines
    for end in range(1, n + 1):
        for start, (cost, cuts) in list(best.items()):
            if start >= end:
                continue
            width = layout.text_width(title[start:end])
            if width > per_line:
                continue
            if end < n and end not in good:
                step = 50.0
            else:
                step = 0.0
            if end == n and end - start < 3:
                step += 200.0
            total = cost + step + 1000.0 + (per_line - width) ** 2 / 4  # 1000 per line: fewest lines first
            if end not in best or total < best[end][0]:
                best[end] = (total, [*cuts, end])
    cuts = best[n][1]
    return [title[a:b] for a, b in zip([0, *cuts[:-1]], cuts, strict=True)]


def render_letter(letter: Letter) -> bytes:
    """Build the .docx and return its bytes, ready for a download response."""
    doc = Document()
    layout.set_defaults(doc)
    layout.set_page(doc, letter.kind)
    declare_font_fallbacks(doc)
    set_properties(doc, title=letter.title, author=letter.signature, issued=letter.date)
    layout.add_masthead(doc, letter.issuer, letter.doc_number, title_lines(letter.title), letter.kind)
    if letter.recipient:
        layout.text_para(doc, letter.recipient, indent_chars=0)
    h1 = h2 = 0  # （一） restarts under each 一、
    for block in letter.blocks:
        if isinstance(block, Table):
            layout.add_table(doc, block.header, block.rows)
        elif isinstance(block, Para):
            layout.text_para(doc, block.text)
        elif isinstance(block, Heading) and block.level == 1:
            h1, h2 = h1 + 1, 0
            layout.text_para(doc, f"{chinese_numeral(h1)}、{block.text}", font=layout.FONT_H1)
        elif isinstance(block, Heading) and block.level == 2:
            h2 += 1
            layout.text_para(doc, f"（{chinese_numeral(h2)}）{block.text}", font=layout.FONT_H2)
        else:
            raise ValueError(f"cannot render {block!r}: only Heading (level 1 or 2), Para, Table")
    layout.add_closing(doc, letter.signature, format_date(letter.date), letter.note)
    if letter.kind == "document":
        layout.add_document_imprint(doc, letter.cc, letter.printer or letter.issuer, format_date(letter.date))
    elif letter.cc:
        layout.add_letter_imprint(doc, letter.cc)
    doc.save(out := io.BytesIO())
    return out.getvalue()


def letter_to_dict(letter: Letter) -> dict:
    """Plain JSON for the register: enough to render the same letter again."""
    blocks = []
    for block in letter.blocks:
        if isinstance(block, Table):
            blocks.append({"table": {"header": list(block.header), "rows": [list(r) for r in block.rows]}})
        elif isinstance(block, Heading):
            blocks.append({"heading": block.text, "level": block.level})
        else:
            blocks.append({"para": block.text})
    return {"issuer": letter.issuer, "title": letter.title, "recipient": letter.recipient, "blocks": blocks,
            "signature": letter.signature, "date": letter.date.isoformat(), "doc_number": letter.doc_number,
            "cc": letter.cc, "note": letter.note, "kind": letter.kind, "printer": letter.printer}


def letter_from_dict(data: dict) -> Letter:
    blocks: list[Block] = []
    for block in data["blocks"]:
        if "table" in block:
            blocks.append(Table(block["table"]["header"], block["table"]["rows"]))
        elif "heading" in block:
            blocks.append(Heading(block["heading"], block.get("level", 1)))
        else:
            blocks.append(Para(block["para"]))
    return Letter(issuer=data["issuer"], title=data["title"], recipient=data["recipient"], blocks=blocks,
                  signature=data["signature"], date=dt.date.fromisoformat(data["date"]),
                  doc_number=data.get("doc_number"), cc=data.get("cc"), note=data.get("note"),
                  kind=data.get("kind", "letter"), printer=data.get("printer"))
