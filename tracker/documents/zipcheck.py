"""Zip-bomb and sanity checks for OOXML files (.docx, .xlsx) before anything inflates them.

Used by ledger imports and by evidence uploads: both accept zips from outside.
"""
from __future__ import annotations

import zipfile
from typing import IO

ZIP_MAGIC = b"PK\x03\x04"
# OOXML compresses about 10-30:1; deflate tops out near 1030:1, which is what a run
# of zeros (the classic bomb) achieves.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 1000


class NotAZip(ValueError):
    """Not a readable zip archive."""


class ZipBomb(ValueError):
    """Declared sizes say the archive would inflate past the limit."""


def inspect_zip(fileobj: IO[bytes], limit: int) -> list[str]:
    """Read only the zip directory and return member names; zipfile never inflates a
    member past its declared size, so checking declared sizes is enough."""
    start = fileobj.tell()
    magic = fileobj.read(4)
    fileobj.seek(start)
    if magic != ZIP_MAGIC:
        raise NotAZip("not a zip archive")
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotAZip("corrupt zip archive") from exc
    finally:
        fileobj.seek(start)
    if len(members) > MAX_ZIP_MEMBERS:
        raise ZipBomb("too many members")
    total = sum(member.file_size for member in members)
    bomb = any(
        member.file_size > RATIO_CHECK_MIN_BYTES
        and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if total > limit or bomb:
        raise ZipBomb("declared uncompressed size too large")
    return [member.filename for member in members]
