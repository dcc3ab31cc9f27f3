"""The 公文 generator: layout read back with python-docx, and a LibreOffice PDF round trip."""

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from lxml import etree

from tracker.documents.gongwen import (
    CHARS_PER_LINE,
    LINES_PER_PAGE,
    Heading,
    Letter,
    Para,
    Table,
    chinese_numeral,
    format_date,
    letter_from_dict,
    letter_to_dict,
    render_letter,
    title_lines,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ISSUER = "XX区人大常委会办公室"
TITLE = "关于交办义务教育优质均衡发展审议意见的函"
TITLE_SHOWN = "关于交办义务教育优质均衡发展\n审议意见的函"  # broken where the sense breaks


def make_letter(blocks=None, **overrides) -> Letter:
    default_blocks = [
        Para("根据区人大常委会年度监督工作计划，现将审议意见交办你单位。"),
        Heading("交办事项"),
        Heading("加快学校建设", level=2),
        Heading("充实教师队伍", level=2),
        Table(["序号", "事项", "承办单位"], [["1", "新建学校两所", "区教育局"]]),
        Heading("工作要求"),
        Heading("按时报告", level=2),
    ]
    fields = {
        "issuer": ISSUER, "title": TITLE, "recipient": "区教育局：",
        "blocks": default_blocks if blocks is None else blocks,
        "signature": ISSUER, "date": dt.date(2026, 11, 22),
        "doc_number": "X人常办函〔2026〕12号", "cc": "区人民政府办公室",
    }
    return Letter(**(fields | overrides))


def open_docx(letter: Letter):
    return Document(io.BytesIO(render_letter(letter)))


def paragraph_with(doc, text: str):
    matches = [p for p in doc.paragraphs if p.text == text]
    assert len(matches) == 1, f"expected one paragraph {text!r}, got {[p.text for p in doc.paragraphs]}"
    return matches[0]


def east_asian_font(run) -> str | None:
    fonts = run._r.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_page_is_a4_with_the_9704_text_block():
    section = open_docx(make_letter()).sections[0]
    expected = {
        "page_width": 210, "page_height": 297,
        "top_margin": 37, "bottom_margin": 35, "left_margin": 28, "right_margin": 26,
    }
    for name, mm in expected.items():
        assert abs(getattr(section, name) - Mm(mm)) <= Mm(0.5), name
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"
    # 22 exact lines must fit the 225 mm block, 23 must not.
    assert LINES_PER_PAGE * 28.95 <= Mm(225).pt < (LINES_PER_PAGE + 1) * 28.95


def test_every_chinese_run_names_its_east_asian_font():
    doc = open_docx(make_letter())
    allowed = {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"}
    section = doc.sections[0]
    parts = [section.footer, section.even_page_footer, section.first_page_header]
    runs = [*doc.element.body.iter(qn("w:r"))] + [r for f in parts for r in f._element.iter(qn("w:r"))]
    # A run's own text only: the 版记 box's run holds the box's paragraphs, which are checked themselves.
    chinese = [r for r in runs if CJK.search("".join(t.text or "" for t in r.findall(qn("w:t"))))]
    assert len(chinese) >= 14
    for r in chinese:
        fonts = r.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in allowed
        assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:eastAsia"))
        assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override eastAsia

    expected = {
        TITLE_SHOWN: "方正小标宋简体", "区教育局：": "仿宋_GB2312",
        "一、交办事项": "黑体", "（一）加快学校建设": "楷体_GB2312", "2026年11月22日": "仿宋_GB2312",
    }
    for text, font in expected.items():
        paragraph = next(p for p in doc.paragraphs if p.text == text)
        assert {east_asian_font(r) for r in paragraph.runs if r.text.strip()} == {font}, text
    assert [east_asian_font(r) for r in section.first_page_header.paragraphs[0].runs] == ["方正小标宋简体"]


def test_defaults_are_chinese_fangsong_not_the_japanese_theme_font():
    doc = open_docx(make_letter())
    normal = doc.styles["Normal"]
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.font.size == Pt(16)
    assert normal.paragraph_format.line_spacing == Pt(28.95)
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))[0]
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert doc.settings.element.find(qn("w:themeFontLang")).get(qn("w:eastAsia")) == "zh-CN"


