"""The dashboard's monthly flow: items 交办 and 办结 per China-time month of the scope's year
(see ``dashboard.stats`` for the definitions), in one statement kept like the other figures."""
from __future__ import annotations

from datetime import date
from functools import cache, partial

import sqlalchemy as sa

from ..models import Item
from ..queries import basis_clause, local_month_range
from .scope import ALL_UNITS, Scope, figures_of, scoped
from .stats import Figure, ListLinks


def month_list(year: int, today: date) -> list[str]:
    last = max(12, min(24, (today.year - year) * 12 + today.month))
    return [f"{year + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}" for m in range(1, last + 1)]


@cache
def _months_statement(months: int, committee: bool, units: str = ALL_UNITS) -> sa.Select:
    """(lead unit, 交办 month, 办结 month, items) rows: each scope item's months as indexes into
    ``months`` consecutive months bounded by ``m0`` … ``m{months}`` (None outside them).

    A ladder of CASE branches finds a time's month in one pass and the database groups by
    the two indexes: 2 × 24 conditional sums per item cost the statement four times more."""
    bounds = [sa.bindparam(f"m{i}", type_=sa.DateTime()) for i in range(months + 1)]

    def month_of(column):
        steps = [(column.is_(None), sa.null()), (column < bounds[0], sa.null())]
        steps += [(column < end, sa.literal(i, sa.Integer())) for i, end in enumerate(bounds[1:])]
        return sa.case(*steps, else_=sa.null())

    done_at = sa.case((basis_clause("closed", None), Item.closed_at), else_=sa.null())  # 终止跟踪 is not 办结
    per_item = scoped(sa.select(Item.lead_unit_id, month_of(Item.assigned_at).label("opened"),
                                month_of(done_at).label("closed")).select_from(Item),
                      committee, units).subquery("months")
    return sa.select(per_item.c.lead_unit_id, per_item.c.opened, per_item.c.closed, sa.func.count().label("items")) \
        .group_by(per_item.c.lead_unit_id, per_item.c.opened, per_item.c.closed)


def monthly_flow(scope: Scope, links: ListLinks, today: date) -> tuple[list[str], list[Figure], list[Figure]]:
    """Items 交办 and 办结 per China-time month (``queries.local_month_range``, as the list's
    month filters), in one statement."""
    months = month_list(scope.year, today)
    params = scope.params()
    for i, month in enumerate(months):
        params[f"m{i}"], params[f"m{i + 1}"] = local_month_range(month)
    opened, closed = [0] * len(months), [0] * len(months)
    statement = partial(_months_statement, len(months), bool(scope.committee_id))
    for row in figures_of(f"months:{len(months)}:{bool(scope.committee_id)}", statement, params):
        opened_in, closed_in, count = row["opened"], row["closed"], row["items"]
        if opened_in is not None:
            opened[opened_in] += count
        if closed_in is not None:
            closed[closed_in] += count
    return (months, [Figure(n, links(assigned_in=m)) for n, m in zip(opened, months, strict=True)],
            [Figure(n, links(closed_in=m)) for n, m in zip(closed, months, strict=True)])
