"""The dashboard's drill-down lists (issue 16: each filter and pair of filters tried,
``bench.filter_matrix``): one stage, a month's 交办 or 办结, a year, 督办, 无进展 and 终止跟踪
read through their own indexes (migrations 0025, 0026; ``database.likely`` on SQLite), with
exactly the rows of the plain sorted query."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.list_page import list_page
from tracker.models import Activity, Item, User, local_today
from tracker.queries import ItemFilters, apply_filters, urgency_order, visible_items

from .test_list_plans import _expected, seed_with_statistics


@pytest.fixture
def seeded(app, demo):
    return seed_with_statistics(app)


def _drill_down_shapes() -> list[dict]:
    """The dashboard's links (a year, a unit, a basis, a month) and the other lists that read
    most of the table before migration 0025 (issue 16: each filter and pair of filters tried)."""
    years = sorted({d.year for d in db.session.scalars(sa.select(Activity.meeting_date))})
    unit = db.session.scalar(sa.select(Item.lead_unit_id).where(Item.lead_unit_id.is_not(None))
                             .group_by(Item.lead_unit_id).order_by(sa.func.count().desc()).limit(1))
    month = db.session.scalar(sa.select(Item.closed_at).where(Item.closed_at.is_not(None))
                              .order_by(Item.closed_at.desc()).limit(1)).strftime("%Y-%m")
    return [{"year": years[-1]}, {"year": years[0]}, {"year": years[-1], "basis": "closed"},
            {"year": years[max(0, len(years) - 2)], "basis": "closed_on_time", "lead": unit},
            {"year": years[-1], "light": "red"},
            {"closed_in": month}, {"closed_in": month, "lead": unit}, {"assigned_in": month, "unit": unit},
            {"stage": "办结"}, {"basis": "closed"}, {"basis": "terminated"}, {"silent": "1"},
            {"supervised": "1"}, {"supervised": "1", "unit": unit}, {"year": years[-1], "unit": unit}]


@pytest.mark.usefixtures("seeded")
def test_drill_down_lists_page_through_the_plain_query(app):
    """A month's, a year's, one stage's, 督办 and 无进展 lists, read through their own
    indexes: page after page (7 a page)
    the rows of the plain sorted query, none lost, none twice."""
    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
        today = local_today()
        for args in _drill_down_shapes():
            filters = ItemFilters.from_args({k: str(v) for k, v in args.items()})
            expected = _expected(staff, filters, today)
            seen = []
            for number in range(1, len(expected) // 7 + 2):
                page = list_page(staff, filters, number, 7, today)
                assert page.exact and page.total == len(expected), args
                if page.page < number:  # past the last page the list shows the last one again
                    break
                seen += [item.id for item in page.items]
            assert seen == expected, args


def _sqlite_plan(conn, stmt) -> str:
    """SQLite's query plan of ``stmt``, its steps on one line."""
    compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})
    return " ".join(row[-1] for row in conn.exec_driver_sql(
        "EXPLAIN QUERY PLAN " + compiled.string, tuple(compiled.params[k] for k in compiled.positiontup)))


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("seeded")
def test_sqlite_reads_drill_down_lists_through_their_indexes(app):
    """Migration 0025 and ``database.likely``: one stage walks ``ix_item_stage_order`` with no
    sort; a month walks its own index (0029), even beside a unit whose 办结 items another
    index holds; 无进展
    does not read every old item through ``ix_item_last_activity_on``; 我的事项's returned
    reports start from the returned entries."""
    with app.app_context():
        conn = db.session.connection()  # SQLite's planner; PostgreSQL's estimates ranges from histograms
        staff = db.session.scalar(sa.select(User).where(User.username == "staff"))

        def plan(args: dict) -> str:
            stmt = apply_filters(visible_items(staff), ItemFilters.from_args(args), local_today())
            return _sqlite_plan(conn, stmt.with_only_columns(Item.id).order_by(*urgency_order()).limit(50))
        closed = plan({"stage": "closed"})
        assert "ix_item_stage_order" in closed and "TEMP B-TREE" not in closed, closed
        unit = str(db.session.scalar(sa.select(Item.lead_unit_id).where(Item.lead_unit_id.is_not(None)).limit(1)))
        # A month walks its own index in list order (migration 0029): no sort of the month.
        for args, index in (({"closed_in": "2026-03"}, "ix_item_closed_month_order"),
                            ({"closed_in": "2026-03", "lead": unit}, "ix_item_closed_month_order"),
                            ({"assigned_in": "2026-03"}, "ix_item_assigned_month_order")):
            month = plan(args)
            assert index in month and "TEMP B-TREE" not in month, (args, month)
        assert "ix_item_last_activity_on" not in plan({"silent": "1"})
        # 我的事项's returned reports: read from the few returned entries, not from every
        # rectifying item through ix_item_stage_order (1M items: 7 ms).
        from tracker.main.todos import _returned_now_statement
        returned = _sqlite_plan(conn, _returned_now_statement())
        assert "SEARCH returned_report USING INDEX ix_progress_entry_review" in returned and \
            returned.index("returned_report") < returned.index("SEARCH item"), returned


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("seeded")
def test_returned_reports_start_from_the_returned_entries_whatever_the_statistics(app):
    """The statistics a 1M-item database got from ``PRAGMA optimize`` under an analysis
    limit put ~1,000 rows behind ``stage = rectifying`` and as many behind the returned
    state; the join then started from the items — every rectifying item read, 537 ms for
    我的事项 (``todos._returned_now_statement``, now the returned entries with an EXISTS)."""
    from tracker.main.todos import _returned_now_statement
    with app.app_context():
        conn = db.session.connection()
        conn.exec_driver_sql(
            "DELETE FROM sqlite_stat1 WHERE idx IN ('ix_item_stage_order', 'ix_progress_entry_review')")
        conn.exec_driver_sql(
            "INSERT INTO sqlite_stat1 VALUES ('item', 'ix_item_stage_order', '966042 1001 1001 18 1'), "
            "('progress_entry', 'ix_progress_entry_review', '6284220 1001 2')")
        conn.exec_driver_sql("ANALYZE sqlite_schema")  # the planner reads the statistics again
        plan = _sqlite_plan(conn, _returned_now_statement())
        assert plan.startswith("SEARCH returned_report USING INDEX ix_progress_entry_review"), plan
        assert "ix_item_stage_order" not in plan, plan
        db.session.rollback()


