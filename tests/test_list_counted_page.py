"""A list's count and page in one statement (``list_page._Statements.counted_page``).

The count rides beside the page's rows as an uncorrelated subquery: one round trip instead
of two. These tests prove it says what the separate count said — exact under the cap,
capped over it, zero for an empty list, for a unit's two arms — and that a page past the
end, which finds no rows to carry the count, still shows the last page. 我的事项 (rows that
lead the list) keeps its count apart.
"""
from __future__ import annotations

import math

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tracker import paging, queries
from tracker.extensions import db
from tracker.list_page import list_page
from tracker.main.todos import attention_first
from tracker.models import Item, User, local_today

from .test_list_plans import _expected, seed_with_statistics


@pytest.fixture
def seeded(app, demo):
    return seed_with_statistics(app)


class _Statements:
    """The statements run inside the block, as ``db.session`` sends them."""

    def __enter__(self):
        self.sent = []
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self.sent

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")):
            self.sent.append(statement)


def _user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def _unit() -> int:
    return db.session.scalar(sa.select(Item.lead_unit_id).where(Item.lead_unit_id.is_not(None))
                             .group_by(Item.lead_unit_id).order_by(sa.func.count().desc()).limit(1))


@pytest.mark.usefixtures("seeded")
def test_one_statement_gives_the_page_and_its_exact_count(app):
    with app.app_context():
        staff, today = _user("staff"), local_today()
        list_page(staff, queries.ItemFilters(), 1, 7, today)  # the units' names, kept per process
        for args in ({}, {"stage": "改"}, {"unit_id": _unit()}, {"overdue": True}, {"year": 1999}):
            filters = queries.ItemFilters(**args)
            expected = _expected(staff, filters, today)
            with _Statements() as sent:
                page = list_page(staff, filters, 1, 7, today)
            assert len(sent) == 1, (args, sent)
            assert page.exact and page.total == len(expected), args
            assert [i.id for i in page.items] == expected[:7], args


@pytest.mark.usefixtures("seeded")
def test_a_page_past_the_end_shows_the_last_page(app):
    with app.app_context():
        staff, today = _user("staff"), local_today()
        filters = queries.ItemFilters(stage="改")
        expected = _expected(staff, filters, today)
        list_page(staff, filters, 1, 7, today)  # the units' names, kept per process
        last = math.ceil(len(expected) / 7)
        with _Statements() as sent:
            page = list_page(staff, filters, last + 5, 7, today)
        assert len(sent) == 3, sent  # the empty page, then the count, then the last page
        assert (page.page, page.total, page.exact) == (last, len(expected), True)
        assert [i.id for i in page.items] == expected[(last - 1) * 7:]


