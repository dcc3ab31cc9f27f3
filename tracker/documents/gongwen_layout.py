"""The page of a 公文: grid, mastheads, tables, the closing block and the 版记.

Measurements are GB/T 9704-2012's; the section numbers are quoted where a value
comes from it.  ``gongwen.render_letter`` calls these in reading order.
"""
from __future__ import annotations

import math

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from .gongwen_ooxml import (
    FONT_BODY,
    FONT_H1,
    FONT_H2,
    FONT_PAGE_NUMBER,
    FONT_TITLE,
    add_break,
    add_run,
    border,
    bottom_box,
    page_field,
    right_tab,
    set_fonts,
)

__all__ = ["FONT_BODY", "FONT_H1", "FONT_H2", "FONT_PAGE_NUMBER", "FONT_TITLE"]

BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
PAGE_NUMBER_PT = 14  # 四号
TABLE_PT = 12  # 小四: item lists have long unit names and need the room
IMPRINT_PT = 14  # 四号, as 9704 prescribes for the 版记
IMPRINT_PITCH_PT = 22

TEXT_WIDTH_MM = 156
TEXT_HEIGHT_MM = 225
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LETTER_RULE_MM = 170  # §10.1: the 信函 double lines are 170 mm long, centred on the page

# 225 mm / 22 lines is 28.99 pt; 公文 templates use 28.95 pt (579 twips) so line 22 stays inside after rounding.
LINE_PITCH_TWIPS = 579
# 156 mm / 28 characters = 15.79 pt per character.  Word's w:charSpace is the
# difference from the Normal font size in 1/4096 pt: (15.793 - 16) * 4096.
CHAR_PITCH_PT = TEXT_WIDTH_MM / 25.4 * 72 / CHARS_PER_LINE
CHAR_SPACE = round((CHAR_PITCH_PT - BODY_PT) * 4096)
# The grid's job done as tracking, so LibreOffice agrees: 28 × 15.75 pt just inside the 442.2 pt line.
CHAR_TRACKING_TWIPS = -5
TEXT_WIDTH_TWIPS = round(TEXT_WIDTH_MM / 25.4 * 1440)

RED = RGBColor(0xFF, 0x00, 0x00)
_AFTER_SNAP = ("w:spacing", "w:ind", "w:jc", "w:rPr")
_AFTER_TRACKING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:lang")


