"""The urgency-ordered item list every list page shows (事项台账, 我的事项, the unit filter):
one page read as narrow ids from indexes, then loaded (issue 16).

A unit's items are read as two arms — the items it leads and its co-unit rows — each cut at
the page's end before they are merged, and rows that must lead the list (``First``) are read
part by part in the same way, so no statement sorts a unit's whole set. Counting, filtering
and loading are ``queries``'.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial

import sqlalchemy as sa

from .extensions import db
from .kept import Kept
from .list_items import list_columns, list_items
from .models import Item
from .paging import Page, _cap_for, _capped_count_expr, _page_number, capped_count_of_arms_statement
from .queries import ItemFilters, apply_filters, filter_params, filter_shape, urgency_order
from .text_filter import frequent_text, looked_up, lookup, probe_matches, probe_phrase
from .visibility import CO_UNIT_ORDER, unit_item_arms, unit_scope, visible_items

# Statements kept per process, per filter shape (``queries.filter_shape``): building one
# (~40 clause objects, and SQLAlchemy walking them for its cache key) cost more than running
# it — 0.8 of a unit list's 2.2 ms in Python at 100k items (issue 16: lists at 0.8x the
# realistic floor's throughput). A kept statement is run with every value of the request
# as a named bound parameter (``queries.filter_params`` and the page's own below), so no
# value of the request that built it is seen by another.
_kept: Kept[_Statements] = Kept(256)
# A frequent text's count reads at most this many trigram matches per row it counts before
# counting row by row (``_Statements(probe=True)``): a text in 1 in 4 of the items a list's
# other filters keep still reaches the cap from them.
PROBE_ROWS = 4


def list_page(user, filters: ItemFilters, page: int, per_page: int, today: date,
              first: First | None = None) -> Page:
    """The urgency-ordered item list every list page shows: ``visible_items`` for ``user``,
    ``filters`` applied, one page of rows (``list_items.ListItem``).

    A unit's items (a unit user's own, or staff filtering by unit) are read as two arms —
    the items the unit leads, through ``ix_item_lead_urgency`` in urgency order, and its
    co-unit items — each cut at the page's end before they are merged, so the database
    reads about one page per arm instead of sorting the unit's ~11k items (issue 16).

    ``first`` (``First``): rows matching its clause come before the rest, ordered by its key
    then urgency (我的事项: 待签收 and returned reports first). They are read apart — a small
    set — so the rest still walks the index instead of sorting on the key."""
    own_unit = unit_id = unit_scope(user)
    if unit_id is None and filters.unit_id:
        unit_id, filters = filters.unit_id, replace(filters, unit_id=None)
    # A unit user's visibility is exactly its unit's two arms below; staff see every item.
    plain = bool(own_unit or user.is_staff)
    frequent = bool(filters.q) and frequent_text(filters.q)
    dialect = db.session.get_bind().dialect.name
    probe = frequent and unit_id is None and dialect == "sqlite"
    values = filter_params(filters, today)
    shape = filter_shape(filters, values)

    def build(common_text: bool = False) -> _Statements:
        base = sa.select(Item) if plain else visible_items(user)
        return _Statements(apply_filters(base, filters, today, common_text=common_text, frequent_text=frequent,
                                         values=values), unit_id, first, probe=probe)

    keep = plain and (first is None or first.shape is not None)
    key = (dialect, shape, frequent, unit_id is not None, first.shape if first else None)
    kept = _kept.get(key, build) if keep else build()
    params = values | ({"arm_unit": unit_id} if unit_id is not None else {}) | \
        (first.params if first is not None else {})
    cap = _cap_for(page, per_page, text=bool(filters.q))
    if probe:
        params |= {"f_text_probe": probe_phrase(filters.q), "probe_limit": PROBE_ROWS * cap}
    params["cap"] = cap
    # The count and the page in one statement; for a text looked up in an index and not
    # frequent, whose count picks how the page is read (``common`` below), both ways of
    # reading it are in the statement (``_gated_page``). Not with leading rows (我的事项): with the count
    # beside them PostgreSQL never settled on a generic plan and planned the statement on
    # every request (1.3 ms, more than the round trip saved). A page past the end finds no
    # rows: then the count alone says which page to show.
    if first is None:
        gated = bool(filters.q) and not frequent and looked_up(lookup(filters.q), dialect)
        counted_page = kept.counted_page if not gated else \
            _gated.get(key, lambda: _gated_page(kept, build(True))) if keep else _gated_page(kept, build(True))
        rows = db.session.execute(counted_page, params | _window(page, per_page)).all()
        if rows or page == 1:
            counted = rows[0].list_total if rows else 0
            exact = counted < cap
            return Page(items=list_items(rows), total=counted if exact else cap - 1, page=page,
                        per_page=per_page, exact=exact)
    counted = db.session.scalar(kept.count, params) or 0
    exact = counted < cap
    total = counted if exact else cap - 1
    page = _page_number(page, total, exact, per_page)
    if total == 0:  # nothing matches: the page's statements would only read it all again (a search not found)
        return Page(items=[], total=0, page=1, per_page=per_page, exact=True)
    if filters.q and not exact and not frequent:  # common: walk the list order, testing each item against the matches
        kept = _kept.get((*key, "common"), partial(build, True)) if keep else build(True)
    params |= _window(page, per_page)
    if first is not None:
        return _page_with_first(kept, params, page, per_page, total, exact)
    items = list_items(db.session.execute(kept.page, params).all())
    return Page(items=items, total=total, page=page, per_page=per_page, exact=exact)


def _window_params(dialect: str) -> dict[str, sa.BindParameter]:
    """The statements' row limits — ``cap`` (the count's), ``end`` (each arm's), ``per_page``
    and ``offset`` (the page's) — and ``arm_unit``, the unit of a unit's two arms.

    On PostgreSQL their values are written into the statement's text when it runs
    (``literal_execute``). psycopg prepares a statement after its fifth run, and PostgreSQL
    then plans it once (a generic plan) unless that plan's estimate is worse than the
    custom plans' it made for the actual values. With a LIMIT as a parameter it assumes a
    tenth of the rows, and with the unit as one the average unit, whose fewer rows make a
    LIMIT look costlier to reach: the generic plan never won, and every request planned
    the list's statements again (0.4-0.7 ms a statement, as much as running it). With the
    numbers in the text, a first page's statements — one text per unit — get a generic plan
    once per connection. SQLite plans a statement when it is prepared either way; its
    plans are the ones ``tests/test_list_plans.py`` checks, with parameters."""
    literal = dialect == "postgresql"
    return {name: sa.bindparam(name, type_=sa.Integer(), literal_execute=literal)
            for name in ("cap", "end", "per_page", "offset", "arm_unit")}


def _window(page: int, per_page: int) -> dict:
    """The page's bound parameters: the rows it shows end at ``end``."""
    end = page * per_page
    return {"end": end, "per_page": per_page, "offset": end - per_page}


class _Statements:
    """A list's statements for one filter shape, every value a bound parameter: ``count``
    (capped at ``cap``), and ``page`` — or, with ``first``, ``first_page`` — the rows of the
    page ending at ``end``; ``counted_page``: the page's rows with the count beside them
    (``list_total``), one round trip instead of two.

    The page's ids are read first, sorted as narrow rows (often straight from an index),
    then the page's 50 rows' columns: sorting the joined wide rows of every match (the
    overdue list: ~12k at 100k items) cost more than the rest of the page. A unit's items
    are two arms (``visibility.unit_item_arms``), each with its own order — the co-unit arm
    sorts by its row's copies of the same keys (its index) — cut at ``end`` and merged."""

    def __init__(self, stmt: sa.Select, unit_id: int | None, first: First | None, probe: bool = False) -> None:
        """``probe``: a frequent text on SQLite (tested on each row read): the count first
        counts the rows among the text's first ``PROBE_ROWS × cap`` trigram matches
        (``text_filter.probe_matches``) that pass every filter — a lower bound, read in
        ~0.2 ms; only when it stays under the cap are the rows counted one by one (1.3 ms
        for a text in 8 % of 100k items, more for a rare one among the other filters)."""
        window = _window_params(db.session.get_bind().dialect.name)
        cap, end = window["cap"], window["end"]
        order = urgency_order()
        if unit_id is None:
            arms = ((stmt, order),)
            count = _capped_count_expr(stmt, cap)
            if probe:
                matches = probe_matches()
                at_least = _capped_count_expr(stmt.join(matches, matches.c.id == Item.id), cap)
                count = sa.case((at_least >= cap, cap), else_=count)
            self.count = sa.select(count)
        else:
            lead, co = unit_item_arms(stmt, window["arm_unit"])
            arms = ((lead, order), (co, CO_UNIT_ORDER))
            self.count = capped_count_of_arms_statement(lead, co, cap)
        if first is not None:
            self.first_page = _first_statement(arms, first, order, window)
            return
        self.arms = arms
        self.ids = _arm_ids(arms, end)
        self.page = _page_of(self.ids, window)
        # The count beside the page: an uncorrelated subquery, run once.
        self.counted_page = self.page.add_columns(self.count.scalar_subquery().label("list_total"))


def _arm_ids(arms, end):
    """The first ``end`` ids of each arm, in its order (one arm, or a unit's two merged)."""
    ids = _each_arms_ids(arms, end)
    return sa.union_all(*ids) if len(ids) > 1 else ids[0]


def _each_arms_ids(arms, end) -> list[sa.Select]:
    return [sa.select(_ids(arm, by, end).c.id) for arm, by in arms]


def _page_of(ids, window: dict[str, sa.BindParameter]) -> sa.Select:
    """The rows of the page ending at ``end`` among ``ids`` (a list's first ``end`` ids), in list order."""
    return list_columns(sa.select(Item).where(Item.id.in_(ids)).order_by(*urgency_order())
                        .limit(window["per_page"]).offset(window["offset"]))


# The gated statements (``_gated_page``), per filter shape as ``_kept``.
_gated: Kept[sa.Select] = Kept(256)


def _gated_page(rare: _Statements, common: _Statements) -> sa.Select:
    """A looked-up text's count and page in one statement. Its count (``cap``) decides how
    the page is read: a text found in fewer items than the cap starts from its matches
    (``rare``); a common one walks the list order testing each row against them
    (``common``; ``text_filter(common=True)``). Both ways are in the statement and the
    database runs one: on PostgreSQL each sits behind a condition on the count that it
    tests once, before reading (a one-time filter); on SQLite, which tests such a condition
    on every row the other way reads (a text found nowhere walked all 100k items, 6.8 ms),
    each way's row limit is 0 unless it is taken — a limit is worked out before the first
    row is read (as ``_first_statement``'s walk). The count is a CTE, read once. It was a
    statement of its own, then the page: one round trip more on every search (issue 16)."""
    dialect = db.session.get_bind().dialect.name
    window = _window_params(dialect)
    counted = rare.count.cte("list_count")
    total = sa.select(counted.c[0]).scalar_subquery()

    def way(statements: _Statements, taken) -> list[sa.Select]:
        if dialect == "postgresql":
            ids = statements.ids.subquery()
            return [sa.select(ids.c.id).where(taken)]
        return _each_arms_ids(statements.arms, sa.case((taken, window["end"]), else_=0))
    ids = sa.union_all(*way(rare, total < window["cap"]), *way(common, total >= window["cap"]))
    return _page_of(ids, window).add_columns(total.label("list_total"))


@dataclass(frozen=True, eq=False)
class First:
    """The rows that lead a list (``list_page(first=…)``): those matching one of ``parts``,
    the first part's rows first (a row matching several belongs to the first), each part's
    rows in the list order. ``co_unit``: the same parts written on the co-unit row's copies
    (``item_co_unit.stage``, ``item_id``), for the co-unit arm: it then walks its own index
    instead of probing each item.

    ``shape`` and ``params``: as ``queries.filter_shape`` and ``filter_params`` for the
    parts, whose values are bound parameters named in ``params`` — the list then keeps its
    statements; None (the default) builds them per request.

    ``columns``: labelled columns of the list's own that the page's rows carry beside the
    list's (correlated to ``Item``), read in the same statement; ``Page.extra`` holds them."""

    parts: tuple[sa.ColumnElement, ...]
    co_unit: tuple[sa.ColumnElement, ...] | None = None
    shape: tuple | None = None
    params: dict = field(default_factory=dict)
    columns: tuple[sa.Label, ...] = ()

    @property
    def clause(self) -> sa.ColumnElement:
        """Whether an item leads the list."""
        return sa.or_(*self.parts)

    @property
    def key(self) -> sa.ColumnElement:
        """A leading item's place before the list order: the number of its first part."""
        return sa.case(*((part, n) for n, part in enumerate(self.parts)), else_=len(self.parts))


def _first_statement(arms, first: First, order, window: dict[str, sa.BindParameter]) -> sa.Select:
    """The page's rows when ``first``'s rows lead the list, in one statement (see
    ``_page_with_first``): the first ``end`` leading ids, then the first ``2 × end`` ids of
    the urgency walk less those, each numbered in its order; the page is the slice of that
    sequence ending at ``end``, read with its columns."""
    def ordered(selects, lead_key, limit, part: int):
        union = sa.union_all(*(sa.select(_ids(s, by, limit).c.id) for s, by in selects))
        position = sa.func.row_number().over(order_by=(*lead_key, *order))
        return sa.select(sa.literal(part).label("part"), Item.id.label("id"), position.label("position")) \
            .where(Item.id.in_(union)).order_by(*lead_key, *order).limit(limit)

    def parts_of(by):
        return first.co_unit if by is CO_UNIT_ORDER and first.co_unit is not None else first.parts

    end = window["end"]
    leading = ordered([(arm.where(part), by) for arm, by in arms for part in parts_of(by)], (first.key,), end,
                      0).cte("leading")  # read once, though asked twice
    # The walk's first ``end`` ids hold the ``end - L`` the page may need when the L leading
    # rows are fewer than ``end`` (then they are all of them); with ``end`` leading rows the
    # page is theirs and the walk reads nothing. (It read ``2 × end`` ids always: 200 rows
    # and their items for 我的事项's first page of a unit with a page of 待签收.)
    rest_limit = sa.select(sa.case((sa.func.count() < end, end), else_=0)).select_from(leading).scalar_subquery()
    rest = ordered(arms, (), rest_limit, 1).subquery()
    both = sa.union_all(sa.select(leading.c.part, leading.c.id, leading.c.position),
                        sa.select(rest.c.part, rest.c.id, rest.c.position)
                        .where(rest.c.id.not_in(sa.select(leading.c.id)))).subquery()
    return list_columns(sa.select(Item).join(both, both.c.id == Item.id)
                        .order_by(both.c.part, both.c.position)
                        .limit(window["per_page"]).offset(window["offset"])).add_columns(*first.columns)


def _page_with_first(kept: _Statements, params: dict, page: int, per_page: int, total: int, exact: bool) -> Page:
    """One page when the rows matching ``first`` lead the list (see ``list_page``): the first
    ``end`` of those, then the urgency walk without them — one statement (``_first_statement``;
    it was three round trips: the leading ids, the walk's, then the rows).

    Each arm reads each part apart, in its own order, and stops after ``end`` rows: a part's
    first ``end`` hold every row of it that the page's leading ``end`` can show (those of an
    earlier part come first anyway; the IN of the union drops an id read twice). So the
    lead arm walks ``ix_item_lead_stage`` and the co-unit arm ``ix_item_co_unit_stage``
    (``first.co_unit``) for their 待签收 rows and stop after a page, however few or many a
    unit has; before, the co-unit arm read all of a unit's urgency-0 co-unit rows (~3,500 at
    1M items) and tested each item, and an OR or a sort key over the parts made both
    databases read and sort every 待签收 row."""
    rows = db.session.execute(kept.first_page, params).all()
    return Page(items=list_items(rows), total=total, page=page, per_page=per_page, exact=exact,
                extra={row.id: row for row in rows})


def _ids(stmt: sa.Select, order, end):
    """The first ``end`` ids of ``stmt`` in ``order``, as a subquery."""
    return stmt.with_only_columns(Item.id, maintain_column_froms=True).order_by(*order).limit(end).subquery()
