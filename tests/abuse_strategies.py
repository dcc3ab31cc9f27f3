"""Hypothesis strategies for what people (and scripts) type into forms.

Each field kind mixes values the form should accept with the ones it must refuse in
Chinese: control characters and NUL (PostgreSQL rejects NUL in text), emoji and
characters outside the BMP, right-to-left marks, very long strings, numbers that are
too big or not numbers, impossible dates, and options that are not on the list.
"""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

ODD_CHARS = ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\u202e", "\u202c", "\u200f", "\u200b",
             "\ufeff", "\u2028", "\r", "\n", "\r\n", "\t", "😀", "👨‍👩‍👧", "𠀀", "中", "ａ", "\uffff", "\ufffe",
             "\U0010ffff", "²", "①"]
PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' OR '1'='1", "'; DROP TABLE item; --",
            "{{ 7*7 }}", "=1+1", "%00", "../../etc/passwd", "null", "None", "undefined", "true", "[]", "{}"]

_chars = st.one_of(st.characters(codec="utf-8"), st.sampled_from(ODD_CHARS),
                   st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF))


def _string(min_size=0, max_size=40) -> st.SearchStrategy[str]:
    # Lists joined, not st.text: some "characters" above are sequences (CRLF, a ZWJ family).
    return st.lists(_chars, min_size=min_size, max_size=max_size).map("".join)


short_text = st.one_of(
    _string(),
    st.sampled_from(PAYLOADS),
    st.sampled_from(["", " ", "\u3000", "\x00", "　中文　", "\u202e反转"]),
)
long_text = st.builds(lambda piece, n: piece * n, st.sampled_from(["长", "a", "😀", "中\x00", "\u202e", "<b>"]),
                      st.sampled_from([65, 101, 201, 257, 2001, 5001, 10001, 20001]))
text = st.one_of(short_text, _string(1, 300), long_text,
                 st.sampled_from(["城区学校大班额问题何时解决？", "已完成整改，详见附件。", "王建国"]))

integer = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.integers(0, 600).map(str),
    st.sampled_from(["", " ", "1e3", "0x10", "１２", "٣", "²", "①", "-0", "9" * 40, "NaN", "inf", "1.5", " 7 ",
                     "1_0", "+3", "二十"]),
    short_text,
)


def _iso(d: date) -> str:
    return d.isoformat()


def a_date(today: date) -> st.SearchStrategy[str]:
    return st.one_of(
        st.dates().map(_iso),
        st.integers(-30, 400).map(lambda days: _iso(today + timedelta(days=days))),
        st.sampled_from(["", "2026-02-30", "2026-13-01", "0000-00-00", "0001-01-01", "9999-12-31", "31/12/2026",
                         "2026/12/31", "二〇二六年十二月", "2026-12-31T00:00", "2026-1-1", " 2026-12-31 ",
                         "１９９９-０１-０１", "1970-01-01"]),
        short_text,
    )


def choice(valid: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), st.sampled_from(["", "0", "-1", "999999",
                                                                                          "None", "x"]), short_text)


def choices(valid: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(choice(valid), max_size=4)


VERSION = "<current version>"


def version() -> st.SearchStrategy[str]:
    """Mostly the row's real version (so the request gets past the conflict check)."""
    return st.one_of(st.just(VERSION), st.just(VERSION), st.sampled_from(["", "0", "-1", "abc", "9" * 30]))


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=True), short_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(short_text, inner, max_size=3)),
    max_leaves=8)


def mutated_json(template: dict) -> st.SearchStrategy[str]:
    """A valid document with some keys given hostile values, dropped, or broken JSON."""
    import json

    def mutate(changes, dropped):
        doc = {**template, **changes}
        for key in dropped:
            doc.pop(key, None)
        return json.dumps(doc, ensure_ascii=False)
    keys = st.sampled_from(sorted(template))
    return st.one_of(
        st.builds(mutate, st.dictionaries(keys, json_value, max_size=3), st.lists(keys, max_size=2)),
        json_value.map(lambda v: json.dumps(v, ensure_ascii=False)),
        st.sampled_from(["{", "[1,", '{"key": NaN}', '{"key": Infinity}', "null", '"x"', "1e999", "{}" * 3]),
        text,
    )


def _xml_ok(ch: str) -> bool:
    code = ord(ch)
    return ch in "\t\n\r" or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


def _ledger_workbook(rows: list[list]) -> bytes:
    """The import template with the example row replaced by generated rows."""
    import io

    from openpyxl import load_workbook

    from tracker.ledger.template import write_template
    buffer = io.BytesIO()
    write_template(buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book.worksheets[0]
    sheet.delete_rows(2)
    for row in rows:
        # A real .xlsx cannot hold characters that XML forbids (openpyxl refuses them too).
        sheet.append(["".join(ch for ch in v if _xml_ok(ch)) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_cell = st.one_of(short_text, st.integers(-(10**9), 10**9), st.floats(allow_nan=False), st.dates(), st.none(),
                  st.sampled_from(["区教育局", "专题询问", "询问问题", "审议意见", "2026-12-31", "=1+1", "第25次"]))
ledger_file = st.one_of(
    st.lists(st.lists(_cell, min_size=1, max_size=17), min_size=1, max_size=4).map(_ledger_workbook),
    st.binary(max_size=200),
    st.sampled_from([b"", b"PK\x03\x04", b"%PDF-1.4\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64]),
)


def upload(content: st.SearchStrategy[bytes], names: list[str]):
    """A (file, name) pair the test client sends as multipart."""
    import io
    return st.builds(lambda data, name: (io.BytesIO(data), name), content, st.sampled_from(names) | short_text)
