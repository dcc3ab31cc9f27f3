"""Search: a 2-character word is found inside reports and attachments, the index follows
every change in the same transaction, units see only their own items, the public only
published material, and no input can break it. Runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.extensions import db
from tracker.models import Attachment, EntryKind, SearchEntry
from tracker.services import items as ops

from .conftest import Client, login_as
from .helpers import make_activity, make_item, unit, user
from .search_files import docx_with_text, pdf_with_text, xlsx_with_text

MARK = re.compile(r"<mark>(.*?)</mark>")


def found(client: Client, q: str, path: str = "/search", **params) -> str:
    response = client.get(path, query_string={"q": q, **params}, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def codes(body: str) -> set[str]:
    return set(re.findall(r"<strong>(\d+-\d+) ", body))


@pytest.fixture
def world(app, demo):
    """An item of 区教育局 with a report and attachments, one of 区卫生健康局."""
    with app.app_context():
        activity = make_activity()
        edu = make_item(activity, "rectifying")
        health = make_item(activity, "rectifying", unit_name="区卫生健康局")
        health.question = "基层医疗机构药品短缺问题如何解决？"
        lead = user("unit_edu")
        ops.post_progress(edu, EntryKind.PROGRESS, "已与区人社局协调，新增学位一千个。", [
            ops.UploadedFile("整改证明.pdf", pdf_with_text("区医保局完成停车场改造验收")),
            ops.UploadedFile("台账.xlsx", xlsx_with_text("学生营养餐补助资金")),
            ops.UploadedFile("说明.docx", docx_with_text("校车接送线路优化")),
            ops.UploadedFile("扫描件.pdf", b"%PDF-1.4 not really a pdf"),
        ], lead)
        ops.submit_report(edu, "整改情况报告：教师编制问题已基本解决，医保政策宣传到校。", [], lead)
        db.session.commit()
        ids = {"edu": edu.code, "health": health.code, "edu_id": edu.id, "health_id": health.id,
               "activity": activity.id}
    return ids


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
        ops.set_activity_published(activity, True, staff("staff"))
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
        ops.set_activity_published(db.session.get(Activity, world["activity"]), False, staff("staff"))
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


def test_a_very_common_word_is_ranked_among_its_newest_matches(app, world, monkeypatch):
    from tracker.search import query
    with app.app_context():
        activity = make_activity(title="关于城区交通的专题询问")
        newest = [ops.add_item(activity, ops.ItemData(origin=ops.Origin.QUESTION, question=f"停车收费问题{n}"),
                               user("staff")).code for n in range(4)]
        db.session.commit()
    monkeypatch.setattr(query, "CANDIDATES", 3)
    body = found(login_as(app, "staff"), "停车")
    assert codes(body) == set(newest[-3:])  # the three newest passages; older ones wait for more words
    assert "找到 3+ 项" in body


def test_a_document_report_and_its_attachment_are_found_by_staff(app, demo):
    from tracker.services import reports as report_ops
    with app.app_context():
        activity = make_activity(title="审议区人民政府关于学前教育发展情况的报告")
        item = make_item(activity, "rectifying")
        report_ops.submit_report(activity, "关于普惠幼儿园学位的研究处理情况报告。", [report_ops.ReportLine(item)],
                                 [ops.UploadedFile("附表.xlsx", xlsx_with_text("托育补贴发放明细"))], user("unit_edu"))
        db.session.commit()
    staff = login_as(app, "staff")
    assert "<mark>普惠</mark>" in found(staff, "普惠")
    assert "<mark>托育</mark>" in found(staff, "托育")
    assert not codes(found(login_as(app, "unit_health"), "普惠"))


def test_a_capped_search_says_it_ranked_only_the_newest(app, world, monkeypatch):
    from tracker.search import query
    staff = login_as(app, "staff")
    body = found(staff, "停车")
    assert "找到 1 项" in body and "只在最新的" not in body  # everything read: an exact count
    monkeypatch.setattr(query, "CANDIDATES", 1)
    body = found(staff, "整改")
    assert "找到 1+ 项" in body
    assert "只在最新的 1 段中排序" in body


def test_a_unit_user_walks_its_own_items_newest_first(app, world, monkeypatch):
    """The unit walk (its lead and co-unit items, newest item first) stops at CANDIDATES and
    never reaches another unit's items, whatever the filters say."""
    from tracker.search import query
    with app.app_context():
        activity = make_activity(title="关于校园安全的专题询问")
        older = make_item(activity, "rectifying")
        co_item = make_item(activity, "rectifying", unit_name="区卫生健康局")
        co_item.co_units.append(unit("区教育局"))
        for item, text in ((older, "校园食堂食材溯源问题"), (co_item, "校园食堂从业人员健康证问题")):
            item.question = text
        db.session.commit()
        older_code, co_code = older.code, co_item.code
    edu = login_as(app, "unit_edu")
    assert codes(found(edu, "食堂")) == {older_code, co_code}  # co-handled items are its own too
    assert codes(found(login_as(app, "unit_health"), "食堂")) == {co_code}
    monkeypatch.setattr(query, "CANDIDATES", 1)
    assert codes(found(edu, "食堂")) == {co_code}  # the newest of its items
    with app.app_context():
        health_id = unit("区卫生健康局").id
    staff = login_as(app, "staff")
    assert codes(found(staff, "食堂", unit=str(health_id))) == {co_code}
    monkeypatch.setattr(query, "CANDIDATES", 300)
    assert codes(found(staff, "食堂", unit=str(health_id), stage="rectifying")) == {co_code}
    assert codes(found(edu, "食堂", unit=str(health_id))) == {co_code}  # only within its own items