def text_width(text: str) -> float:
    """Width in character cells: CJK is one cell, ASCII digits and letters half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


def set_defaults(doc) -> None:
    """Make 仿宋 三号 at 28.95 pt the default, in Chinese rather than Japanese.

    Paragraphs do not snap to a character grid: LibreOffice gives every 16 pt
    character two 15.8 pt grid cells (14 characters a line) where Word
    squeezes it into one.  A -0.25 pt character spacing fits 28 characters
    into 156 mm in both, and exact 28.95 pt lines give 22 lines a page.
    """
    defaults_rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))[0]
    set_fonts(defaults_rpr, FONT_BODY)
    defaults_rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")

    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(rpr := normal.element.get_or_add_rPr(), FONT_BODY)
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


def set_page(doc, kind: str) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(297 - 37 - TEXT_HEIGHT_MM)
    section.left_margin, section.right_margin = Mm(28), Mm(210 - 28 - TEXT_WIDTH_MM)
    # §10.1: the 信函's 发文机关标志 stands 30 mm from the top edge; it is the first-page header.
    section.header_distance = Mm(30)
    # The lower 信函 double line 20 mm above the bottom edge; page numbers sit above it with space.
    section.footer_distance = Mm(20)

    grid = section._sectPr.find(qn("w:docGrid"))  # always in python-docx's template
    # "lines", not "linesAndChars": even unsnapped, LibreOffice lays a
    # character grid out a little wider and drops to 27 characters a line.
    # charSpace is kept for whoever switches the grid on in Word.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))

    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT, "right")
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT, "left")
    # §10.1: the first page of a 信函 has no page number.
    section.different_first_page_header_footer = kind == "letter"


def _page_number(paragraph, align, side: str) -> None:
    """"— N —" in 四号宋体, one character in from the outer edge, 7 mm under the text block (§7.5)."""
    paragraph.alignment = align
    paragraph.paragraph_format.line_spacing = Pt(18)
    # The footer ends 20 mm above the edge; 9 pt under the number lifts it to about 7 mm below the text.
    paragraph.paragraph_format.space_after = Pt(9)
    setattr(paragraph.paragraph_format, f"{side}_indent", Pt(PAGE_NUMBER_PT))
    add_run(paragraph, "— ", FONT_PAGE_NUMBER, PAGE_NUMBER_PT)
    page_field(paragraph, FONT_PAGE_NUMBER, PAGE_NUMBER_PT)
    add_run(paragraph, " —", FONT_PAGE_NUMBER, PAGE_NUMBER_PT)


def _letter_rule_indents(paragraph) -> None:
    """Widen a paragraph to the 170 mm of the 信函 lines, centred on the 210 mm page."""
    side = (210 - LETTER_RULE_MM) / 2
    paragraph.paragraph_format.left_indent = Mm(side - 28)
    paragraph.paragraph_format.right_indent = Mm(side - (210 - 28 - TEXT_WIDTH_MM))


def text_para(doc, text: str, *, font=FONT_BODY, indent_chars: float = 2, align=WD_ALIGN_PARAGRAPH.JUSTIFY):
    paragraph = doc.add_paragraph()
    paragraph.alignment = align
    if indent_chars:
        indent(paragraph, indent_chars)
    if text:
        add_run(paragraph, text, font, BODY_PT)
    return paragraph


def indent(paragraph, chars: float, *, side: str = "firstLine", pitch_pt: float = CHAR_PITCH_PT) -> None:
    """Indent in characters (w:…Chars) with a twip fallback for readers that ignore it."""
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn(f"w:{side}"), str(round(chars * pitch_pt * 20)))
    if pitch_pt == CHAR_PITCH_PT:  # Word counts w:…Chars in body characters; other sizes use twips only
        ind.set(qn(f"w:{side}Chars"), str(round(chars * 100)))


def blank(doc, lines: int = 1) -> list:
    return [doc.add_paragraph() for _ in range(lines)]  # empty lines on the 28.95 pt pitch


def add_masthead(doc, issuer: str, doc_number: str | None, title: list[str], kind: str) -> None:
    if kind == "letter":
        _letter_masthead(doc, issuer, doc_number)
    else:
        _document_masthead(doc, issuer, doc_number)
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = True
    for n, line in enumerate(title):
        if n:
            add_break(paragraph)
        add_run(paragraph, line, FONT_TITLE, TITLE_PT)
    blank(doc)


def _issuer_pt(text: str, width_mm: float) -> int:
    """As large as fits on one line with room to spare (Latin letters vary by font), at most 36 pt (小初)."""
    return min(36, int(0.92 * width_mm / 25.4 * 72 / max(text_width(text), 1)))


def _letter_masthead(doc, issuer: str, doc_number: str | None) -> None:
    """§10.1: 标志 in the first-page header, the double line (thick over thin) 4 mm under it,
    the lower double line (thin over thick) in the first-page footer, 发文字号 right under the line."""
    section = doc.sections[0]
    head = section.first_page_header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    size = _issuer_pt(issuer, TEXT_WIDTH_MM)
    head.paragraph_format.line_spacing = Pt(size * 1.2)
    _letter_rule_indents(head)
    add_run(head, issuer, FONT_TITLE, size, color=RED)
    border(head, "bottom", color="FF0000", size_eighths=24, space_pt=11, style="thickThinSmallGap")

    foot = section.first_page_footer.paragraphs[0]
    foot.paragraph_format.line_spacing = Pt(2)
    _letter_rule_indents(foot)
    # A top border's "thickThin" draws thin above thick (the rendering test checks it): 上细下粗.
    border(foot, "top", color="FF0000", size_eighths=24, space_pt=0, style="thickThinSmallGap")

    if doc_number:
        text_para(doc, doc_number, indent_chars=0, align=WD_ALIGN_PARAGRAPH.RIGHT)
    blank(doc, 1)  # §10.1: the title stands two lines below the element above it


def _document_masthead(doc, issuer: str, doc_number: str | None) -> None:
    """§7.2: "……文件" 35 mm below the top of the text block, 发文字号 two lines under it, red rule 4 mm below."""
    mark = issuer + "文件"
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    size = _issuer_pt(mark, TEXT_WIDTH_MM)
    paragraph.paragraph_format.line_spacing = Pt(size * 1.2)
    paragraph.paragraph_format.space_before = Mm(35)
    add_run(paragraph, mark, FONT_TITLE, size, color=RED)
    ruled = paragraph
    if doc_number:
        blank(doc, 2)
        ruled = text_para(doc, doc_number, indent_chars=0, align=WD_ALIGN_PARAGRAPH.CENTER)
    border(ruled, "bottom", color="FF0000", size_eighths=12, space_pt=11)
    blank(doc, 2)


def add_table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Width by longest entry: 序号 stays narrow, dates do not wrap; the cap stops one column starving the rest.
    grid = [header, *rows]
    weights = [min(max(text_width(str(v)) for v in col), 20) + 1.5 for col in zip(*grid, strict=True)]
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
            add_run(paragraph, str(value), FONT_BODY, TABLE_PT, bold=r == 0)


def add_closing(doc, signature: str, when: str, note: str | None) -> None:
    """署名 centred over the 成文日期, which stands four characters from the right (§7.3.5).

    When the signature is longer than the date it keeps two characters from the
    right instead, and the date is centred under it.  The last body paragraph is kept
    with the block, so signature and date never open a page of their own.
    """
    _keep_last_block_with_next(doc)
    sig_w, date_w = text_width(signature), text_width(when)
    sig_right, date_right = 4 + (date_w - sig_w) / 2, 4
    if sig_right < 2:
        sig_right, date_right = 2, 2 + (sig_w - date_w) / 2
    (space,) = blank(doc)  # 9704 leaves a line; the seal is stamped over 署名 and date
    space.paragraph_format.keep_with_next = True
    for text, right in ((signature, sig_right), (when, date_right)):
        paragraph = text_para(doc, text, indent_chars=0, align=WD_ALIGN_PARAGRAPH.RIGHT)
        indent(paragraph, right, side="right")
        paragraph.paragraph_format.keep_with_next = True
    if note:  # §7.3.6: 附注 in brackets, two characters in, on the line under the date
        text_para(doc, f"（{note}）", indent_chars=2)
    doc.paragraphs[-1].paragraph_format.keep_with_next = False


def _keep_last_block_with_next(doc) -> None:
    """The last paragraph, or every paragraph of the last table row, keeps with what follows."""
    body = doc.element.body
    last = [el for el in body if el.tag in (qn("w:p"), qn("w:tbl"))][-1]
    paragraphs = last.findall(qn("w:tr"))[-1].iter(qn("w:p")) if last.tag == qn("w:tbl") else [last]
    for p in paragraphs:
        p.get_or_add_pPr().get_or_add_keepNext()


def _imprint_para(box, text: str = ""):
    p = OxmlElement("w:p")
    box.append(p)
    paragraph = Paragraph(p, None)
    paragraph.paragraph_format.line_spacing = Pt(IMPRINT_PITCH_PT)
    indent(paragraph, 4, side="left", pitch_pt=IMPRINT_PT)  # one character in on both sides; a wrapped
    indent(paragraph, 3, side="hanging", pitch_pt=IMPRINT_PT)  # 抄送 line starts under the first name
    indent(paragraph, 1, side="right", pitch_pt=IMPRINT_PT)
    if text:
        add_run(paragraph, text, FONT_BODY, IMPRINT_PT)
    return paragraph


def _cc_lines(cc_text: str) -> int:
    """Lines the 抄送 takes: names run in the width after "抄送：" (a 4 % margin for wider fonts)."""
    names = (TEXT_WIDTH_MM / 25.4 * 72 - 5 * IMPRINT_PT) / IMPRINT_PT
    return max(1, math.ceil(text_width(cc_text[3:]) * 1.04 / names))


def _box(doc, lines: int):
    """The 版记 box at the foot of the page, anchored in a spacer paragraph as tall as the box.

    The spacer is kept with the closing block (keep-with-next from the last body line
    on), so if the block and the 版记 do not both fit, they move to the next page
    together with the end of the body; the box then covers only the spacer or the
    empty space below it, never text.
    """
    height = lines * IMPRINT_PITCH_PT + 6
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    spacer = doc.add_paragraph()
    spacer.paragraph_format.line_spacing = Pt(height)
    return bottom_box(spacer, width_pt=TEXT_WIDTH_MM / 25.4 * 72, height_pt=height, name="版记")


def add_letter_imprint(doc, cc: str) -> None:
    """§10.1: a 信函's 版记 has no 印发 line and no rules, at the foot of the last page."""
    text = f"抄送：{cc.rstrip('。')}。"
    _imprint_para(_box(doc, _cc_lines(text)), text)


def add_document_imprint(doc, cc: str | None, printer: str, when: str) -> None:
    """§7.4: thick rule, 抄送, thin rule, 印发机关 … 印发日期, thick rule, all 156 mm wide."""
    thick, thin = 8, 6  # 0.35 mm and 0.25 mm, in eighths of a point
    text = f"抄送：{cc.rstrip('。')}。" if cc else ""
    box = _box(doc, (_cc_lines(text) if cc else 0) + 1)
    if cc:
        border(_imprint_para(box, text), "top", color="000000", size_eighths=thick, space_pt=1)
    printed = _imprint_para(box, printer)
    right_tab(printed, TEXT_WIDTH_TWIPS - IMPRINT_PT * 20)
    add_run(printed, f"\t{when}印发", FONT_BODY, IMPRINT_PT)
    border(printed, "top", color="000000", size_eighths=thin if cc else thick, space_pt=1)
    border(printed, "bottom", color="000000", size_eighths=thick, space_pt=1)