@pytest.mark.usefixtures("seeded")
def test_a_count_over_the_cap_says_more_than(app, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    with app.app_context():
        staff, today = _user("staff"), local_today()
        for args in ({}, {"unit_id": _unit()}):
            filters = queries.ItemFilters(**args)
            assert len(_expected(staff, filters, today)) > 11, args
            page = list_page(staff, filters, 1, 7, today)
            assert (page.total, page.exact) == (10, False), args  # "10+" (``Page.total_label``)


@pytest.mark.usefixtures("seeded")
def test_my_items_counts_apart_from_the_leading_rows(app):
    """我的事项 counts, then reads its leading rows: with the count beside them PostgreSQL
    never found a generic plan good enough and planned the statement on every request
    (1.3 ms; ``tests/test_list_generic_plans.py``)."""
    with app.app_context():
        unit_user = _user("unit_edu")
        today = local_today()
        mine = db.session.scalar(sa.select(sa.func.count()).select_from(
            queries.visible_items(unit_user).where(queries.not_withdrawn()).subquery()))
        list_page(unit_user, queries.ItemFilters(), 1, 7, today, first=attention_first())
        with _Statements() as sent:
            first = attention_first()
            page = list_page(unit_user, queries.ItemFilters(), 1, 7, today, first=first)
        assert page.exact and page.total == mine and len(page.items) == min(7, mine)
        # The count, then the page — the returned reports (``attention_first``) a subquery of it.
        assert len(sent) == 2, sent


@pytest.mark.postgres_only
@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("cap", [1000, 3])
def test_a_looked_up_text_is_counted_and_paged_in_one_statement(app, monkeypatch, cap):
    """PostgreSQL: a two-character text looked up in its index (not frequent) is counted and
    paged in one statement (``list_page._gated_page``): the count picks how the page is read
    — from the matches under the cap, walking the list order over it — and the way not
    taken is never run (its one-time filter is false). It was two statements."""
    monkeypatch.setattr(paging, "TEXT_COUNT_CAP", cap)
    with app.app_context():
        staff, today = _user("staff"), local_today()
        questions = db.session.scalars(sa.select(Item.question).order_by(Item.id)).all()
        text = next(q[:2] for q in questions if sum(q[:2] in other for other in questions) > 7)
        filters = queries.ItemFilters(q=text)
        expected = _expected(staff, filters, today)
        list_page(staff, filters, 1, 2, today)  # the units' names, kept per process
        sent = []

        def record(_conn, _cursor, statement, params, *_args):
            sent.append((statement, params))
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            page = list_page(staff, filters, 1, 2, today)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        [(statement, params)] = sent
        assert [i.id for i in page.items] == expected[:2]
        assert (page.total, page.exact) == ((len(expected), True) if cap == 1000 else (3, False))
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + statement, params)
        plan = [row[0] for row in cursor.fetchall()]
        db.session.rollback()

    def way_run(condition: str) -> bool:
        """Whether the page's way behind the one-time filter ``condition`` read its rows."""
        start = next(n for n, line in enumerate(plan) if "One-Time Filter" in line and condition in line)
        return "never executed" not in next(line for line in plan[start:] if "->  Limit" in line)
    assert (way_run(" < "), way_run(" >= ")) == ((True, False) if cap == 1000 else (False, True)), plan


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("seeded")
def test_sqlite_reads_nothing_of_the_way_not_taken(app, monkeypatch):
    """SQLite: the gated statement's way not taken has a row limit of 0 and reads nothing
    (a condition on the count in its WHERE is tested on each row it reads instead: a text
    found nowhere walked every item in list order, 6.8 ms at 100k items). Counted in
    SQLite's virtual-machine steps against the same statement with both ways read: that
    one walks the items as well, at least a step each."""
    from tracker import list_page as lists
    with app.app_context():
        staff, today = _user("staff"), local_today()
        filters = queries.ItemFilters(q="噪音")  # two characters no seeded text holds
        assert _expected(staff, filters, today) == []
        items = db.session.scalar(sa.select(sa.func.count()).select_from(Item))
        raw = db.session.connection().connection.dbapi_connection

        def steps() -> int:
            list_page(staff, filters, 1, 50, today)  # the units' names, kept per process
            sent = []

            def record(_conn, _cursor, statement, params, *_args):
                if not statement.lstrip().upper().startswith("BEGIN"):
                    sent.append((statement, params))
            event.listen(db.engine, "before_cursor_execute", record)
            try:
                assert list_page(staff, filters, 1, 50, today).total == 0
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
            [(statement, params)] = sent
            taken = [0]

            def step():
                taken[0] += 1
            raw.set_progress_handler(step, 1)
            try:
                raw.execute(statement, params).fetchall()
            finally:
                raw.set_progress_handler(None, 1)
            return taken[0]
        gated = steps()
        each = lists._each_arms_ids
        monkeypatch.setattr(lists, "_gated", type(lists._gated)(256))
        monkeypatch.setattr(lists, "_each_arms_ids", lambda arms, end: each(
            arms, end.whens[0][1] if isinstance(end, sa.Case) else end))  # both ways read
        both = steps()
        db.session.rollback()
    assert gated + items <= both, (gated, both, items)
