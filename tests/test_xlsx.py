"""The ledger export opens in Excel as staff expect, and the import refuses hostile files."""

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from tracker.documents.xlsx import Column, LedgerFileError, read_sheet
from tracker.documents.xlsx_writer import PrintSetup, write_sheet

COLUMNS = [
    Column("编号", 8, "int"),
    Column("事项名称", 40, "wraptext"),
    Column("牵头单位", 16),
    Column("办理期限", 12, "date"),
    Column("最新进展", 50, "wraptext"),
]


def _export(rows, columns=COLUMNS):
    buf = io.BytesIO()
    write_sheet(buf, "2024年审议意见办理台账", columns, rows)
    buf.seek(0)
    return buf


def _xlsx(rows):
    """An upload as a user's Excel would save it."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_export_has_header_frozen_pane_filter_dates_and_widths():
    rows = [
        (1, "关于优化营商环境的审议意见", "区发改委", date(2024, 6, 30), "已完成"),
        (2, "关于养老服务体系建设的审议意见", "区民政局", None, None),
        (3, "关于河道治理的审议意见", "区水务局", datetime(2024, 9, 1, 15, 30), "推进中"),
    ]
    wb = load_workbook(_export(iter(rows)))
    ws = wb["台账"]

    assert [c.value for c in ws[1]] == ["编号", "事项名称", "牵头单位", "办理期限", "最新进展"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "B2"  # the header and the first column stay in view
    assert ws.auto_filter.ref == "A1:E4"
    assert ws.column_dimensions["B"].width == 40
    assert ws.column_dimensions["D"].width == 12
    assert wb.properties.title == "2024年审议意见办理台账"

    deadline = ws["D2"]
    assert deadline.is_date and deadline.value == datetime(2024, 6, 30)
    assert deadline.number_format.replace("\\", "") == "yyyy-mm-dd"  # Excel escapes the hyphens
    assert ws["D4"].number_format.replace("\\", "") == "yyyy-mm-dd"
    assert ws["A2"].value == 1 and ws["A2"].data_type == "n"
    assert ws["B2"].alignment.wrap_text is True
    assert ws["D3"].value is None and ws["E3"].value is None


def test_export_is_ready_to_print():
    rows = [(1, "关于优化营商环境的审议意见" * 8, "区发改委", date(2024, 6, 30), "已完成\n第二行\n第三行"),
            (2, "短", None, None, None)]
    buf = io.BytesIO()
    setup = PrintSetup(paper="A4", banner="XX区人大常委会督办事项台账（全部事项）", footer_left="XX & YY")
    write_sheet(buf, "台账", COLUMNS, iter(rows), setup=setup)
    buf.seek(0)
    ws = load_workbook(buf).active
    assert ws["A1"].value == "XX区人大常委会督办事项台账（全部事项）" and ws["A1"].font.sz == 14
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:E1"]
    assert [c.value for c in ws[2]] == [c.header for c in COLUMNS]
    assert ws.freeze_panes == "B3" and ws.auto_filter.ref == "A2:E4"
    assert ws.print_title_rows == "$2:$2"  # the header row repeats on every printed page
    setup = ws.page_setup
    assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, "landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页" and ws.oddFooter.left.text == "XX && YY"
    for ref in ("A3", "B3", "C4", "D4", "E4", "A2"):  # every cell bordered, empty ones too
        assert ws[ref].border.left.style == "thin" and ws[ref].border.bottom.style == "thin", ref
    # 104 CJK characters (1.8 units each) in a 40-wide column wrap to 5 lines; three short lines need 3.
    assert ws.row_dimensions[3].height == pytest.approx(5 * 14.3 + 3)
    assert ws.row_dimensions[4].height == pytest.approx(14.3 + 3)
    assert ws["B3"].alignment.wrap_text and ws["B3"].alignment.vertical == "top"


def test_export_of_no_rows_still_has_filterable_header():
    ws = load_workbook(_export([])).active
    assert ws.max_row == 1
    assert ws.auto_filter.ref == "A1:E1"


def test_control_characters_are_stripped_not_fatal():
    rows = [(1, "整改\x00方案\x0b已\x1f报送\ufffe", "区\x07教育局", None, "第一行\n第二行\t结束")]
    ws = load_workbook(_export(rows)).active
    assert ws["B2"].value == "整改方案已报送"
    assert ws["C2"].value == "区教育局"
    assert ws["E2"].value == "第一行\n第二行\t结束"  # tab and newline are legal and kept


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example","点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1+1", "#N/A"],
)
def test_formula_like_text_stays_literal_text(text):
    rows = [(1, text, text, None, None)]
    buf = _export(rows)

    ws = load_workbook(buf).active  # formulas are kept as formulas when data_only=False
    for ref in ("B2", "C2"):
        cell = ws[ref]
        assert cell.value == text
        assert cell.data_type == "s"
        assert cell.quotePrefix is True

    buf.seek(0)
    with zipfile.ZipFile(buf) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_round_trip_through_reader_skips_empty_rows():
    rows = [
        (1, "事项一", "区财政局", date(2024, 3, 1), "进展"),
        (None, None, None, None, None),
        (2, "事项二", "区卫健委", None, None),
    ]
    header, data = read_sheet(_export(rows))
    assert header == [c.header for c in COLUMNS]
    assert [number for number, _ in data] == [2, 4]
    assert data[0][1] == [1, "事项一", "区财政局", datetime(2024, 3, 1), "进展"]
    assert data[1][1] == [2, "事项二", "区卫健委", None, None]


def test_reader_strips_header_and_ignores_blank_cells_and_leading_rows():
    buf = _xlsx([[], [" 事项名称 ", "单位\n", None], ["a", "b"], ["  ", None, "   "], ["c", None, None, None]])
    header, data = read_sheet(buf)
    assert header == ["事项名称", "单位"]
    assert data == [(3, ["a", "b"]), (5, ["c", None])]


def test_reader_rejects_too_many_rows():
    buf = _xlsx([["名称"]] + [[f"事项{i}"] for i in range(11)])
    with pytest.raises(LedgerFileError, match="10"):
        read_sheet(buf, max_rows=10)
    buf.seek(0)
    assert len(read_sheet(buf, max_rows=11)[1]) == 11


def test_reader_rejects_a_zip_bomb_before_inflating_it():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    assert len(buf.getvalue()) < 1024 * 1024  # tiny on disk
    buf.seek(0)
    with pytest.raises(LedgerFileError, match="压缩炸弹"):
        read_sheet(buf)


def test_reader_rejects_high_ratio_member_under_the_total_limit():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (20 * 1024 * 1024))
    buf.seek(0)
    with pytest.raises(LedgerFileError, match="压缩炸弹"):
        read_sheet(buf)


def test_reader_limit_on_total_uncompressed_size():
    buf = _export([(i, "事项" * 50, "单位", None, None) for i in range(200)])
    with pytest.raises(LedgerFileError, match="压缩炸弹"):
        read_sheet(buf, max_uncompressed_bytes=10_000)


@pytest.mark.parametrize(
    "payload",
    [b"", b"name,unit\n1,2\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, b"PK\x03\x04 truncated"],
    ids=["empty", "csv", "legacy-xls", "truncated-zip"],
)
def test_reader_rejects_files_that_are_not_xlsx(payload):
    with pytest.raises(LedgerFileError, match="不是有效的 .xlsx 文件"):
        read_sheet(io.BytesIO(payload))


def test_reader_rejects_a_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("readme.txt", "hello")
    buf.seek(0)
    with pytest.raises(LedgerFileError, match="不是有效的 .xlsx 文件"):
        read_sheet(buf)
