"""The 台账 (ledger) as an Excel file: a streaming writer and a guarded reader.

Staff keep the ledger by hand in Excel today, so the export must look like a
sheet they would have made themselves (bold header, frozen, filterable, real
dates) and the import must survive whatever file they upload.

The writer uses openpyxl's write-only mode: rows go straight to a temporary
XML stream and strings are written inline (no shared-string table), so memory
stays flat however many items the district has.  The reader refuses a file
before openpyxl opens it if the zip would inflate to more than a set size,
because openpyxl itself will happily decompress a zip bomb into memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import date
from typing import IO, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .zipcheck import NotAZip, ZipBomb, inspect_zip

__all__ = ["Column", "LedgerFileError", "read_sheet", "write_sheet"]

ColumnKind = Literal["text", "date", "int", "wraptext"]

# XML 1.0 forbids C0 controls other than tab/LF/CR, lone surrogates and
# U+FFFE/U+FFFF; openpyxl raises IllegalCharacterError on some of these and
# writes a corrupt file for the rest.  User text pasted from Word carries them.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# A cell starting with one of these is taken as a formula by Excel when the
# user edits it (or by openpyxl immediately for "="), so user text such as
# "=HYPERLINK(...)" could become a live link or DDE call in a staff member's
# Excel.  Such cells are forced to string type with the quote-prefix style, as
# is text like "#N/A" that openpyxl would otherwise store as an error value.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_EXCEL_MAX_TEXT = 32767  # Excel's limit on characters in one cell



@dataclass(frozen=True)
class Column:
    """One ledger column: Chinese header, width in Excel character units, kind."""

    header: str
    width: float
    kind: ColumnKind = "text"


class LedgerFileError(ValueError):
    """An uploaded ledger that cannot or should not be read; the message is shown to the user."""


def clean_text(value: str) -> str:
    """Make user text storable in a cell: drop XML-illegal characters, cap the length."""
    return _ILLEGAL_XML.sub("", value)[:_EXCEL_MAX_TEXT]


def write_sheet(
    fileobj: IO[bytes],
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    *,
    sheet_title: str = "台账",
) -> None:
    """Stream a ledger to ``fileobj``; ``rows`` may be a generator over a query.

    ``title`` becomes the workbook's document title (shown in Excel's file
    properties), not a row, so that row 1 is the header and the autofilter and
    frozen pane work without adjustment.  The row count is only known at the
    end; write-only mode emits ``<autoFilter>`` after ``<sheetData>``, so the
    filter range is set after the last row without buffering anything.
    Each row is matched to ``columns`` by position; extra values are dropped.
    """
    wb = Workbook(write_only=True)
    wb.properties.title = clean_text(title)
    ws = wb.create_sheet(title=_sheet_name(sheet_title))

    for index, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"

    ws.append([_header_cell(ws, column.header) for column in columns])
    styles = _styles(ws)

    count = 0
    for row in rows:
        ws.append([_body_cell(ws, value, column.kind, styles) for value, column in zip(row, columns, strict=False)])
        count += 1

    last = get_column_letter(max(len(columns), 1))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    wb.save(fileobj)


def _sheet_name(name: str) -> str:
    """Excel rejects sheet names over 31 characters or containing []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "", clean_text(name))[:31] or "台账"


def _header_cell(ws, header: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=clean_text(header))
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="D9D9D9")
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return cell


def _style_template(ws, *, number_format=None, wrap=False, quote=False):
    """A cell whose resolved style array is copied into body cells.

    Assigning Font/Alignment objects to 360,000 cells means 360,000 lookups in
    the workbook's style tables; copying one small array is much cheaper.
    """
    cell = WriteOnlyCell(ws)
    if number_format:
        cell.number_format = number_format
    if wrap or quote:
        cell.alignment = Alignment(wrap_text=wrap, vertical="top")
    if quote:
        cell.quotePrefix = True
    return cell._style


def _styles(ws) -> dict[str, object]:
    return {
        "date": _style_template(ws, number_format="yyyy-mm-dd"),
        "wraptext": _style_template(ws, wrap=True),
        "quoted": _style_template(ws, quote=True),
        "wraptext_quoted": _style_template(ws, wrap=True, quote=True),
    }


def _styled(ws, style) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    cell._style = copy(style)
    return cell


def _body_cell(ws, value, kind: ColumnKind, styles: dict):
    """Turn one value into what ``ws.append`` takes; unstyled values stay bare for speed."""
    if value is None:
        return None
    if isinstance(value, date):  # datetime included; any column shows it as a date
        cell = WriteOnlyCell(ws, value=value)
        cell._style = copy(styles["date"])
        return cell
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    text = clean_text(value if isinstance(value, str) else str(value))
    wrap = kind == "wraptext"
    if text.startswith(_FORMULA_TRIGGERS) or text in ERROR_CODES:
        cell = _styled(ws, styles["wraptext_quoted" if wrap else "quoted"])
        cell._value = text  # bypass openpyxl's "starts with = means formula" inference
        cell.data_type = "s"
        return cell
    if not wrap:
        return text
    cell = _styled(ws, styles["wraptext"])
    cell.value = text
    return cell


def read_sheet(
    fileobj: IO[bytes],
    *,
    max_rows: int = 5000,
    max_uncompressed_bytes: int = 50 * 1024 * 1024,
    max_columns: int = 200,
) -> tuple[list[str], list[tuple[int, list]]]:
    """Read an uploaded ledger's first sheet.

    Returns the header (first non-empty row, cells as stripped strings) and
    ``(excel_row_number, values)`` for each later non-empty row, values padded
    with None to the header's width.  The Excel row number is kept so an
    import can say "第 12 行：……" about the row the user sees.  ``fileobj``
    must be seekable (a Flask upload is).
    """
    _check_zip(fileobj, max_uncompressed_bytes)
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a dozen types for a broken file
        raise LedgerFileError("不是有效的 .xlsx 文件") from exc
    try:
        return _read_rows(wb.worksheets[0], max_rows, max_columns)
    except LedgerFileError:
        raise
    except Exception as exc:
        raise LedgerFileError("不是有效的 .xlsx 文件") from exc
    finally:
        wb.close()


def _check_zip(fileobj: IO[bytes], limit: int) -> None:
    try:
        inspect_zip(fileobj, limit)
    except NotAZip as exc:
        raise LedgerFileError("不是有效的 .xlsx 文件") from exc
    except ZipBomb as exc:
        raise LedgerFileError("文件解压后过大，疑似压缩炸弹") from exc


def _read_rows(ws, max_rows: int, max_columns: int):
    # The <dimension> element is written by whoever made the file and may claim
    # XFD1048576; trusting it would pad every row to 16,384 cells.
    ws.reset_dimensions()
    header: list[str] | None = None
    rows: list[tuple[int, list]] = []
    for number, row in enumerate(ws.iter_rows(values_only=True), 1):
        values = list(row)
        while values and _is_blank(values[-1]):
            values.pop()
        if not values:
            continue
        if len(values) > max_columns:
            raise LedgerFileError(f"第 {number} 行超过 {max_columns} 列，请检查文件")
        if header is None:
            header = ["" if v is None else str(v).strip() for v in values]
            continue
        if len(rows) >= max_rows:
            raise LedgerFileError(f"数据超过 {max_rows} 行，请分批导入")
        values += [None] * (len(header) - len(values))
        rows.append((number, values))
    return header or [], rows


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
