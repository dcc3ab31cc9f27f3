"""Hostile uploads of evidence: too big, lying about their type, zip bombs, and names
built to escape a folder, fake an extension or break a header.

Every refusal must say why in Chinese and store nothing (no entry without its files);
every accepted file must come back with the type we checked, never one the browser
claimed.
"""
from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from tracker import create_app
from tracker.extensions import db
from tracker.models import Attachment, Item, ProgressEntry
from tracker.services.attachments import clean_filename

from .abuse_support import CJK, assert_chinese_errors, build_world, dispose, module_app
from .conftest import Client, make_config
from .helpers import PDF_BYTES

MB = 1024 * 1024
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(scope="module")
def shared(_template_db, tmp_path_factory):
    """One app and world for the module: the tests only add entries to one item and
    compare counts before and after, so they can share it."""
    app = module_app(_template_db, tmp_path_factory.mktemp("uploads"))
    yield app
    dispose(app)


@pytest.fixture
def app(shared):
    return shared


@pytest.fixture(scope="module")
def world(shared):
    return build_world(shared)


@pytest.fixture(scope="module")
def unit_client(shared, world):
    client = Client(shared)
    client.login("unit_edu")
    return client


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(ProgressEntry))
        files = db.session.scalar(sa.select(sa.func.count()).select_from(Attachment))
        return entries, files


def _post(client, world, files, *, htmx=False, text="本周进展：已完成设计招标。"):
    data = {"kind": "progress", "text": text,
            "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/items/{world.item}/progress", data, htmx=htmx, content_type="multipart/form-data")


def _refused(app, client, world, files, expect: str, **kwargs):
    before = _counts(app)
    response = _post(client, world, files, **kwargs)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, (response.status_code, body[:500])
    assert_chinese_errors(body, f"upload {[n for n, _ in files]}")
    assert expect in body
    assert _counts(app) == before, "a refused upload must store neither the entry nor any file"
    return body


def _stored(app, client, world, files) -> list[Attachment]:
    response = _post(client, world, files)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    with app.app_context():
        rows = db.session.scalars(sa.select(Attachment).order_by(Attachment.id.desc()).limit(len(files))).all()
        for row in rows:
            db.session.expunge(row)
        return list(reversed(rows))


