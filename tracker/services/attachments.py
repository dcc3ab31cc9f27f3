"""Evidence uploads: checked by content, not by what the browser claims.

A file is accepted only if its extension is on the list *and* its first bytes match
that type; OOXML files must also pass the zip-bomb check. Names keep their Chinese
characters but lose paths and control characters. Bytes go into the database so every
app server and one database backup see the same files.
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from flask import current_app

from ..documents.zipcheck import NotAZip, ZipBomb, inspect_zip
from ..extensions import db
from ..models import Attachment, ProgressEntry
from . import OperationError

MAX_FILES_PER_ENTRY = 10
MAX_UNCOMPRESSED = 200 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# extension -> (content type, accepted magic prefixes, required zip member prefix)
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...], str | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",), None),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",), None),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",), None),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",), None),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a"), None),
    "doc": ("application/msword", (OLE_MAGIC,), None),
    "xls": ("application/vnd.ms-excel", (OLE_MAGIC,), None),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",), "word/"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",), "xl/"),
}
ALLOWED_TEXT = "PDF、图片（PNG/JPG/GIF）、Word（DOC/DOCX）、Excel（XLS/XLSX）"


@dataclass
class UploadedFile:
    filename: str
    data: bytes


def clean_filename(name: str) -> str:
    """Keep the user's (Chinese) name; drop any path, control and reserved characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip().strip(".").strip()
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 120 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 8 else name[:120]
    return name or "附件"


def validate_upload(upload: UploadedFile) -> tuple[str, str]:
    """Return (clean name, content type) or raise with a Chinese reason."""
    name = clean_filename(upload.filename)
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    if not upload.data:
        raise OperationError(f"文件“{name}”是空文件")
    if len(upload.data) > limit:
        raise OperationError(f"文件“{name}”超过 {limit // (1024 * 1024)} MB 的大小限制")
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in FILE_TYPES:
        raise OperationError(f"不支持的文件类型“{name}”。可上传：{ALLOWED_TEXT}")
    content_type, magics, member_prefix = FILE_TYPES[ext]
    if not any(upload.data.startswith(m) for m in magics):
        raise OperationError(f"文件“{name}”的内容与扩展名 .{ext} 不符，请确认文件未损坏或被改名")
    if member_prefix:
        try:
            members = inspect_zip(io.BytesIO(upload.data), MAX_UNCOMPRESSED)
        except NotAZip:
            raise OperationError(f"文件“{name}”已损坏，无法作为 .{ext} 打开")
        except ZipBomb:
            raise OperationError(f"文件“{name}”解压后过大，疑似压缩炸弹，已拒绝")
        if not any(m.startswith(member_prefix) for m in members):
            raise OperationError(f"文件“{name}”的内容与扩展名 .{ext} 不符")
    return name, content_type


def store_attachments(entry: ProgressEntry, files: list[UploadedFile]) -> list[Attachment]:
    return _store(files, entry_id=entry.id, item_id=entry.item_id)


def store_report_attachments(report_id: int, files: list[UploadedFile], kept: int = 0) -> list[Attachment]:
    """Files of a document report; ``kept`` counts those carried over from a returned version."""
    return _store(files, report_id=report_id, already=kept)


def _store(files: list[UploadedFile], already: int = 0, **owner) -> list[Attachment]:
    files = [f for f in files if f.filename or f.data]
    if len(files) + already > MAX_FILES_PER_ENTRY:
        raise OperationError(f"每次最多上传 {MAX_FILES_PER_ENTRY} 个附件")
    stored = []
    for upload in files:
        name, content_type = validate_upload(upload)
        attachment = Attachment(**owner, filename=name, content_type=content_type,
                                size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(),
                                data=upload.data)
        db.session.add(attachment)
        stored.append(attachment)
    db.session.flush()
    return stored