def test_letter_format_masthead_follows_9704_section_10_1():
    doc = open_docx(make_letter())
    section = doc.sections[0]
    assert section.different_first_page_header_footer  # page 1: no page number
    assert abs(section.header_distance - Mm(30)) < Mm(0.5)  # 发文机关标志 30 mm from the top edge
    issuer = section.first_page_header.paragraphs[0]
    assert issuer.text == ISSUER and issuer.runs[0].font.color.rgb == (0xFF, 0x00, 0x00)
    upper = issuer._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (upper.get(qn("w:val")), upper.get(qn("w:color"))) == ("thickThinSmallGap", "FF0000")
    lower_para = section.first_page_footer.paragraphs[0]
    lower = lower_para._p.pPr.find(qn("w:pBdr")).find(qn("w:top"))
    assert lower.get(qn("w:val")) == "thickThinSmallGap"  # on a top border: thin above thick
    assert not list(section.first_page_footer._element.iter(qn("w:instrText")))
    for paragraph in (issuer, lower_para):  # the double lines are 170 mm, centred on the page
        fmt = paragraph.paragraph_format
        assert abs((Mm(156) - fmt.left_indent - fmt.right_indent) - Mm(170)) < Mm(0.5)
        assert abs((Mm(28) + fmt.left_indent) - Mm(20)) < Mm(0.5)

    number = paragraph_with(doc, "X人常办函〔2026〕12号")
    assert number.alignment == WD_ALIGN_PARAGRAPH.RIGHT  # 顶格居版心右边缘, under the upper line
    assert doc.paragraphs[0].text == number.text
    title = paragraph_with(doc, TITLE_SHOWN)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22)
    body = paragraph_with(doc, "根据区人大常委会年度监督工作计划，现将审议意见交办你单位。")
    assert body.runs[0].font.size == Pt(16)
    assert body._p.pPr.ind.get(qn("w:firstLineChars")) == "200"
    assert abs(body.paragraph_format.first_line_indent.pt - 2 * 442.2 / CHARS_PER_LINE) < 0.2


def test_document_format_masthead_follows_9704_section_7_2():
    doc = open_docx(make_letter(kind="document", title="关于测评结果的通报"))
    assert not doc.sections[0].different_first_page_header_footer  # every page numbered
    mark = doc.paragraphs[0]
    assert mark.text == ISSUER + "文件"
    assert mark.runs[0].font.color.rgb == (0xFF, 0x00, 0x00)
    assert abs(mark.paragraph_format.space_before - Mm(35)) < Mm(0.5)
    number = paragraph_with(doc, "X人常办函〔2026〕12号")
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "FF0000"
    texts = [p.text for p in doc.paragraphs]
    assert texts[1:3] == ["", ""]  # 发文字号 two lines under the 标志
    assert texts.index("关于测评结果的通报") == texts.index(number.text) + 3  # title two lines under the rule


def test_without_doc_number_the_red_rule_goes_under_the_mark():
    doc = open_docx(make_letter(doc_number=None, kind="document"))
    assert doc.paragraphs[0].text == ISSUER + "文件"
    assert doc.paragraphs[0]._p.pPr.find(qn("w:pBdr")) is not None
    assert not any("〔" in p.text for p in doc.paragraphs)


@pytest.mark.parametrize(("title", "expected"), [
    ("关于交办常委会第25次会议专题询问问题的函", ["关于交办常委会第25次会议", "专题询问问题的函"]),
    ("关于督促办理常委会第25次会议第3项询问问题的函", ["关于督促办理常委会第25次会议", "第3项询问问题的函"]),
    ("关于常委会第25次会议第3项询问问题整改情况满意度测评结果的通报",
     ["关于常委会第25次会议第3项询问问题", "整改情况满意度测评结果的通报"]),
    ("关于测评结果的通报", ["关于测评结果的通报"]),
])
def test_titles_break_where_the_sense_breaks(title, expected):
    assert title_lines(title) == expected


def test_a_title_never_leaves_a_short_last_line():
    for n in range(18, 60):
        title = "关于" + "甲" * (n - 5) + "的函"
        lines = title_lines(title)
        assert "".join(lines) == title
        assert len(lines[-1]) >= 3, lines
        assert all(len(line) <= 19 for line in lines), lines


def test_title_lines_are_line_breaks_in_one_centred_paragraph():
    doc = open_docx(make_letter(title="关于交办常委会第25次会议专题询问问题的函"))
    title = paragraph_with(doc, "关于交办常委会第25次会议\n专题询问问题的函")
    assert len(title._p.findall(".//" + qn("w:br"))) == 1


