"""Search: a 2-character word is found inside reports and attachments, the index follows
every change in the same transaction, units see only their own items, the public only
published material, and no input can break it. Runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.extensions import db
from tracker.models import Attachment, SearchEntry
from tracker.services import activities as activity_ops
from tracker.services import items as ops

from .conftest import Client, login_as
from .helpers import make_activity, unit, user
from .search_files import docx_with_text, pdf_with_text
from .search_support import build_world, codes, found


@pytest.fixture
def world(app, demo):
    return build_world(app)


def test_two_character_word_found_in_report_and_highlighted(app, world):
    staff = login_as(app, "staff")
    body = found(staff, "医保")
    assert world["edu"] in codes(body)
    assert "<mark>医保</mark>" in body
    assert "整改情况报告" in body  # the passage says where it was found
    assert world["edu"] in codes(found(staff, "医保 教师"))  # several words: all must be there
    assert not codes(found(staff, "医保 药品"))


def test_a_word_split_differently_by_its_context_is_found(app, world):
    """jieba cuts 食品安全监管 as 食品 / 安全监管: the query 食品安全 must still find it, and a
    word missing from the dictionary (大班额, cut into characters) only as those characters
    side by side."""
    from tracker.models import Item
    with app.app_context():
        db.session.get(Item, world["health_id"]).question = "加强食品安全监管，解决大型班额问题"
        db.session.commit()
    staff = login_as(app, "staff")
    assert world["health"] in codes(found(staff, "食品安全"))
    assert world["edu"] in codes(found(staff, "大班额"))
    assert not codes(found(staff, "额班大"))  # the same characters, not side by side


@pytest.mark.parametrize("word, where", [("停车", "PDF"), ("营养", "XLSX"), ("校车", "DOCX")])
def test_two_character_word_found_inside_attachments(app, world, word, where):
    body = found(login_as(app, "staff"), word)
    assert world["edu"] in codes(body), where
    assert f"<mark>{word}</mark>" in body
    assert "附件" in body


def test_unreadable_attachment_is_stored_and_says_so(app, world):
    with app.app_context():
        scanned = db.session.scalar(sa.select(Attachment).where(Attachment.filename == "扫描件.pdf"))
        assert scanned.text_status == "unreadable" and scanned.size > 0
        statuses = dict(db.session.execute(sa.select(Attachment.filename, Attachment.text_status)).all())
    assert statuses["整改证明.pdf"] == statuses["台账.xlsx"] == statuses["说明.docx"] == "ok"
    page = login_as(app, "unit_edu").get(f"/items/{world['edu_id']}").get_data(as_text=True)
    assert "无法读取文件中的文字（文件已保存）" in page


def test_units_never_see_other_units_results(app, world):
    edu, health = login_as(app, "unit_edu"), login_as(app, "unit_health")
    for q in ("医保", "停车", "学位", "整改", "问题"):
        assert world["health"] not in codes(found(edu, q)), q
        assert world["edu"] not in codes(found(health, q)), q
    assert world["edu"] in codes(found(edu, "停车"))
    assert world["health"] in codes(found(health, "药品"))
    # Filters cannot widen the scope, and activities (not an item of theirs) are not listed.
    with app.app_context():
        edu_unit = unit("区教育局").id
    assert world["edu"] not in codes(found(health, "停车", unit=str(edu_unit)))
    assert "监督活动 · " not in found(health, "义务教育")
    assert "监督活动 · " in found(login_as(app, "staff"), "义务教育")


def test_reviewers_search_with_the_list_rule(app, world):
    # Both items are 整改中 in round 1: a reviewer may not see them, so may not find them.
    assert not codes(found(login_as(app, "reviewer1"), "医保"))


def test_public_finds_only_published_material(app, world):
    from tracker.models import Activity, Item
    staff = user
    with app.app_context():
        activity = db.session.get(Activity, world["activity"])
        edu = db.session.get(Item, world["edu_id"])
        activity_ops.set_activity_published(activity, True, staff("staff"))
        ops.set_item_published(edu, True, staff("staff"))
        ops.accept_report(edu, staff("staff"))
        db.session.commit()
    anonymous = Client(app)
    assert world["edu"] in codes(found(anonymous, "医保", "/public/search"))  # the accepted report
    assert world["edu"] in codes(found(anonymous, "大班额", "/public/search"))  # the question
    for private in ("停车", "学位", "营养"):  # attachments and progress posts are never public
        assert not codes(found(anonymous, private, "/public/search")), private
    assert world["health"] not in codes(found(anonymous, "药品", "/public/search"))  # not published
    # Unpublishing the activity hides everything in it.
    with app.app_context():
        activity_ops.set_activity_published(db.session.get(Activity, world["activity"]), False, staff("staff"))
        db.session.commit()
    assert not codes(found(anonymous, "医保", "/public/search"))


def test_index_follows_changes_in_the_same_transaction(app, world):
    from tracker.models import Item
    staff = login_as(app, "staff")
    with app.app_context():
        edu = db.session.get(Item, world["edu_id"])
        edu.answer = "食堂改造进展顺利。"
        db.session.flush()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry).where(
            SearchEntry.kind == "answer", SearchEntry.body.contains("食堂"))) == 1
        db.session.rollback()  # a refused or failed request leaves no trace in the index
    assert not codes(found(staff, "食堂"))
    with app.app_context():
        health = db.session.get(Item, world["health_id"])
        health.question = "社区卫生服务中心人员不足问题"
        db.session.commit()
    assert world["health"] in codes(found(staff, "人员"))
    assert world["health"] not in codes(found(staff, "药品"))


def test_reindex_rebuilds_the_index(app, world):
    with app.app_context():
        db.session.execute(sa.delete(SearchEntry))
        db.session.commit()
    staff = login_as(app, "staff")
    assert not codes(found(staff, "医保"))
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "检索索引已重建" in result.output
    assert world["edu"] in codes(found(staff, "医保"))
    assert world["edu"] in codes(found(staff, "停车"))  # attachment text was kept, not re-read
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry).where(
            SearchEntry.kind == "attachment")) == 4


BAD_QUERIES = ["", "   ", "\t\n", "医" * 1000, "x" * 1000, '"', '""', "*", ":", "&", "|", "!", "(", ")", "^", "-",
               '"医保', "医保*", "医保:", "医保 & 停车", "医保 | 停车", "!医保", "(医保", "NEAR(医保 停车)", "医保 AND",
               "OR", "NOT 医保", "{医保}", "terms:医保", "' OR 1=1 --", "'; DROP TABLE item; --", "医保\x00停车",
               "\x01\x02\x1b[31m", "<script>alert(1)</script>", "％医保＿", "\\", "医保\\", "''", "\u200b", "🙂"]


@pytest.mark.parametrize("q", BAD_QUERIES)
def test_bad_input_never_breaks_the_search(app, world, q):
    staff = login_as(app, "staff")
    for path, client in (("/search", staff), ("/public/search", Client(app))):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, query_string={"q": q}, headers=headers)
            assert response.status_code == 200, (path, q)
            body = response.get_data(as_text=True)
            assert "syntax" not in body.lower() and "fts5" not in body.lower() and "tsquery" not in body.lower()
            assert "无法完成这次搜索" not in body, (path, q)
            assert "<script>alert" not in body


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(min_size=1, max_size=60))
def test_any_text_is_a_valid_search(app, world, q):
    response = login_as(app, "staff").get("/search", query_string={"q": q}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "无法完成这次搜索" not in response.get_data(as_text=True)


def test_public_search_sets_no_cookie(app, world):
    response = Client(app).get("/public/search?q=医保")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_syntax_characters_are_ignored_not_interpreted(app, world):
    staff = login_as(app, "staff")
    for q in ('"医保"', "医保*", "(医保)", "医保:", "!医保", "医保 &"):
        assert world["edu"] in codes(found(staff, q)), q


def test_found_text_is_escaped(app, world):
    from tracker.models import Item
    with app.app_context():
        health = db.session.get(Item, world["health_id"])
        health.question = '<img src=x onerror=alert(1)>药品"短缺'
        db.session.commit()
    body = found(login_as(app, "staff"), "药品")
    assert "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;<mark>药品</mark>" in body


def test_filters_by_kind_stage_year_and_unit(app, world):
    staff = login_as(app, "staff")
    assert world["edu"] in codes(found(staff, "停车", kind="attachment"))
    assert not codes(found(staff, "停车", kind="report"))
    assert world["edu"] in codes(found(staff, "医保", stage="改"))
    assert not codes(found(staff, "医保", stage="办结"))
    assert not codes(found(staff, "医保", year="1999"))
    with app.app_context():
        health_unit = unit("区卫生健康局").id
    assert not codes(found(staff, "停车", unit=str(health_unit)))


def test_search_page_has_header_box_and_live_form(app, world):
    page = login_as(app, "unit_edu").get("/search?q=医保").get_data(as_text=True)
    assert 'role="search"' in page and 'hx-get="/search"' in page and "delay:" in page
    assert "<mark>医保</mark>" in page  # the full page works without htmx too
    assert 'action="/search"' in login_as(app, "staff").get("/items").get_data(as_text=True)


def test_dictionary_terms_keep_local_words_whole(app, demo):
    from tracker.search.segment import query_words
    admin = login_as(app, "admin")
    assert admin.post("/search/terms", {"word": "双减"}).status_code == 303
    with app.app_context():
        assert query_words("双减政策") [0] == "双减"
        assert query_words("区卫生健康局")[0] == "区卫生健康局"  # unit names come for free
    response = admin.post("/search/terms", {"word": "a b"})
    assert response.status_code == 200 and "只能包含汉字、字母和数字" in response.get_data(as_text=True)
    assert admin.post("/search/terms", {"word": "双减"}).get_data(as_text=True).count("已在词典中") == 1
    assert login_as(app, "staff").post("/search/terms", {"word": "三减"}).status_code == 403
    with app.app_context():
        from tracker.models import SearchTerm
        term = db.session.scalar(sa.select(SearchTerm))
    assert admin.post(f"/search/terms/{term.id}/delete").status_code == 303
    with app.app_context():
        from tracker.search.segment import refresh_user_words
        refresh_user_words()
        assert query_words("双减政策")[0] != "双减"


def test_attachment_limits_keep_what_was_read(monkeypatch):
    from tracker.search import extract
    monkeypatch.setattr(extract, "MAX_CHARS", 10)
    text, status = extract.extract_text("a.docx", docx_with_text("停车" * 20))
    assert status == "partial" and text
    text, status = extract.extract_text("a.pdf", pdf_with_text("停车"), max_seconds=-1)
    assert status == "partial"
    assert extract.extract_text("a.png", b"\x89PNG") == ("", "none")
    assert extract.extract_text("a.xlsx", io.BytesIO(b"PK\x03\x04junk").getvalue()) == ("", "unreadable")


def test_index_in_the_same_transaction_as_a_new_item(app, demo):
    with app.app_context():
        activity = make_activity()
        item = ops.add_item(activity, ops.ItemData(origin=ops.Origin.OPINION, question="加强农村饮水安全保障"),
                            user("staff"))
        assert db.session.scalar(sa.select(SearchEntry.terms).where(
            SearchEntry.kind == "question", SearchEntry.source_id == item.id)).split()[:2] == ["加强", "农村"]
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry).where(
            SearchEntry.kind == "question")) == 0
