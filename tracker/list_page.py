"""The urgency-ordered item list every list page shows (事项台账, 我的事项, the unit filter):
one page read as narrow ids from indexes, then loaded (issue 16).

A unit's items are read as two arms — the items it leads and its co-unit rows — each cut at
the page's end before they are merged, and rows that must lead the list (``First``) are read
part by part in the same way, so no statement sorts a unit's whole set. Counting, filtering
and loading are ``queries``'.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa

from .extensions import db
from .list_items import load_list_items
from .models import Item
from .queries import (
    ItemFilters,
    Page,
    _cap_for,
    _page_number,
    apply_filters,
    capped_count,
    capped_count_of_arms,
    urgency_order,
)
from .text_filter import frequent_text
from .visibility import CO_UNIT_ORDER, unit_item_arms, unit_scope, visible_items


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
    # A unit user's visibility is exactly its unit's two arms below.
    base = sa.select(Item) if own_unit else visible_items(user)
    frequent = bool(filters.q) and frequent_text(filters.q)
    stmt = apply_filters(base, filters, today, frequent_text=frequent)
    order = urgency_order(today)
    cap = _cap_for(page, per_page, text=bool(filters.q))
    if unit_id is None:
        counted = capped_count(stmt, cap)
    else:
        lead, co = unit_item_arms(stmt, unit_id)
        counted = capped_count_of_arms(lead, co, cap)
    exact = counted < cap
    total = counted if exact else cap - 1
    page = _page_number(page, total, exact, per_page)
    if total == 0:  # nothing matches: the page's statements would only read it all again (a search not found)
        return Page(items=[], total=0, page=1, per_page=per_page, exact=True)
    if filters.q and not exact and not frequent:  # common: walk the list order, testing each item against the matches
        stmt = apply_filters(base, filters, today, common_text=True)
        if unit_id is not None:
            lead, co = unit_item_arms(stmt, unit_id)
    end = page * per_page
    # The page's ids first, sorted as narrow rows (often straight from an index), then the
    # page's 50 rows' columns: sorting the joined wide rows of every match
    # (the overdue list: ~12k at 100k items) cost more than the rest of the page.
    # (arm, its order): the co-unit arm sorts by its row's copies of the same keys (its index).
    arms = ((stmt, order),) if unit_id is None else ((lead, order), (co, CO_UNIT_ORDER))
    if first is not None:
        return _page_with_first(arms, first, order, page, per_page, total, exact)
    ids = sa.union_all(*(sa.select(_ids(arm, by, end).c.id) for arm, by in arms)) if len(arms) > 1 \
        else sa.select(_ids(stmt, order, end).c.id)
    items = load_list_items(ids, order, limit=per_page, offset=end - per_page)
    return Page(items=items, total=total, page=page, per_page=per_page, exact=exact)


@dataclass(frozen=True, eq=False)
class First:
    """The rows that lead a list (``list_page(first=…)``): those matching one of ``parts``,
    the first part's rows first (a row matching several belongs to the first), each part's
    rows in the list order. ``co_unit``: the same parts written on the co-unit row's copies
    (``item_co_unit.stage``, ``item_id``), for the co-unit arm: it then walks its own index
    instead of probing each item."""

    parts: tuple[sa.ColumnElement, ...]
    co_unit: tuple[sa.ColumnElement, ...] | None = None

    @property
    def clause(self) -> sa.ColumnElement:
        """Whether an item leads the list."""
        return sa.or_(*self.parts)

    @property
    def key(self) -> sa.ColumnElement:
        """A leading item's place before the list order: the number of its first part."""
        return sa.case(*((part, n) for n, part in enumerate(self.parts)), else_=len(self.parts))


def _page_with_first(arms, first: First, order, page: int, per_page: int, total: int, exact: bool) -> Page:
    """One page when the rows matching ``first`` lead the list (see ``list_page``): the first
    ``end`` of those, then the first ``end`` of the urgency walk without them. ``arms``:
    (statement, its own order) pairs; the merged ids are sorted by ``order``.

    Each arm reads each part apart, in its own order, and stops after ``end`` rows: a part's
    first ``end`` hold every row of it that the page's leading ``end`` can show (those of an
    earlier part come first anyway; the IN of the union drops an id read twice). So the
    lead arm walks ``ix_item_lead_stage`` and the co-unit arm ``ix_item_co_unit_stage``
    (``first.co_unit``) for their 待签收 rows and stop after a page, however few or many a
    unit has; before, the co-unit arm read all of a unit's urgency-0 co-unit rows (~3,500 at
    1M items) and tested each item, and an OR or a sort key over the parts made both
    databases read and sort every 待签收 row."""
    end = page * per_page

    def ordered(selects, lead_key, limit):
        union = sa.union_all(*(sa.select(_ids(s, by, limit).c.id) for s, by in selects))
        return list(db.session.scalars(sa.select(Item.id).where(Item.id.in_(union))
                                       .order_by(*lead_key, *order).limit(limit)))

    def parts_of(by):
        return first.co_unit if by is CO_UNIT_ORDER and first.co_unit is not None else first.parts

    leading = ordered([(arm.where(part), by) for arm, by in arms for part in parts_of(by)], (first.key,), end)
    shown = set(leading)
    rest = [i for i in ordered(arms, (), end + len(leading)) if i not in shown]
    page_ids = (leading + rest)[end - per_page:end]
    loaded = {i.id: i for i in load_list_items(page_ids)}
    return Page(items=[loaded[i] for i in page_ids if i in loaded], total=total, page=page, per_page=per_page,
                exact=exact)


def _ids(stmt: sa.Select, order, end: int):
    """The first ``end`` ids of ``stmt`` in ``order``, as a subquery."""
    return stmt.with_only_columns(Item.id, maintain_column_froms=True).order_by(*order).limit(end).subquery()