def test_control_characters_do_not_break_a_letter():
    bad = "整改\x00完成\x0b情况\ufffe报告\uffff\x1f"
    doc = open_docx(make_letter(blocks=[Para(bad), Table(["序号", "事项"], [["1", bad]])],
                                recipient="区教育局\x07：", cc="区财政局\x01"))
    assert "整改完成情况报告" in [p.text for p in doc.paragraphs]
    assert doc.tables[0].rows[1].cells[1].text == "整改完成情况报告"
    assert paragraph_with(doc, "区教育局：")


def test_font_table_declares_the_fallbacks_and_properties_name_the_office():
    data = render_letter(make_letter())
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        fonts = etree.fromstring(package.read("word/fontTable.xml"))
    w = fonts.nsmap["w"]
    alt = {f.get(f"{{{w}}}name"): f.find(f"{{{w}}}altName").get(f"{{{w}}}val")
           for f in fonts.findall(f"{{{w}}}font") if f.find(f"{{{w}}}altName") is not None}
    assert alt["仿宋_GB2312"] == "仿宋" and alt["楷体_GB2312"] == "楷体" and alt["方正小标宋简体"] == "宋体"
    assert {"仿宋", "楷体", "宋体", "黑体"} <= {f.get(f"{{{w}}}name") for f in fonts.findall(f"{{{w}}}font")}
    props = Document(io.BytesIO(data)).core_properties
    assert props.author == ISSUER and props.title == TITLE
    assert props.created.date() == dt.date(2026, 11, 22)


def test_letter_round_trips_through_the_register_json():
    letter = make_letter(note="联系人：李秀兰", kind="document")
    again = letter_from_dict(json.loads(json.dumps(letter_to_dict(letter))))
    assert again == letter
    # The note, then the spacer the 版记 box stands on.
    assert Document(io.BytesIO(render_letter(again))).paragraphs[-2].text == "（联系人：李秀兰）"


