"""Official letters (公文) as .docx, laid out after GB/T 9704-2012.

交办函, 督办函 and 测评结果通报 are printed and filed like any other 公文, so
they must look like one: A4, a 156 × 225 mm text block, 22 lines of 28 三号仿宋
characters, a 二号小标宋 title, "— N —" page numbers.  The aim is a letter staff
recognise and can stamp and send, not a pixel-exact copy.  Simplifications:

* There is no 版头 red bar.  The 发文机关标志 is red 小标宋 at the top of the
  text block, followed by the centred 发文字号 and a red rule (a paragraph
  border, hence exactly as wide as the text block).
* Page numbers sit outside: odd pages right, even pages left, one character in
  from the edge (9704 §7.5); this needs Word's "different odd and even pages".
* The 抄送 block follows the date instead of being pinned to the foot of the
  last page: python-docx has no reliable way to anchor it there.
* Heading numbers (一、 / （一）) are generated, so callers pass bare text and
  re-ordering blocks can never leave the numbering inconsistent.
* Pure python-docx, no Flask or database, so a CLI or test can use it too.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

FONT_BODY = "仿宋_GB2312"
FONT_TITLE = "方正小标宋简体"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE_NUMBER = "宋体"

BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
PAGE_NUMBER_PT = 14  # 四号
TABLE_PT = 12  # 小四: item lists have long unit names and need the room
CC_PT = 14  # 四号, as 9704 prescribes for the 版记

TEXT_WIDTH_MM = 156
TEXT_HEIGHT_MM = 225
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28

# 225 mm / 22 lines is 28.99 pt; 公文 templates use 28.95 pt (579 twips) so line 22 stays inside after rounding.
LINE_PITCH_TWIPS = 579
# 156 mm / 28 characters = 15.79 pt per character.  Word's w:charSpace is the
# difference from the Normal font size in 1/4096 pt: (15.793 - 16) * 4096.
CHAR_PITCH_PT = TEXT_WIDTH_MM / 25.4 * 72 / CHARS_PER_LINE
CHAR_SPACE = round((CHAR_PITCH_PT - BODY_PT) * 4096)
# The grid's job done as tracking, so LibreOffice agrees: 28 × 15.75 pt just inside the 442.2 pt line.
CHAR_TRACKING_TWIPS = -5

RED = RGBColor(0xFF, 0x00, 0x00)
# Word rejects out-of-schema-order children; these are later siblings that may already be present.
_AFTER_PBDR = ("w:shd", "w:tabs", "w:snapToGrid", "w:spacing", "w:ind", "w:jc", "w:rPr")
_AFTER_SNAP = ("w:spacing", "w:ind", "w:jc", "w:rPr")
_AFTER_TRACKING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:lang")
_NUMERALS = "〇一二三四五六七八九"


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


def render_letter(letter: Letter) -> bytes:
    """Build the .docx and return its bytes, ready for a download response."""
    doc = Document()
    _set_defaults(doc)
    _set_page(doc)
    _add_masthead(doc, letter)
    if letter.recipient:
        _text_para(doc, letter.recipient, indent_chars=0)
    h1 = h2 = 0  # （一） restarts under each 一、
    for block in letter.blocks:
        if isinstance(block, Table):
            _add_table(doc, block)
        elif isinstance(block, Para):
            _text_para(doc, block.text)
        elif isinstance(block, Heading) and block.level == 1:
            h1, h2 = h1 + 1, 0
            _text_para(doc, f"{chinese_numeral(h1)}、{block.text}", font=FONT_H1)
        elif isinstance(block, Heading) and block.level == 2:
            h2 += 1
            _text_para(doc, f"（{chinese_numeral(h2)}）{block.text}", font=FONT_H2)
        else:
            raise ValueError(f"cannot render {block!r}: only Heading (level 1 or 2), Para, Table")
    _add_closing(doc, letter)
    doc.save(out := io.BytesIO())
    return out.getvalue()



def _set_fonts(rpr, font: str) -> None:
    """Name the font for every script and drop theme fonts, which would win.

    Without w:eastAsia, Word and LibreOffice use the theme's East Asian font: Japanese in python-docx's template.
    """
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(qn(f"w:{attr}"), font)
    # Punctuation such as “” and — is shared with Latin; render it as Chinese.
    rfonts.set(qn("w:hint"), "eastAsia")


def _set_defaults(doc) -> None:
    """Make 仿宋 三号 at 28.95 pt the default, in Chinese rather than Japanese.

    Paragraphs do not snap to a character grid: LibreOffice gives every 16 pt
    character two 15.8 pt grid cells (14 characters a line) where Word
    squeezes it into one.  A -0.25 pt character spacing fits 28 characters
    into 156 mm in both, and exact 28.95 pt lines give 22 lines a page.
    """
    defaults_rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))[0]
    _set_fonts(defaults_rpr, FONT_BODY)
    defaults_rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")

    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(rpr := normal.element.get_or_add_rPr(), FONT_BODY)
    tracking = OxmlElement("w:spacing")
    tracking.set(qn("w:val"), str(CHAR_TRACKING_TWIPS))
    rpr.insert_element_before(tracking, *_AFTER_TRACKING)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(LINE_PITCH_TWIPS / 20)  # a Length means "exactly"
    fmt.widow_control = False  # keeps every page at exactly 22 lines
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    normal.element.get_or_add_pPr().insert_element_before(snap, *_AFTER_SNAP)


def _run(paragraph, text: str, font: str, size: float, *, bold=False, color=None):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    _set_fonts(run._r.get_or_add_rPr(), font)
    return run


def _indent_chars(paragraph, chars: float, *, side: str = "firstLine") -> None:
    """Indent in characters (w:…Chars) with a twip fallback for readers that ignore it."""
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn(f"w:{side}"), str(round(chars * CHAR_PITCH_PT * 20)))
    ind.set(qn(f"w:{side}Chars"), str(round(chars * 100)))


def _text_width(text: str) -> float:
    """Width in character cells: CJK is one cell, ASCII digits and letters half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)