# ``sqlite_stat1`` of ``item`` in the benchmark's 1M-item database after migration 0029
# (ANALYZE under ``database.ANALYSIS_LIMIT``): every equality looks like ~1,000 rows.
SAMPLED_1M_ITEM_STATS = {
    "ix_item_activity_id": "1304670 20", "ix_item_activity_lead": "1231230 20 3",
    "ix_item_answer_last": "1303434 1001", "ix_item_answer_tail": "1612608 1001",
    "ix_item_assigned_month_order": "1736514 1001 667 15 1 1",
    "ix_item_closed_month_order": "1038240 667 667 9 1 1 1", "ix_item_closure_kind": "1008678 1001",
    "ix_item_last_activity_on": "2133800 49", "ix_item_lead_stage": "1484440 1001 667 667 3 1",
    "ix_item_lead_urgency": "1762560 1001 1001 4 1", "ix_item_lead_year_order": "1677984 1001 501 334 5 1",
    "ix_item_parent_id": "1008678 1001", "ix_item_question_last": "1053184 1001",
    "ix_item_question_tail": "1016064 1001", "ix_item_stage": "881280 1001",
    "ix_item_stage_deadline": "926370 1001 18", "ix_item_stage_order": "966042 1001 1001 18 1",
    "ix_item_supervised_order": "1061592 1001 1001 3 1", "ix_item_urgency": "896874 1001 21 1 1",
    "ix_item_year_order": "968136 1001 667 9 1 1", "ix_item_year_stage_order": "1083264 1001 501 501 5 1",
    "sqlite_autoindex_item_1": "1263746 20 1",
}


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("seeded")
def test_a_month_walks_its_index_under_sampled_statistics(app):
    """A 1M-item database's statistics, sampled under ``ANALYSIS_LIMIT`` after migration
    0029, put ~1,000 rows behind ``stage = closed`` (really 845k) and ~670 behind a month:
    SQLite walked every 办结 item through ``ix_item_stage_order`` for a month's 693
    (1.9 s). ``queries._in_month`` tells it how rare a month is."""
    with app.app_context():
        conn = db.session.connection()
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'item'")
        for index, stat in SAMPLED_1M_ITEM_STATS.items():
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('item', ?, ?)", (index, stat))
        conn.exec_driver_sql("ANALYZE sqlite_schema")
        staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
        unit = str(db.session.scalar(sa.select(Item.lead_unit_id).where(Item.lead_unit_id.is_not(None)).limit(1)))
        for args, index in (({"closed_in": "2026-03"}, "ix_item_closed_month_order"),
                            ({"closed_in": "2026-03", "lead": unit}, "ix_item_closed_month_order"),
                            ({"assigned_in": "2026-03"}, "ix_item_assigned_month_order")):
            stmt = apply_filters(visible_items(staff), ItemFilters.from_args(args), local_today())
            for query in (stmt.with_only_columns(Item.id).order_by(*urgency_order()).limit(50),
                          sa.select(sa.func.count()).select_from(stmt.with_only_columns(Item.id).limit(1001).subquery())):
                plan = _sqlite_plan(conn, query)
                assert index in plan and "TEMP B-TREE" not in plan, (args, plan)
        db.session.rollback()
