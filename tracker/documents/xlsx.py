"""The 台账 (ledger) as an Excel file: shared column definitions and a guarded reader.

Staff keep the ledger by hand in Excel today, so the export must look like a
sheet they would have made themselves (bold header, frozen, filterable, real
dates; written by ``xlsx_writer``) and the import must survive whatever file they
upload.  The reader refuses a file
before openpyxl opens it if the zip would inflate to more than a set size,
because openpyxl itself will happily decompress a zip bomb into memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Literal

from openpyxl import load_workbook

from .zipcheck import NotAZip, ZipBomb, inspect_zip

__all__ = ["Column", "LedgerFileError", "clean_text", "read_sheet"]

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
