"""A page of a list and its count: lists count exactly up to a cap and say "more than"
past it (issue 16), every list page (``list_page``) and the simpler paged lists
(``paginate``) alike."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from .extensions import db

# Lists count exactly up to this many rows and say "more than" past it: an exact COUNT(*) of a
# unit's 11k items or of a search costs more than the page itself (issue 16), and nobody pages
# past the twentieth page of 50.
COUNT_CAP = 1000
# A text search counts to fewer: testing a row's text is the costliest filter a list has (a
# 2-character text reads ~12k rows at 100k items to find 1000), and a search that finds
# more than two pages is narrowed, not paged through. Paging on still counts what the page
# needs. 100, not 200: a frequent text's count read ~2,400 rows to say "200+" on
# PostgreSQL (half its search's SQL); 100 took its 2- and 4-character searches from 0.72-0.78
# to 0.78-0.82 x the realistic floor in process (issue 16).
TEXT_COUNT_CAP = 100


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    exact: bool = True  # False: there are more than ``total`` rows
    # item id -> its row, for a list whose rows carry columns of its own (``list_page.First.columns``)
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        counted = max(1, math.ceil(self.total / self.per_page))
        return counted if self.exact else counted + 1

    @property
    def total_label(self) -> str:
        return str(self.total) if self.exact else f"{self.total}+"

    @property
    def pages_label(self) -> str:
        return str(self.pages) if self.exact else f"{self.pages}+"


def _cap_for(page: int, per_page: int, text: bool = False) -> int:
    """Count one row past what the requested page needs, at least ``COUNT_CAP`` + 1
    (``TEXT_COUNT_CAP`` + 1 for a text search)."""
    least = min(COUNT_CAP, TEXT_COUNT_CAP) if text else COUNT_CAP
    return max(least, page * per_page) + 1


def _capped_count_expr(stmt: sa.Select, cap: int):
    ids = stmt.with_only_columns(sa.literal_column("1"), maintain_column_froms=True).order_by(None).limit(cap)
    return sa.select(sa.func.count()).select_from(ids.subquery()).scalar_subquery()


def capped_count(stmt: sa.Select, cap: int) -> int:
    """``COUNT(*)`` of ``stmt`` that stops reading after ``cap`` rows."""
    return db.session.scalar(sa.select(_capped_count_expr(stmt, cap))) or 0


def capped_count_of_arms_statement(lead: sa.Select, co: sa.Select, cap) -> sa.Select:
    """Both arms' capped counts in one statement; the co-unit arm is counted only when the
    lead arm alone stays under the cap (both databases evaluate CASE branches lazily), so
    a big unit's page skips it — on PostgreSQL that count was a hash join over every item."""
    # The lead count is read once, in a derived table that OFFSET 0 keeps PostgreSQL from
    # folding back into the CASE (written twice there, it read the unit's first 1,001 rows twice).
    lead_count = sa.select(_capped_count_expr(lead, cap).label("n")).offset(0).subquery()
    return sa.select(sa.case((lead_count.c.n >= cap, lead_count.c.n),
                             else_=lead_count.c.n + _capped_count_expr(co, cap)))


def _page_number(requested: int, counted: int, exact: bool, per_page: int) -> int:
    last = max(1, math.ceil(counted / per_page))
    return max(1, min(requested, last if exact else last + 1))


def paginate(stmt: sa.Select, page: int, per_page: int, *, rows: bool = False,
             load: Callable[[sa.Select], list] | None = None) -> Page:
    """One page of ``stmt`` with a capped count; ``rows``: the page holds whole rows (a
    statement of several entities) instead of the first entity of each; ``load``: reads the
    page's window itself (``list_items.read_list_items``)."""
    cap = _cap_for(page, per_page)
    counted = capped_count(stmt, cap)
    exact = counted < cap
    total = counted if exact else cap - 1
    page = _page_number(page, total, exact, per_page)
    window = stmt.limit(per_page).offset((page - 1) * per_page)
    if load is not None:
        items = load(window)
    else:
        items = (db.session.execute(window) if rows else db.session.scalars(window)).unique().all()
    return Page(items=list(items), total=total, page=page, per_page=per_page, exact=exact)
