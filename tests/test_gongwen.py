"""The 公文 generator: layout read back with python-docx, and a LibreOffice PDF round trip."""

import datetime as dt
import io
import re
import subprocess

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from tests.tools import require_program
from tracker.documents.gongwen import (
    CHARS_PER_LINE,
    LINES_PER_PAGE,
    Heading,
    Letter,
    Para,
    Table,
    chinese_numeral,
    format_date,
    render_letter,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ISSUER = "XX区人大常委会办公室"
TITLE = "关于交办义务教育优质均衡发展审议意见的函"


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
    footers = [doc.sections[0].footer, doc.sections[0].even_page_footer]
    runs = [*doc.element.body.iter(qn("w:r"))] + [r for f in footers for r in f._element.iter(qn("w:r"))]
    chinese = [r for r in runs if CJK.search("".join(t.text or "" for t in r.iter(qn("w:t"))))]
    assert len(chinese) >= 12
    for r in chinese:
        fonts = r.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in allowed
        assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:eastAsia"))
        assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would override eastAsia

    expected = {
        ISSUER: "方正小标宋简体", TITLE: "方正小标宋简体", "区教育局：": "仿宋_GB2312",
        "一、交办事项": "黑体", "（一）加快学校建设": "楷体_GB2312", "2026年11月22日": "仿宋_GB2312",
    }
    for text, font in expected.items():
        paragraph = next(p for p in doc.paragraphs if p.text == text)
        assert [east_asian_font(r) for r in paragraph.runs] == [font], text


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


def test_masthead_title_and_body_sizes():
    doc = open_docx(make_letter())
    issuer = doc.paragraphs[0]
    assert issuer.text == ISSUER
    assert issuer.runs[0].font.color.rgb == (0xFF, 0x00, 0x00)
    number = paragraph_with(doc, "X人常办函〔2026〕12号")
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "FF0000"

    title = paragraph_with(doc, TITLE)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22)
    texts = [p.text for p in doc.paragraphs]
    assert texts.index(TITLE) > texts.index(number.text)

    body = paragraph_with(doc, "根据区人大常委会年度监督工作计划，现将审议意见交办你单位。")
    assert body.runs[0].font.size == Pt(16)
    assert body._p.pPr.ind.get(qn("w:firstLineChars")) == "200"
    assert abs(body.paragraph_format.first_line_indent.pt - 2 * 442.2 / CHARS_PER_LINE) < 0.2


def test_without_doc_number_the_red_rule_goes_under_the_issuer():
    doc = open_docx(make_letter(doc_number=None))
    issuer = doc.paragraphs[0]
    assert issuer.text == ISSUER
    assert issuer._p.pPr.find(qn("w:pBdr")) is not None
    assert not any("〔" in p.text for p in doc.paragraphs)


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


def test_cc_line_has_rules_above_and_below():
    doc = open_docx(make_letter())
    cc = paragraph_with(doc, "抄送：区人民政府办公室。")
    borders = cc._p.pPr.find(qn("w:pBdr"))
    assert borders.find(qn("w:top")) is not None and borders.find(qn("w:bottom")) is not None
    assert cc.runs[0].font.size == Pt(14)
    assert not any(p.text.startswith("抄送") for p in open_docx(make_letter(cc=None)).paragraphs)


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


def soffice_to_pdf(docx_bytes: bytes, tmp_path) -> bytes:
    soffice = require_program("soffice", "libreoffice", install="apt-get install libreoffice-writer-nogui")
    require_program("pdftotext", install="apt-get install poppler-utils")
    require_program("pdfinfo", install="apt-get install poppler-utils")
    source = tmp_path / "letter.docx"
    source.write_bytes(docx_bytes)
    profile = (tmp_path / "lo-profile").as_uri()  # private profile: parallel runs do not clash
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, timeout=180, capture_output=True,
    )
    return (tmp_path / "letter.pdf").read_bytes()


def pdf_pages(pdf_path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf_path)], check=True, capture_output=True, text=True, timeout=60)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def pdf_text(pdf_path, page: int) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf_path), "-"],
        check=True, capture_output=True, text=True, timeout=60,
    )
    # pdftotext puts spaces around Latin runs ("2026 年"); they are not in the document.
    return ["".join(line.split()) for line in out.stdout.splitlines() if line.strip()]


@pytest.mark.slow
def test_libreoffice_renders_22_lines_of_28_characters(tmp_path):
    one_line_paras = [Para(f"第{i:02d}段。") for i in range(1, 41)]
    # 26 characters after the 2-character indent, then a full line of 28.
    long_para = Para("甲乙丙丁戊己庚辛壬癸" * 5 + "子丑寅卯")
    letter = make_letter(blocks=[long_para, Heading("交办事项"), *one_line_paras], cc=None)
    soffice_to_pdf(render_letter(letter), tmp_path)
    pdf = tmp_path / "letter.pdf"

    assert pdf_pages(pdf) == 3
    first = pdf_text(pdf, 1)
    assert first[:2] == [ISSUER, "X人常办函〔2026〕12号"]
    assert TITLE in "".join(first)
    assert "区教育局：" in first
    start = first.index("区教育局：") + 1
    assert first[start:start + 3] == [long_para.text[:26], long_para.text[26:54], "一、交办事项"]

    # Page 2 holds nothing but one-line paragraphs, so it shows the line count exactly.
    second = pdf_text(pdf, 2)
    body = [line for line in second if line.startswith("第")]
    assert len(body) == LINES_PER_PAGE
    assert second[-1] == "—2—"
    assert pdf_text(pdf, 3)[-3:] == [ISSUER, "2026年11月22日", "—3—"]


@pytest.mark.slow
def test_libreoffice_repeats_the_table_header_on_every_page(tmp_path):
    rows = [[str(i), f"第{i}项审议意见的办理", "区教育局", "2026年12月31日"] for i in range(1, 61)]
    letter = make_letter(blocks=[Table(["序号", "事项", "承办单位", "办理时限"], rows)])
    soffice_to_pdf(render_letter(letter), tmp_path)
    pdf = tmp_path / "letter.pdf"

    pages = pdf_pages(pdf)
    assert pages >= 3
    for page in range(1, pages + 1):
        lines = pdf_text(pdf, page)
        assert "序号" in lines, page
        assert f"—{page}—" in lines
    assert "2026年12月31日" in pdf_text(pdf, 1)  # the date column is wide enough not to wrap
