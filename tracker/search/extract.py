"""Reading the text of an uploaded file once, when it is stored, for the search.

PDF: the text layer (pypdf; a scanned PDF has none and says so). DOCX: paragraphs and
tables. XLSX: cell values. Images and the old binary Office formats are stored but not
read. Limits keep one upload from holding a worker: at most ``MAX_PAGES`` pages or sheets'
worth of rows, ``MAX_CHARS`` characters and ``MAX_SECONDS`` seconds (checked between
pages); past a limit the text read so far is kept and the status is "partial". A file
that cannot be parsed is still stored, with status "unreadable".
"""
from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator

log = logging.getLogger("tracker.search")

MAX_CHARS = 200_000
MAX_PAGES = 300
MAX_ROWS = 20_000
MAX_SECONDS = 8.0

STATUS_LABELS = {
    "ok": "已提取文字，可检索", "partial": "文件较大，仅检索了前面部分", "empty": "未发现文字（可能是扫描件）",
    "unreadable": "无法读取文件中的文字（文件已保存）", "none": "图片或旧版 Office 文件，不检索其内容",
}


class _Limit(Exception):
    pass


def _pdf(data: bytes) -> Iterator[str]:
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(data))
    for number, page in enumerate(reader.pages):
        if number >= MAX_PAGES:
            raise _Limit
        yield page.extract_text() or ""


def _docx(data: bytes) -> Iterator[str]:
    import docx
    document = docx.Document(io.BytesIO(data))
    for paragraph in document.paragraphs:
        yield paragraph.text
    for table in document.tables:
        for row in table.rows:
            yield " ".join(cell.text for cell in row.cells)


def _xlsx(data: bytes) -> Iterator[str]:
    from openpyxl import load_workbook
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = 0
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                rows += 1
                if rows > MAX_ROWS:
                    raise _Limit
                yield " ".join(str(v) for v in row if v is not None)
    finally:
        workbook.close()


READERS = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx}


def extract_text(filename: str, data: bytes, max_seconds: float = MAX_SECONDS) -> tuple[str, str]:
    """(text, status) for a file; never raises."""
    ext = filename.rpartition(".")[2].lower() if "." in filename else ""
    reader = READERS.get(ext)
    if reader is None or not data:
        return "", "none"
    parts: list[str] = []
    size = 0
    status = "ok"
    deadline = time.monotonic() + max_seconds
    try:
        for part in reader(data):
            parts.append(part)
            size += len(part) + 1
            if size >= MAX_CHARS or time.monotonic() > deadline:
                raise _Limit
    except _Limit:
        status = "partial"
    except Exception as error:  # noqa: BLE001 - any parser failure means "stored, not read"
        log.info("attachment %s: text not readable (%s)", filename, type(error).__name__)
        return "", "unreadable"
    text = "\n".join(p for p in parts if p.strip())[:MAX_CHARS]
    if not text.strip():
        return "", "empty"
    return text, status


def extract_into(attachment) -> None:
    attachment.text, attachment.text_status = extract_text(attachment.filename, attachment.data or b"")