def _set_page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(297 - 37 - TEXT_HEIGHT_MM)
    section.left_margin, section.right_margin = Mm(28), Mm(210 - 28 - TEXT_WIDTH_MM)
    section.header_distance = Mm(15)
    # Puts the 一字线 roughly 7 mm below the text block, as 9704 §7.5 asks.
    section.footer_distance = Mm(25)

    grid = section._sectPr.find(qn("w:docGrid"))  # always in python-docx's template
    # "lines", not "linesAndChars": even unsnapped, LibreOffice lays a
    # character grid out a little wider and drops to 27 characters a line.
    # charSpace is kept for whoever switches the grid on in Word.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))

    doc.settings.odd_and_even_pages_header_footer = True
    section.different_first_page_header_footer = False
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT, "right")
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT, "left")


def _page_number(paragraph, align, side: str) -> None:
    """"— N —" in 四号宋体, one character in from the outer edge, N a PAGE field."""
    paragraph.alignment = align
    paragraph.paragraph_format.line_spacing = Pt(18)
    setattr(paragraph.paragraph_format, f"{side}_indent", Pt(PAGE_NUMBER_PT))
    _run(paragraph, "— ", FONT_PAGE_NUMBER, PAGE_NUMBER_PT)
    # A Word field: begin, instruction, separate, cached result, end.
    for kind in ("begin", " PAGE ", "separate", "1", "end"):
        run = _run(paragraph, kind if kind == "1" else "", FONT_PAGE_NUMBER, PAGE_NUMBER_PT)
        if kind == " PAGE ":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = kind
            run._r.append(code)
        elif kind != "1":
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    _run(paragraph, " —", FONT_PAGE_NUMBER, PAGE_NUMBER_PT)