def test_headings_are_numbered_and_level_two_restarts():
    texts = [p.text for p in open_docx(make_letter()).paragraphs]
    numbered = [t for t in texts if re.match(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)", t)]
    assert numbered == ["一、交办事项", "（一）加快学校建设", "（二）充实教师队伍", "二、工作要求", "（一）按时报告"]


@pytest.mark.parametrize(
    ("n", "expected"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (23, "二十三"), (99, "九十九")]
)
def test_chinese_numeral(n, expected):
    assert chinese_numeral(n) == expected


def test_chinese_numeral_rejects_out_of_range():
    for n in (0, 100):
        with pytest.raises(ValueError):
            chinese_numeral(n)


def test_unknown_blocks_and_heading_levels_are_refused():
    with pytest.raises(ValueError):
        render_letter(make_letter(blocks=[Heading("三级标题", level=3)]))
    with pytest.raises(ValueError):
        render_letter(make_letter(blocks=["裸字符串"]))


def test_date_uses_arabic_numerals_without_leading_zeros():
    assert format_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    doc = open_docx(make_letter())
    date = paragraph_with(doc, "2026年11月22日")
    assert date.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date._p.pPr.ind.get(qn("w:rightChars")) == "400"  # 成文日期右空四字
    texts = [p.text for p in doc.paragraphs]
    assert texts[texts.index(date.text) - 1] == ISSUER  # 署名 directly above the date
    signature = doc.paragraphs[texts.index(date.text) - 1]
    assert signature.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # Centred over the date: "XX" counts half a cell each, so 4 + (7 - 10) / 2 characters.
    assert signature._p.pPr.ind.get(qn("w:rightChars")) == "250"
    # A signature much longer than the date keeps two characters from the right; the date centres under it.
    long_sig = open_docx(make_letter(signature="XX区人民代表大会常务委员会办公室"))
    sig = paragraph_with(long_sig, "XX区人民代表大会常务委员会办公室")
    assert sig._p.pPr.ind.get(qn("w:rightChars")) == "200"
    assert paragraph_with(long_sig, "2026年11月22日")._p.pPr.ind.get(qn("w:rightChars")) == "650"  # 2 + (16 - 7) / 2


def imprint(doc) -> list:
    """The paragraphs of the 版记 box (a text box at the foot of the last page)."""
    return [Paragraph(p, None) for box in doc.element.body.iter(qn("w:txbxContent")) for p in box.iter(qn("w:p"))]


def test_document_imprint_has_cc_and_printer_between_full_width_rules():
    doc = open_docx(make_letter(kind="document"))
    cc, printed = imprint(doc)
    assert cc.text == "抄送：区人民政府办公室。"
    assert printed.text == f"{ISSUER}\t2026年11月22日印发"
    assert cc.runs[0].font.size == Pt(14)
    # Wrapped 抄送 lines align after "抄送：": left 4 characters, the first line hanging 3, right 1 (14 pt each).
    ind = cc._p.pPr.find(qn("w:ind"))
    assert (int(ind.get(qn("w:left"))), int(ind.get(qn("w:hanging"))), int(ind.get(qn("w:right")))) == (1120, 840, 280)
    assert cc._p.pPr.find(qn("w:pBdr")).find(qn("w:top")).get(qn("w:sz")) == "8"  # first rule thick
    assert printed._p.pPr.find(qn("w:pBdr")).find(qn("w:top")).get(qn("w:sz")) == "6"  # middle rule thin
    assert printed._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:sz")) == "8"  # last rule thick
    box = next(doc.element.body.iter(qn("wp:anchor")))
    assert box.find(qn("wp:positionV")).find(qn("wp:align")).text == "bottom"  # at the foot of the page
    assert int(box.find(qn("wp:extent")).get("cx")) == round(Mm(156) / 12700 * 12700)  # as wide as the text
    # The box floats over a spacer as tall as itself, kept with the closing block, so it never covers text.
    assert box.find(qn("wp:wrapNone")) is not None
    spacer = next(p for p in doc.element.body.iter(qn("w:p")) if box in p.iter(qn("wp:anchor")))
    height = int(box.find(qn("wp:extent")).get("cy")) / 12700
    assert abs(Paragraph(spacer, None).paragraph_format.line_spacing.pt - height) < 0.1
    date = paragraph_with(doc, "2026年11月22日")
    assert date.paragraph_format.keep_with_next and date._p.getnext() is spacer


def test_letter_imprint_is_cc_only_without_rules():
    doc = open_docx(make_letter())
    (cc,) = imprint(doc)
    assert cc.text == "抄送：区人民政府办公室。"
    assert cc._p.pPr.find(qn("w:pBdr")) is None  # §10.1: no 印发 line, no rules
    assert imprint(open_docx(make_letter(cc=None))) == []
    assert [p.text for p in imprint(open_docx(make_letter(cc=None, kind="document")))] == [
        f"{ISSUER}\t2026年11月22日印发"]


def test_note_stands_in_brackets_under_the_date():
    doc = open_docx(make_letter(note="联系人：李秀兰，联系电话：12345678"))
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("（联系人：李秀兰，联系电话：12345678）") == texts.index("2026年11月22日") + 1
    note = doc.paragraphs[texts.index("（联系人：李秀兰，联系电话：12345678）")]
    assert note._p.pPr.ind.get(qn("w:firstLineChars")) == "200"


def test_closing_block_keeps_with_the_last_body_line():
    doc = open_docx(make_letter(blocks=[Para("第一段。"), Para("最后一段。")]))
    texts = [p.text for p in doc.paragraphs]
    chain = doc.paragraphs[texts.index("最后一段。"):texts.index("2026年11月22日")]
    assert len(chain) == 3 and all(p.paragraph_format.keep_with_next for p in chain)
    assert not paragraph_with(doc, "第一段。").paragraph_format.keep_with_next
    table_last = open_docx(make_letter(blocks=[Table(["序号"], [["1"], ["2"]])])).tables[0].rows[-1]
    assert table_last.cells[0].paragraphs[0].paragraph_format.keep_with_next


def test_table_has_bold_repeating_header_and_borders():
    table = open_docx(make_letter()).tables[0]
    assert table.style.name == "Table Grid"
    header, row = table.rows
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert row._tr.trPr.find(qn("w:tblHeader")) is None
    assert all(cell.paragraphs[0].runs[0].font.bold for cell in header.cells)
    assert not row.cells[1].paragraphs[0].runs[0].font.bold
    assert row.cells[1].paragraphs[0].runs[0].font.size == Pt(12)
    widths = [cell.width for cell in header.cells]
    assert widths[0] < widths[1]  # 序号 narrower than 事项
    assert abs(sum(widths) - Mm(156)) < Mm(1)


def test_footers_carry_a_page_field_outside_aligned():
    doc = open_docx(make_letter())
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    outside = ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT))
    for footer, align in outside:
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == align
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        xml = paragraph._p
        assert [i.text.strip() for i in xml.iter(qn("w:instrText"))] == ["PAGE"]
        kinds = [c.get(qn("w:fldCharType")) for c in xml.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert {r.font.size for r in paragraph.runs} == {Pt(14)}
        assert {east_asian_font(r) for r in paragraph.runs} == {"宋体"}