def test_the_unit_walk_reads_passages_by_the_item_index(app, world):
    """Query plan: the unit search is a loop over the unit's items that reads each item's
    passages through ix_search_entry_item_id, not a scan of every match."""
    from tracker.models import User
    from tracker.search import query
    from tracker.search.segment import query_words
    with app.test_request_context():
        reader = db.session.scalar(sa.select(User).where(User.username == "unit_edu"))
        statements = []

        def keep(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))
        sa.event.listen(db.engine, "before_cursor_execute", keep)
        try:
            rows = query._candidates(query_words("停车"), query.SearchFilters(q="停车"), query.Scope(reader))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", keep)
        assert {row.item_id for row in rows} == {world["edu_id"]}
        statement, parameters = statements[-1]
        connection = db.session.connection()
        if db.engine.dialect.name == "sqlite":
            plan = " | ".join(row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                          parameters))
            assert "SCAN walk" in plan and "USING INDEX ix_search_entry_item_id (item_id=?)" in plan, plan
            assert plan.index("SCAN walk") < plan.index("ix_search_entry_item_id"), plan
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table: judge the shape
            plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
            connection.exec_driver_sql("SET LOCAL enable_seqscan = on")
            assert "Nested Loop" in plan and "ix_search_entry_item_id" in plan, plan
            assert "Hash Join" not in plan and "Merge Join" not in plan, plan


def test_block_cache_gives_the_words_of_the_whole_text(app, demo):
    """Segmenting block by block (cached) is exactly cutting the whole text, and a
    dictionary change empties the cache."""
    from tracker.search import segment
    texts = ["城区学校大班额问题突出，何时能够解决？已完成整改。", "２０２３年5月-6月：食品安全监管a_b ①é café 한국어",
             "已完成整改。已完成整改。", "", "  \t", "医保局完成停车场改造验收"]
    with app.app_context():
        tok = segment.tokenizer(refresh=False)
        for text in texts:
            whole = [w for w in map(segment._clean, tok.cut_for_search(segment.normalize(text), HMM=False)) if w]
            assert segment.document_words(text) == whole, text
        assert "大班额" not in segment.document_words("大班额问题")
        segment.refresh_user_words(set(segment._user_words) | {"大班额"})
        assert "大班额" in segment.document_words("大班额问题")
        segment.refresh_user_words()


@pytest.mark.parametrize("window", [1, 20_000])
def test_older_matches_are_found_past_the_newest_passages(app, world, monkeypatch, window):
    """PostgreSQL looks at the newest passages first and at all of them when too few match
    there: a word only in an older passage is still found, with no duplicate or loss."""
    from tracker.search import query
    with app.app_context():
        activity = make_activity(title="关于城区绿化的专题询问")
        ops.add_item(activity, ops.ItemData(origin=ops.Origin.QUESTION, question="行道树补植进度如何？"), user("staff"))
        db.session.commit()
    monkeypatch.setattr(query, "NEWEST_PASSAGES", window)
    staff = login_as(app, "staff")
    assert world["edu"] in codes(found(staff, "医保"))  # the report, older than the new item
    assert "<mark>行道树</mark>" in found(staff, "行道树")