def _text_para(doc, text: str, *, font=FONT_BODY, indent_chars: float = 2, align=WD_ALIGN_PARAGRAPH.JUSTIFY):
    paragraph = doc.add_paragraph()
    paragraph.alignment = align
    if indent_chars:
        _indent_chars(paragraph, indent_chars)
    if text:
        _run(paragraph, text, font, BODY_PT)
    return paragraph


def _blank(doc, lines: int = 1) -> None:
    for _ in range(lines):
        doc.add_paragraph()  # an empty line on the 28.95 pt pitch


def _border(paragraph, edge: str, *, color: str, size_eighths: int, space_pt: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, *_AFTER_PBDR)
    line = OxmlElement(f"w:{edge}")
    for key, value in (("val", "single"), ("sz", size_eighths), ("space", space_pt), ("color", color)):
        line.set(qn(f"w:{key}"), str(value))
    borders.append(line)


def _add_masthead(doc, letter: Letter) -> None:
    """发文机关标志, 发文字号, red rule, then the title two lines below it."""
    # As large as fits on one line, capped at 36 pt (小初) for short names.
    issuer_pt = min(36, int(TEXT_WIDTH_MM / 25.4 * 72 / max(len(letter.issuer), 1)))
    issuer = doc.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issuer.paragraph_format.line_spacing = Pt(issuer_pt * 1.3)
    _run(issuer, letter.issuer, FONT_TITLE, issuer_pt, color=RED)
    ruled = issuer
    if letter.doc_number:
        _blank(doc)
        ruled = _text_para(doc, letter.doc_number, indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER)
    _border(ruled, "bottom", color="FF0000", size_eighths=12, space_pt=11)
    _blank(doc, 2)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, letter.title, FONT_TITLE, TITLE_PT)
    _blank(doc)


def _add_table(doc, block: Table) -> None:
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Width by longest entry: 序号 stays narrow, dates do not wrap; the cap stops one column starving the rest.
    grid = [block.header, *block.rows]
    weights = [min(max(_text_width(str(v)) for v in col), 20) + 1.5 for col in zip(*grid, strict=True)]
    for column, weight in zip(table.columns, weights, strict=True):
        column.width = Mm(TEXT_WIDTH_MM * weight / sum(weights))
        for cell in column.cells:
            cell.width = column.width
    for r, values in enumerate(grid):
        row = table.rows[r]
        trpr = row._tr.get_or_add_trPr()  # cantSplit before tblHeader, as the schema orders them
        trpr.append(OxmlElement("w:cantSplit"))
        if r == 0:
            trpr.append(OxmlElement("w:tblHeader"))  # repeats after a page break
        for cell, value in zip(row.cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if r == 0 else None
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            _run(paragraph, str(value), FONT_BODY, TABLE_PT, bold=r == 0)


def _add_closing(doc, letter: Letter) -> None:
    """署名 centred over the 成文日期, which stands four characters from the right.

    When the signature is longer than the date it keeps two characters from the
    right instead, and the date is centred under it (9704 §7.3.5).
    """
    when = format_date(letter.date)
    sig_w, date_w = _text_width(letter.signature), _text_width(when)
    sig_right, date_right = 4 + (date_w - sig_w) / 2, 4
    if sig_right < 2:
        sig_right, date_right = 2, 2 + (sig_w - date_w) / 2
    _blank(doc)  # 9704 leaves a line; the seal is stamped over 署名 and date
    for text, right in ((letter.signature, sig_right), (when, date_right)):
        paragraph = _text_para(doc, text, indent_chars=0, align=WD_ALIGN_PARAGRAPH.RIGHT)
        _indent_chars(paragraph, right, side="right")

    if letter.cc:
        _blank(doc, 2)
        cc = doc.add_paragraph()
        _border(cc, "top", color="000000", size_eighths=8, space_pt=4)
        _border(cc, "bottom", color="000000", size_eighths=8, space_pt=4)
        cc.paragraph_format.left_indent = cc.paragraph_format.right_indent = Pt(CC_PT)
        _run(cc, f"抄送：{letter.cc.rstrip('。')}。", FONT_BODY, CC_PT)