def docx_bytes(members: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (members or {"[Content_Types].xml": b"<Types/>",
                                           "word/document.xml": b"<w:document/>"}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def bomb_bytes(prefix: str, size: int = 12 * MB) -> bytes:
    """A valid OOXML-looking zip whose one member inflates ~1000:1 (a run of zeros)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open(f"{prefix}bomb.xml", "w") as member:
            chunk = b"\x00" * MB
            for _ in range(size // MB):
                member.write(chunk)
    return buffer.getvalue()


# --- size -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_limits(shared, world):
    """The same database behind a worker configured with a 1 MB upload limit, so the
    413 path is exercised without building 20 MB requests."""
    uri = shared.config["SQLALCHEMY_DATABASE_URI"]
    other = create_app(make_config(uri, UPLOAD_MAX_BYTES=MB, MAX_CONTENT_LENGTH=2 * MB))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_default_limits_leave_room_for_the_form_around_the_file(app):
    assert app.config["UPLOAD_MAX_BYTES"] == 20 * MB
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["UPLOAD_MAX_BYTES"]


@pytest.mark.parametrize("htmx", [False, True])
def test_request_over_the_limit_is_413_with_a_chinese_page(small_limits, world, htmx):
    client = Client(small_limits)
    client.login("unit_edu")
    before = _counts(small_limits)
    response = _post(client, world, [("整改材料.pdf", PDF_BYTES + b"0" * (3 * MB))], htmx=htmx)
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "超过大小限制" in body and CJK.search(body)
    if htmx:
        # htmx swaps error responses into the message area instead of the table cell.
        assert response.headers["HX-Retarget"] == "#messages"
        assert "<html" not in body
    else:
        assert 'lang="zh-CN"' in body and "错误代码 413" in body
    assert _counts(small_limits) == before


def test_boosted_form_over_the_limit_gets_a_whole_chinese_page(small_limits, world):
    client = Client(small_limits)
    client.login("unit_edu")
    response = client.post(f"/items/{world.item}/progress",
                           {"kind": "progress", "text": "x", "files": (io.BytesIO(b"%PDF-" + b"0" * 3 * MB), "a.pdf")},
                           htmx=True, headers={"HX-Boosted": "true"}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_file_over_the_upload_limit_but_inside_the_request_limit_is_refused_in_chinese(small_limits, world):
    client = Client(small_limits)
    client.login("unit_edu")
    before = _counts(small_limits)
    response = _post(client, world, [("大文件.pdf", PDF_BYTES + b"0" * (MB + 10))])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "超过 1 MB 的大小限制" in body
    assert _counts(small_limits) == before


def test_a_text_too_long_for_the_form_parser_is_a_chinese_413_not_a_500(unit_client, world):
    """Werkzeug refuses a single form field over MAX_FORM_MEMORY_SIZE while parsing."""
    response = _post(unit_client, world, [], text="长" * 400_000)
    assert response.status_code == 413
    assert "超过大小限制" in response.get_data(as_text=True)


def test_a_realistic_scan_is_accepted_under_the_default_limit(app, unit_client, world):
    (stored,) = _stored(app, unit_client, world, [("扫描件.pdf", PDF_BYTES + b"1" * (3 * MB))])
    assert stored.size == len(PDF_BYTES) + 3 * MB


# --- content against extension ------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "reason"), [
    ("报告.pdf", b"<html><script>alert(1)</script></html>", "不符"),
    ("照片.png", JPEG_BYTES, "不符"),
    ("照片.jpg", PNG_BYTES, "不符"),
    ("表格.xls", PDF_BYTES, "不符"),
    ("说明.doc", b"MZ\x90\x00" + b"\x00" * 60, "不符"),  # a Windows executable
    ("方案.docx", PDF_BYTES, "不符"),
    ("台账.xlsx", docx_bytes(), "不符"),  # a Word file renamed .xlsx
    ("方案.docx", docx_bytes({"xl/workbook.xml": b"<workbook/>"}), "不符"),  # an Excel file renamed .docx
    ("方案.docx", b"PK\x03\x04" + b"\x00" * 100, "已损坏"),  # zip magic but not a readable zip
])
def test_content_that_does_not_match_the_extension_is_refused(app, unit_client, world, name, content, reason):
    _refused(app, unit_client, world, [(name, content)], reason)


@pytest.mark.parametrize("name", ["页面.html", "图.svg", "脚本.js", "程序.exe", "无扩展名", "归档.zip",
                                  "报告.pdf.exe", "报告.PDF.html", "shell.php", "..", ".pdf"])
def test_types_off_the_list_and_double_extensions_ending_badly_are_refused(app, unit_client, world, name):
    _refused(app, unit_client, world, [(name, PDF_BYTES)], "不支持的文件类型")


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("报告.exe.pdf", PDF_BYTES, "application/pdf"),
    ("shell.php.jpg", JPEG_BYTES, "image/jpeg"),
    ("SCAN.PDF", PDF_BYTES, "application/pdf"),
    ("方案.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_double_extension_is_judged_by_the_last_one_and_served_as_checked(app, unit_client, world, name,
                                                                         content, content_type):
    (stored,) = _stored(app, unit_client, world, [(name, content)])
    assert stored.content_type == content_type and stored.filename == name
    response = unit_client.get(f"/attachments/{stored.id}")
    assert response.status_code == 200 and response.data == content
    assert response.mimetype == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_real_office_files_pass(app, unit_client, world):
    import docx
    import openpyxl
    word, excel = io.BytesIO(), io.BytesIO()
    docx.Document().save(word)
    book = openpyxl.Workbook()
    book.active["A1"] = "整改台账"
    book.save(excel)
    stored = _stored(app, unit_client, world, [("整改方案.docx", word.getvalue()), ("整改台账.xlsx", excel.getvalue())])
    assert [s.filename for s in stored] == ["整改方案.docx", "整改台账.xlsx"]


# --- zip bombs ---------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "prefix"), [("方案.docx", "word/"), ("台账.xlsx", "xl/")])
def test_zip_bomb_is_refused(app, unit_client, world, name, prefix):
    bomb = bomb_bytes(prefix)
    assert len(bomb) < MB  # small on the wire, 12 MB inflated
    _refused(app, unit_client, world, [(name, bomb)], "压缩炸弹")


def test_zip_with_too_many_members_is_refused(app, unit_client, world):
    members = {"word/document.xml": b"<w:document/>", **{f"word/m{i}.xml": b"" for i in range(1200)}}
    _refused(app, unit_client, world, [("方案.docx", docx_bytes(members))], "压缩炸弹")


def test_a_bad_file_among_good_ones_stores_nothing(app, unit_client, world):
    _refused(app, unit_client, world, [("好.pdf", PDF_BYTES), ("坏.docx", bomb_bytes("word/"))], "压缩炸弹")


def test_more_than_ten_files_at_once_is_refused(app, unit_client, world):
    _refused(app, unit_client, world, [(f"证明{i}.pdf", PDF_BYTES) for i in range(11)], "最多上传 10 个")


def test_empty_file_is_refused(app, unit_client, world):
    _refused(app, unit_client, world, [("空.pdf", b"")], "空文件")


# --- names -------------------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "kept"), [
    ("../../../etc/passwd.pdf", "passwd.pdf"),
    ("/var/www/html/证明.pdf", "证明.pdf"),
    ("整改\u202egpj.pdf", "整改gpj.pdf"),  # right-to-left override that disguises an extension
    ("证明\u200b材料.pdf", "证明材料.pdf"),  # zero-width space
    ("...证明.pdf...", "证明.pdf"),
])
def test_names_lose_paths_and_invisible_characters(app, unit_client, world, sent, kept):
    (stored,) = _stored(app, unit_client, world, [(sent, PDF_BYTES)])
    assert stored.filename == kept


def test_windows_paths_never_survive_in_a_name(app, unit_client, world):
    # Werkzeug's header parser already eats the backslashes; nothing path-like remains.
    (stored,) = _stored(app, unit_client, world, [("..\\..\\windows\\证明.pdf", PDF_BYTES)])
    assert "\\" not in stored.filename and "/" not in stored.filename and ".." not in stored.filename


@pytest.mark.parametrize(("sent", "kept"), [
    ("a\x00b.pdf", "ab.pdf"),
    ("a\r\nContent-Type: text/html\r\n.pdf", "html.pdf"),
    ("a\r\nX-Evil: 1\r\n.pdf", "aX-Evil_ 1.pdf"),
    ("a\x1b[31mred.pdf", "a[31mred.pdf"),
    ("\x7f\x85证明.pdf", "证明.pdf"),
    ("..\\..\\windows\\system32\\证明.pdf", "证明.pdf"),
    ("C:\\Users\\王\\Desktop\\证明.pdf", "证明.pdf"),
    ('a<b>"c"|d?.pdf', "a_b__c__d_.pdf"),
    ("..", "附件"),
])
def test_control_and_reserved_characters_are_removed_from_names(sent, kept):
    # Multipart headers cannot carry these through the test client; browsers and curl can.
    assert clean_filename(sent) == kept


def test_very_long_name_keeps_its_extension(app, unit_client, world):
    (stored,) = _stored(app, unit_client, world, [("很" * 300 + ".pdf", PDF_BYTES)])
    assert len(stored.filename) <= 120 and stored.filename.endswith(".pdf")


def test_download_header_cannot_be_split_by_a_name(app, unit_client, world):
    (stored,) = _stored(app, unit_client, world, [('x"; filename="evil.html.pdf', PDF_BYTES)])
    disposition = unit_client.get(f"/attachments/{stored.id}").headers["Content-Disposition"]
    assert disposition.startswith('inline; filename="attachment-')
    assert "evil.html" not in disposition.split(";")[1]
    assert "\r" not in disposition and "\n" not in disposition


# --- the 台账 import takes .xlsx from outside too ----------------------------------------

@pytest.mark.parametrize(("name", "content", "reason"), [
    ("台账.xlsx", bomb_bytes("xl/"), "压缩炸弹"),
    ("台账.xlsx", docx_bytes(), "未导入任何数据"),  # a Word file renamed
    ("台账.xlsx", PDF_BYTES, "未导入任何数据"),
    ("台账.xlsx", b"PK\x03\x04" + b"\x00" * 100, "未导入任何数据"),
    ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "只能上传 .xlsx"),
])
def test_ledger_import_refuses_bombs_and_impostors_in_chinese(app, world, name, content, reason):
    staff = Client(app)
    staff.login("staff")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Item))
    response = staff.post("/ledger/import", {"file": (io.BytesIO(content), name)},
                          content_type="multipart/form-data")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert_chinese_errors(body, name)
    assert reason in body
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == before
