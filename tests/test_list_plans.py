"""The unit lists, the capped count and the dashboard's plans (issue 16).

``list_page.list_page`` reads a unit's items as two arms cut at the page's end; these tests
prove it returns exactly what the plain ``id IN (lead ∪ co-unit)`` query returns, in the
same order, page after page, and that SQLite walks ``ix_item_lead_urgency`` without a sort
once statistics exist (``PRAGMA optimize``/``ANALYZE`` after seeding).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

import tracker.list_page as lists
from bench.seed import seed_items
from tests.conftest import login_as
from tracker import paging
from tracker.database import analyze
from tracker.extensions import db
from tracker.list_page import list_page
from tracker.models import Activity, Item, Role, Unit, User, local_today
from tracker.queries import ItemFilters, apply_filters, urgency_order, visible_items
from tracker.services.versioned import FIGURES
from tracker.visibility import unit_item_arms


def _expected(user, filters, today):
    """The plain query the lists ran before: every matching item, sorted."""
    stmt = apply_filters(visible_items(user), filters, today).order_by(*urgency_order(today))
    return list(db.session.scalars(stmt.with_only_columns(Item.id)))


def seed_with_statistics(app) -> dict:
    """400 seeded items and planner statistics (``seeded``, and ``test_drill_down_lists``)."""
    with app.app_context():
        meta = seed_items(400, rng_seed=3, open_evaluations=5, long_timeline=20, progress=None)
        analyze(db.session.connection())
        db.session.commit()
    return meta


@pytest.fixture
def seeded(app, demo):
    return seed_with_statistics(app)


@pytest.mark.parametrize("args", [{}, {"stage": "改"}, {"overdue": "1"}, {"stage": "办结", "year": "2024"}])
def test_unit_pages_equal_the_plain_query(app, seeded, args):
    today = local_today()
    with app.app_context():
        unit_user = db.session.scalar(sa.select(User).where(User.username == "unit_edu"))
        staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
        filters = ItemFilters.from_args(args)
        expected = _expected(unit_user, filters, today)
        staff_filters = ItemFilters.from_args(args | {"unit": str(unit_user.unit_id)})
        assert _expected(staff, staff_filters, today) == expected
        assert expected or args, "the seed gives unit_edu items"
        per_page = 7
        for user, f in ((unit_user, filters), (staff, staff_filters)):
            seen = []
            for number in range(1, len(expected) // per_page + 2):
                page = list_page(user, f, number, per_page, today)
                assert page.exact and page.total == len(expected)
                seen += [item.id for item in page.items]
            assert seen == expected


def test_a_kept_statement_serves_other_values_exactly(app, seeded):
    """``list_page`` keeps its statements per filter shape and runs them with each request's
    values: another unit (a unit user's own list, and staff filtering by unit), activity,
    year, month, committee or day — one shape after another, every page equals the plain
    query built with those values, and the statement was built once per shape."""
    lists._kept.clear()
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
        units = list(db.session.scalars(sa.select(Item.lead_unit_id).where(Item.lead_unit_id.is_not(None))
                                        .group_by(Item.lead_unit_id).order_by(sa.func.count().desc()).limit(3)))
        activities = list(db.session.scalars(sa.select(Activity.id).order_by(Activity.id.desc()).limit(3)))
        years = sorted({d.year for d in db.session.scalars(sa.select(Activity.meeting_date))})[-3:]
        committees = list(db.session.scalars(sa.select(Unit.id).order_by(Unit.id).limit(2)))
        months = [m.strftime("%Y-%m") for m in db.session.scalars(
            sa.select(Item.assigned_at).where(Item.assigned_at.is_not(None)).order_by(Item.assigned_at.desc())
            .limit(400))][::150]
        shapes = [[{"unit": u} for u in units], [{"unit": u, "stage": "改"} for u in units],
                  [{"activity": a} for a in activities], [{"year": y, "stage": "办结"} for y in years],
                  [{"lead": u, "light": "yellow"} for u in units], [{"lead": u, "light": "red"} for u in units],
                  [{"overdue": "1", "unit": u} for u in units], [{"assigned_in": m} for m in months],
                  [{"committee": c, "basis": "due"} for c in committees]]
        for values in shapes:
            for n, args in enumerate(values):
                for today in (local_today(), local_today() + timedelta(days=40 * n)):
                    filters = ItemFilters.from_args({k: str(v) for k, v in args.items()})
                    expected = _expected(staff, filters, today)
                    page = list_page(staff, filters, 1, 2000, today)
                    assert [i.id for i in page.items] == expected, (args, today)
        for unit_id in units:  # a unit user's own list: the unit is a parameter too
            unit_user = User(username=f"u{unit_id}", display_name="x", role=Role.UNIT, unit_id=unit_id, active=True)
            expected = _expected(unit_user, ItemFilters(), local_today())
            assert [i.id for i in list_page(unit_user, ItemFilters(), 1, 2000, local_today()).items] == expected
    assert len(lists._kept) == len(shapes)  # a unit's own list is staff's unit filter: one statement


def test_a_kept_search_statement_serves_every_text_of_its_shape(app, seeded):
    """A text search keeps its statements too (``text_filter``: the text is a bound
    parameter, the statement depends on ``text_shape`` only): texts of one shape one after
    another — with and without a unit, short and long, Chinese and Latin, with LIKE's own
    characters — each list is exactly the items whose question or answer contains the
    text (a Python test), in the list's order, and each shape was built once."""
    lists._kept.clear()
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
        rows = db.session.execute(sa.select(Item.id, Item.question, Item.answer, Item.lead_unit_id, Item.stage)).all()
        questions = sorted({r.question for r in rows})
        unit_id = db.session.scalar(sa.select(Item.lead_unit_id).where(Item.lead_unit_id.is_not(None))
                                    .group_by(Item.lead_unit_id).order_by(sa.func.count().desc()).limit(1))
        texts = [[q[i:i + 2] for q in questions[:3] for i in (0, 3)],  # short: no trigram index
                 [q[i:i + 4] for q in questions[-3:] for i in (1, 5)],  # long: the trigram index
                 ["ab", "Zz", "X_"],  # cased, short (ILIKE); "_" is a plain character
                 ["ABCD", "zq%y", "a\\b"]]  # cased, long
        for group in texts:
            for args in ({}, {"unit": unit_id}):
                before = len(lists._kept)
                for text in group:
                    filters = ItemFilters.from_args({"q": text, **{k: str(v) for k, v in args.items()}})
                    page = list_page(staff, filters, 1, 2000, local_today())
                    assert [i.id for i in page.items] == _expected(staff, filters, local_today()), text
                    wanted = text.lower()
                    found = {r.id for r in rows if r.stage.value != "withdrawn"
                             and (wanted in r.question.lower() or wanted in (r.answer or "").lower())
                             and (not args or r.id in _unit_items(unit_id))}
                    assert {i.id for i in page.items} == found, text
                assert len(lists._kept) - before <= 2  # one shape: its statements (and the "common" ones)


def _unit_items(unit_id: int) -> set[int]:
    from tracker.models import item_co_unit
    return set(db.session.scalars(sa.select(Item.id).where(Item.lead_unit_id == unit_id))) | set(
        db.session.scalars(sa.select(item_co_unit.c.item_id).where(item_co_unit.c.unit_id == unit_id)))


def test_my_items_with_attention_first_equals_the_plain_sorted_query(app, seeded):
    """我的事项 puts 待签收 and returned reports first (``first=``): page after page the rows
    are exactly the plain query sorted by that key and then urgency — none lost, none twice."""
    from tracker.main.todos import attention_first
    today = local_today()
    with app.app_context():
        unit_user = db.session.scalar(sa.select(User).where(User.username == "unit_edu"))
        first = attention_first()
        clause, key = first.clause, first.key
        stmt = visible_items(unit_user).order_by(sa.case((clause, key), else_=2), *urgency_order(today))
        expected = list(db.session.scalars(stmt.with_only_columns(Item.id), first.params))
        assert len(expected) > 14
        leading = set(db.session.scalars(visible_items(unit_user).where(clause).with_only_columns(Item.id),
                                         first.params))
        assert leading and expected[:len(leading)] and set(expected[:len(leading)]) == leading
        seen = []
        for number in range(1, len(expected) // 7 + 2):
            seen += [item.id for item in list_page(unit_user, ItemFilters(), number, 7, today,
                                                   first=attention_first()).items]
        assert seen == expected


def test_count_is_capped_and_pagination_goes_on(app, seeded, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 20)
    today = local_today()
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
        unit_id = db.session.scalar(sa.select(User.unit_id).where(User.username == "unit_edu"))
        everything = _expected(staff, ItemFilters(), today)
        first = list_page(staff, ItemFilters(), 1, 5, today)
        assert not first.exact and first.total == 20 and first.total_label == "20+"
        assert first.pages_label == "5+" and first.pages == 5  # a next page is offered
        deep = list_page(staff, ItemFilters(), 9, 5, today)  # past the cap: counted further, not clamped
        assert deep.page == 9 and [i.id for i in deep.items] == everything[40:45]
        unit = list_page(staff, ItemFilters(unit_id=unit_id), 1, 5, today)
        assert not unit.exact and unit.total_label == "20+"
        last = list_page(staff, ItemFilters(), 10_000, 50, today)  # a page past the end shows the last one
        assert last.items and [i.id for i in last.items] == everything[(last.page - 1) * 50:][:50]


def test_list_shows_capped_total(app, seeded, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 20)
    html = login_as(app, "staff").get("/items").get_data(as_text=True)  # 50 a page: counted to 51
    assert "第 1 / 2+ 页，共 50+ 项" in html and "/items?page=2" in html
    html = login_as(app, "staff").get("/items?page=2").get_data(as_text=True)
    assert "第 2 / 3+ 页，共 100+ 项" in html


def _plans(app, run) -> list[str]:
    """The SQLite query plan of every SELECT that ``run()`` sends, with its own parameters."""
    statements = []
    with app.app_context():
        engine = db.engine

    def capture(_conn, _cursor, statement, params, _context, _many):
        statements.append((statement, params))
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    with app.app_context():
        raw = db.session.connection().connection.dbapi_connection
        return ["\n".join(row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
                for sql, params in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


@pytest.mark.sqlite_only
def test_lead_arm_walks_the_index_without_sorting(app, seeded):
    today = local_today()
    with app.app_context():
        unit_id = db.session.scalar(sa.select(User.unit_id).where(User.username == "unit_edu"))
        lead, _co = unit_item_arms(apply_filters(sa.select(Item), ItemFilters(), today), unit_id)
        stmt = lead.with_only_columns(Item.id).order_by(*urgency_order(today)).limit(50)
        db.session.commit()  # CLI-style sessions take the write lock: release it for _plans' own
        [plan] = _plans(app, lambda: (db.session.execute(stmt).all(), db.session.commit()))
    assert "ix_item_lead_urgency" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.sqlite_only
def test_dashboard_statements_use_indexes_after_analyze(app, demo):
    """Every statement of the dashboard reads through an index: no full scan of the items
    or the evaluations once ``ANALYZE`` has run (the evaluation count used to start from
    every closed evaluation of every year). Four years of meetings, so that one year is a
    minority of the items, as it is in a real database."""
    with app.app_context():
        seed_items(3000, rng_seed=4, open_evaluations=5, long_timeline=10)
        analyze(db.session.connection())
        db.session.commit()
    client = login_as(app, "staff")
    client.get("/dashboard")
    app.extensions.pop(FIGURES.key, None)  # the kept figures: this view computes them again
    plans = _plans(app, lambda: client.get("/dashboard"))
    joined = "\n".join(plans)
    assert "SEARCH item USING INDEX ix_item_year_" in joined  # a year's items through the year kept on them (0026)
    for plan in plans:
        for line in plan.splitlines():
            assert not (line.startswith("SCAN item") and "INDEX" not in line), plan
            assert not line.startswith("SCAN evaluation"), plan
            assert "ix_evaluation_status" not in line, plan


def test_item_page_shows_recent_history_and_loads_the_rest(app, seeded):
    """A long history: the page carries the newest rows and a link; the htmx fragment and
    the no-JavaScript page give the older ones; another unit's user gets 404 for both."""
    from tracker.items.detail import TIMELINE_RECENT
    from tracker.models import AuditEntry
    item_id = seeded["long_item_id"]
    with app.app_context():
        ids = list(db.session.scalars(sa.select(AuditEntry.id).where(AuditEntry.item_id == item_id)
                                      .order_by(AuditEntry.id)))
    assert len(ids) > TIMELINE_RECENT + 5
    staff = login_as(app, "staff")
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    assert page.count("<time datetime=") == TIMELINE_RECENT and "显示更早的记录" in page
    assert f"/items/{item_id}/timeline?before={ids[-TIMELINE_RECENT]}" in page
    fragment = staff.get(f"/items/{item_id}/timeline?before={ids[-TIMELINE_RECENT]}",
                         headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert body.count("<time datetime=") == len(ids) - TIMELINE_RECENT and "<html" not in body
    full = staff.get(f"/items/{item_id}/timeline").get_data(as_text=True)
    assert full.count("<time datetime=") == len(ids) and "显示更早的记录" not in full
    for garbage in ("abc", "²", "9" * 30):  # a bad cursor shows everything, never a 500
        assert staff.get(f"/items/{item_id}/timeline?before={garbage}",
                         headers={"HX-Request": "true"}).status_code == 200
    with app.app_context():
        from tracker.models import item_co_unit
        own = {db.session.scalar(sa.select(Item.lead_unit_id).where(Item.id == item_id))}
        own |= set(db.session.scalars(sa.select(item_co_unit.c.unit_id).where(item_co_unit.c.item_id == item_id)))
        # A unit's own account (a staff account may belong to a committee unit and see every
        # item: unordered, PostgreSQL returned one of those now and then).
        other = db.session.scalar(sa.select(User.username).where(
            User.role == Role.UNIT, User.unit_id.is_not(None), User.unit_id.not_in(own),
            User.active.is_(True)).order_by(User.id))
    stranger = login_as(app, other)
    assert stranger.get(f"/items/{item_id}/timeline", headers={"HX-Request": "true"}).status_code == 404
    assert stranger.get(f"/items/{item_id}/timeline").status_code == 404


@pytest.mark.sqlite_only
def test_pooled_connections_run_pragma_optimize(app, demo, monkeypatch):
    """A served connection gathers statistics by itself (``PRAGMA optimize`` on check-in every
    ``OPTIMIZE_EVERY`` uses and on close): a database filled in bulk gets its plans right."""
    from tracker import database
    monkeypatch.setattr(database, "OPTIMIZE_EVERY", 1)
    with app.app_context():
        seed_items(300, rng_seed=5, open_evaluations=3, long_timeline=10, progress=None)
        db.session.execute(sa.text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
    staff = login_as(app, "staff")
    assert staff.get("/items?stage=改").status_code == 200
    with app.app_context():
        tables = set(db.session.scalars(sa.text("SELECT tbl FROM sqlite_stat1")))
    assert "item" in tables


def test_returned_reports_lead_my_items_as_the_exists_rule_says(app, seeded):
    """``returned_now_ids`` (read once through ``ix_progress_entry_review``) is exactly the
    correlated rule ``_returned_clause``: a report returned in the item's current round while
    it is being rectified — not one returned in an earlier round, not one on an item that
    has moved on — and those items come right after 待签收 on 我的事项."""
    from tracker.main.todos import _returned_clause, attention_first, returned_now_ids
    from tracker.models import EntryKind, ProgressEntry, ReviewStatus, Stage
    today = local_today()
    with app.app_context():
        unit_user = db.session.scalar(sa.select(User).where(User.username == "unit_edu"))
        rectifying = list(db.session.scalars(visible_items(unit_user).where(Item.stage == Stage.RECTIFYING)
                                             .order_by(Item.id).limit(3)))
        reported = db.session.scalar(visible_items(unit_user).where(Item.stage == Stage.REPORTED).limit(1))
        assert len(rectifying) == 3 and reported is not None
        for item, rnd in ((rectifying[0], rectifying[0].round), (rectifying[1], rectifying[1].round),
                          (rectifying[2], rectifying[2].round + 1), (reported, reported.round)):
            db.session.add(ProgressEntry(item_id=item.id, round=rnd, kind=EntryKind.REPORT, text="整改情况报告",
                                         unit_id=item.lead_unit_id or unit_user.unit_id, author_id=unit_user.id,
                                         review_status=ReviewStatus.RETURNED, review_note="证据不足"))
        db.session.commit()
        by_rule = set(db.session.scalars(sa.select(Item.id).where(_returned_clause())))
        assert set(returned_now_ids()) == by_rule == {rectifying[0].id, rectifying[1].id}
        page = list_page(unit_user, ItemFilters(), 1, 50, today, first=attention_first())
        ids = [i.id for i in page.items]
        assigned = [i.id for i in page.items if i.stage == Stage.ASSIGNED]
        assert ids[:len(assigned)] == assigned  # 待签收 first, then the two returned
        assert set(ids[len(assigned):len(assigned) + 2]) == by_rule


def test_the_overdue_count_is_answered_from_the_urgency_index(app, seeded):
    """``ix_item_urgency`` carries the stage (migration 0022): the overdue list's capped count
    reads an index only. Before, PostgreSQL ANDed two bitmaps of ~14k rows at 100k items
    and read 334 table pages (3.7 ms; 0.3 ms from the index). ``ix_item_stage_order``
    (migration 0025: stage, urgency, deadline) answers it from the index alone too."""
    from tracker.database import after_bulk_load
    today = local_today()
    with app.app_context():
        stmt = apply_filters(sa.select(Item), ItemFilters(overdue=True), today)
        count = sa.select(paging._capped_count_expr(stmt, paging.COUNT_CAP))
        compiled = count.compile(db.engine, compile_kwargs={"literal_binds": True})
        after_bulk_load(db.engine)
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":  # a table of 400 rows: say which plans are possible
                conn.exec_driver_sql("SET enable_seqscan = off")
                conn.exec_driver_sql("SET enable_bitmapscan = off")
                plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN (ANALYZE) {compiled}").scalars())
                assert "Heap Fetches: 0" in plan and any(f"Index Only Scan using {index}" in plan for index in (
                    "ix_item_urgency", "ix_item_stage_order")), plan
            else:
                plan = "\n".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
                assert "COVERING INDEX ix_item_urgency" in plan or "COVERING INDEX ix_item_stage_order" in plan, plan
            assert conn.scalar(count) > 0  # the seed has overdue items: the plan counted something


def test_a_units_lead_count_is_read_once(app, seeded, monkeypatch):
    """``capped_count_of_arms_statement`` tests the lead arm's count against the cap and returns it:
    written twice in the CASE, both databases read the unit's first 1,001 rows twice
    (PostgreSQL 100k: 1.89 → 1.13 ms). The derived table reads it once; the co-unit arm is
    still not read when the lead arm alone reaches the cap."""
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    today = local_today()
    with app.app_context():
        unit_id = db.session.scalar(sa.select(User.unit_id).where(User.username == "unit_edu"))
        lead, co = unit_item_arms(apply_filters(sa.select(Item), ItemFilters(), today), unit_id)
        def capped_count(lead, co, cap):
            return db.session.scalar(paging.capped_count_of_arms_statement(lead, co, cap))

        assert capped_count(lead, co, 6) == 6  # the seed gives the unit more than 6
        lead_only = capped_count(lead.where(sa.false()), co, 10_000)
        assert lead_only == db.session.scalar(sa.select(sa.func.count()).select_from(co.subquery()))
        compiled = None  # the statement as the list sends it, with its parameters

        def grab(_conn, _cursor, statement, params, _context, _many):
            nonlocal compiled
            compiled = (statement, params)
        sa.event.listen(db.engine, "before_cursor_execute", grab)
        try:
            capped_count(lead, co, 6)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", grab)
        statement, params = compiled
        db.session.commit()  # CLI-style sessions take the write lock: release it for the plan's connection
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN (ANALYZE) {statement}", params).scalars())
                ran = [line for line in plan.splitlines() if "never executed" not in line]
                # The lead arm through whichever index of the items the planner picks for a
                # table this small (ix_item_lead_stage, ix_item_lead_year_order, …): read once.
                executed = [line for line in ran if re.search(r"Scan (using|on) ix_item_(?!co_unit)\w+", line)]
                co_read = [line for line in ran if " on item_co_unit" in line]
                assert len(executed) == 1 and not co_read, plan
            else:
                plan = "\n".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params))
                assert plan.count("ix_item_lead_stage") == 1, plan
