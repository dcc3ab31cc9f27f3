"""Search when much matches: a very common word ranked among its newest matches, a capped
search saying so, a unit walking its own items newest first through the item index, the
block cache, and older matches found past the newest passages."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.services import items as ops

from .conftest import login_as
from .helpers import make_activity, make_item, unit, user
from .search_files import xlsx_with_text
from .search_support import build_world, codes, found


@pytest.fixture
def world(app, demo):
    return build_world(app)


def test_a_very_common_word_is_ranked_among_its_newest_matches(app, world, monkeypatch):
    from tracker.search import query
    with app.app_context():
        activity = make_activity(title="关于城区交通的专题询问")
        newest = [ops.add_item(activity, ops.ItemData(origin=ops.Origin.QUESTION, question=f"停车收费问题{n}"),
                               user("staff")).heading for n in range(4)]
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
        older_code, co_code = older.heading, co_item.heading
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
