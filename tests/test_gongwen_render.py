"""The letters rendered by LibreOffice: what ends up on the page (22 × 28 grid, repeated
table headers, the closing block never alone, the 信函 lines in their order).
Split from ``test_gongwen.py``, which checks the .docx itself."""
from __future__ import annotations

import re
import subprocess

import pytest

from tests.tools import require_program
from tracker.documents.gongwen import (
    LINES_PER_PAGE,
    Heading,
    Para,
    Table,
    render_letter,
)

from .test_gongwen import ISSUER, TITLE, make_letter


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
        # §10.1: a 信函 has no page number on page 1.
        assert (f"—{page}—" in lines) == (page > 1), page
    assert "2026年12月31日" in pdf_text(pdf, 1)  # the date column is wide enough not to wrap


def soffice_many(documents: dict[str, bytes], tmp_path) -> dict[str, object]:
    """Convert several .docx in one LibreOffice start; returns each PDF's path by name."""
    soffice = require_program("soffice", "libreoffice", install="apt-get install libreoffice-writer-nogui")
    require_program("pdftotext", install="apt-get install poppler-utils")
    for name, data in documents.items():
        (tmp_path / f"{name}.docx").write_bytes(data)
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), *(str(tmp_path / f"{name}.docx") for name in documents)],
        check=True, timeout=600, capture_output=True,
    )
    return {name: tmp_path / f"{name}.pdf" for name in documents}


def closing_only_pages(pdf, when: str = "2026年11月22日", signature: str = ISSUER) -> list[int]:
    """Pages with nothing of the body: only 署名, 成文日期, 附注, 版记 and the page number."""
    pages = []
    for page in range(1, pdf_pages(pdf) + 1):
        lines = pdf_text(pdf, page)
        imprint_at = next((i for i, line in enumerate(lines) if line.startswith("抄送：") or "印发" in line),
                          len(lines))
        rest = [line for line in lines[:imprint_at] if line not in (signature, when)
                and not line.startswith("（联系人") and not re.fullmatch(r"—\d+—", line)]
        if not rest:
            pages.append(page)
    return pages


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["letter", "document"])
def test_signature_and_date_always_share_a_page_with_body_text(kind, tmp_path):
    """Wherever the body ends on a page, the closing block never opens a page of its own and
    the 版记 stays at the foot of the last page (a round-2 通报 used to end on a page with
    only signature, date and 抄送)."""
    cc = "区人民政府办公室、区财政局、区人力资源和社会保障局、区发展和改革局、区住房和城乡建设局"
    letters = {}
    for n in range(8, 34):  # moves the end of the body through every line of page 1 and 2
        blocks = [Para(f"第{i:02d}段正文。") for i in range(1, n + 1)]
        letters[f"{kind}{n}"] = render_letter(make_letter(blocks=blocks, kind=kind, cc=cc,
                                                          note="联系人：李秀兰，联系电话：12345678"))
    pdfs = soffice_many(letters, tmp_path)
    for name, pdf in pdfs.items():
        pages = pdf_pages(pdf)
        assert closing_only_pages(pdf) == [], name
        first, last = pdf_text(pdf, 1), pdf_text(pdf, pages)
        assert "X人常办函〔2026〕12号" in first, name
        assert any(line.startswith("抄送：区人民政府办公室") for line in last), name
        assert ("2026年11月22日印发" in last) == (kind == "document"), name
        assert "（联系人：李秀兰，联系电话：12345678）" in last, name
        # The 版记 is the last thing on the page: only the page number may follow it.
        tail = [line for line in last if not re.fullmatch(r"—\d+—", line)]
        assert tail[-1].endswith("印发" if kind == "document" else "城乡建设局。"), (name, tail[-3:])


def red_runs_at(pdf, page: int, x_mm: float, dpi: int = 150) -> list[tuple[float, int]]:
    """Red stretches down one pixel column of a rendered page: (top in mm, height in pixels)."""
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
                         check=True, capture_output=True, timeout=60).stdout  # binary PPM (P6)
    fields, rest = out.split(maxsplit=4)[:4], out.split(maxsplit=4)[4]
    width, height = int(fields[1]), int(fields[2])
    x = round(x_mm / 25.4 * dpi)
    runs, start = [], None
    for y in range(height):
        r, g, b = rest[(y * width + x) * 3:(y * width + x) * 3 + 3]
        red = r > 180 and g < 100 and b < 100
        if red and start is None:
            start = y
        elif not red and start is not None:
            runs.append((start / dpi * 25.4, y - start))
            start = None
    return runs


@pytest.mark.slow
def test_libreoffice_draws_the_letter_lines_thick_over_thin_and_thin_over_thick(tmp_path):
    """§10.1: the upper double line is 上粗下细, the lower one 上细下粗, 170 mm long (20–190 mm)."""
    pdf = soffice_many({"letter": render_letter(make_letter())}, tmp_path)["letter"]
    require_program("pdftoppm", install="apt-get install poppler-utils")
    for x_mm in (22, 188):  # inside the lines' ends, outside the 发文机关标志
        (upper_top, upper_bottom, lower_top, lower_bottom) = red_runs_at(pdf, 1, x_mm)
        assert upper_top[1] > upper_bottom[1] and lower_top[1] < lower_bottom[1]
        assert 40 < upper_top[0] < 50  # 4 mm under a 标志 whose top is 30 mm from the edge
        assert 270 < lower_top[0] < 280  # about 20 mm above the bottom edge
    assert red_runs_at(pdf, 1, 18) == []  # the lines stop at 20 mm
