"""Dashboard figures, computed with a fixed number of aggregate queries.

Scope: the items of the supervision activities whose meeting (``Activity.meeting_date``)
falls in the chosen year, optionally only those whose activity is led by one 工作机构
(``Activity.lead_committee_id``). "Per unit" always means the item's lead unit (牵头单位);
co-units are not credited or blamed.

Definitions (each numerator and denominator is also a filter of the staff list, see
``tracker.items.queries.BASES``, so every figure opens exactly the items it counts):

- 签收率 = items acknowledged (签收) ÷ items assigned (交办).
- 按期办结率 = items closed on time ÷ (all closed items + open items already overdue).
  "On time" is ``Item.closed_on_time``, set at closing (the accepted report came in by the
  deadline). "Overdue" is the app-wide rule: still with the unit (交办/整改/报告待审核) and
  the deadline has passed. The naive "on time ÷ closed" would hide overdue open items.
- 首轮满意率 = items whose round-1 evaluation closed with result 满意 ÷ items whose round-1
  evaluation has closed.
- 总体满意率 = closed evaluations (all rounds) with result 满意 ÷ closed evaluations. This one
  counts evaluations, not items: an item that needed three rounds counts three times. Its
  numerator equals the number of items ever rated 满意 (a 满意 result always closes the item),
  and its denominator links to the items evaluated at least once.
- 基本满意 does NOT count as 满意 in either rate: the rate reports what the members voted,
  whatever the local rule does with 基本满意 (it may close the item, or send it back).
- 重新整改率 = items that reached round 2 or later ÷ items evaluated at least once.
- 平均办结天数 = mean of (closed_at − assigned_at) in days over closed items.
- 终止跟踪（未落实） items are closed but not done: they are out of "closed" (办结), so out of
  按期办结 and 平均办结天数, and stay in the 按期办结率's denominator ("due": every closed item
  plus the overdue open ones) — terminating an overdue item cannot raise a unit's rate.
- 落实评定 (staff's verdict, apart from the vote): items by their latest verdict; 落实率 =
  items whose latest verdict is 全部落实 or 基本落实 ÷ items with a verdict.
- Monthly flow: items 交办 (``assigned_at``) and 办结 (``closed_at``) per China-time month,
  from January of the year to December, or on to the current month (24 months at most).
- Lights use the list's own light filter, equal to ``light_for`` on each item.

Queries: one GROUP BY lead unit for every item figure, one for evaluation counts, one for
the months, plus the unit and year look-ups; the number never grows with the data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..lights import LIGHTS, green_from, light_clause
from ..models import Evaluation, EvaluationStatus, Item, Stage, Unit, VerdictGrade
from ..queries import ItemFilters, apply_filters, basis_clause, local_month_range
from ..tally import Grade

# Bases counted per unit (all item-level figures); "satisfied" doubles as the item view of
# the overall rate's numerator.
COUNTED = ("assigned", "acknowledged", "closed", "closed_on_time", "due", "evaluated", "first_closed",
           "first_satisfied", "satisfied", "rerectified", "terminated", "verdicted", "verdict_done",
           *(f"verdict_{g.value}" for g in VerdictGrade))


@dataclass
class Scope:
    year: int
    committee_id: int | None = None

    def filters(self, **extra) -> ItemFilters:
        return ItemFilters(year=self.year, committee_id=self.committee_id, **extra)

    def args(self, **extra) -> dict:
        return self.filters(**extra).as_args()


@dataclass
class Figure:
    """A count and the staff-list query string that lists exactly those items."""

    count: int
    args: dict


@dataclass
class Rate:
    num: Figure
    den: Figure

    @property
    def value(self) -> float | None:
        return self.num.count / self.den.count if self.den.count else None


@dataclass
class Row:
    """Figures of one lead unit, or of all items (``unit_id`` None, ``name`` 合计)."""

    unit_id: int | None
    name: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    lights: dict[str, int] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    days_sum: float = 0.0
    days_n: int = 0
    evals_closed: int = 0
    evals_satisfied: int = 0

    def add(self, other: Row) -> None:
        self.total += other.total
        for mine, theirs in ((self.counts, other.counts), (self.lights, other.lights), (self.stages, other.stages)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        self.days_sum += other.days_sum
        self.days_n += other.days_n
        self.evals_closed += other.evals_closed
        self.evals_satisfied += other.evals_satisfied


class RowFigures:
    """Rates and links of a row, as the template shows them."""

    def __init__(self, row: Row, scope: Scope):
        self.row, self.scope = row, scope
        self.lead = {"lead_unit_id": row.unit_id} if row.unit_id else {}

    def fig(self, basis: str = "", **extra) -> Figure:
        count = self.row.counts[basis] if basis else self.row.total
        return Figure(count, self.scope.args(basis=basis, **self.lead, **extra))

    def light(self, light: str) -> Figure:
        return Figure(self.row.lights[light], self.scope.args(light=light, **self.lead))

    def stage(self, stage: str) -> Figure:
        return Figure(self.row.stages[stage], self.scope.args(stage=stage, **self.lead))

    def rate(self, num: str, den: str) -> Rate:
        return Rate(self.fig(num), self.fig(den))

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def total(self) -> Figure:
        return self.fig()

    @property
    def acknowledge_rate(self) -> Rate:
        return self.rate("acknowledged", "assigned")

    @property
    def on_time_rate(self) -> Rate:
        return self.rate("closed_on_time", "due")

    @property
    def first_satisfaction(self) -> Rate:
        return self.rate("first_satisfied", "first_closed")

    @property
    def overall_satisfaction(self) -> tuple[float | None, Figure, int, Figure]:
        """(rate, items rated 满意, closed evaluations, items evaluated)."""
        r = self.row
        value = r.evals_satisfied / r.evals_closed if r.evals_closed else None
        return value, self.fig("satisfied"), r.evals_closed, self.fig("evaluated")

    @property
    def rerectify_rate(self) -> Rate:
        return self.rate("rerectified", "evaluated")

    @property
    def verdicts(self) -> list[tuple[VerdictGrade, Figure]]:
        """Items by their latest 落实评定 (staff's grade, apart from the vote)."""
        return [(g, self.fig(f"verdict_{g.value}")) for g in VerdictGrade]

    @property
    def implemented_rate(self) -> Rate:
        return self.rate("verdict_done", "verdicted")

    @property
    def terminated(self) -> Figure:
        return self.fig("terminated")

    @property
    def average_days(self) -> tuple[float | None, Figure]:
        r = self.row
        return (r.days_sum / r.days_n if r.days_n else None), Figure(r.days_n, self.fig("closed").args)


def _count(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _days(end, start):
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", end - start) / 86400.0
    return sa.func.julianday(end) - sa.func.julianday(start)


def unit_rows(scope: Scope, today: date) -> tuple[list[Row], Row]:
    """Rows per lead unit (ordered like the unit list) and the total over all items."""
    green_starts = green_from(today)
    closed_with_days = sa.and_(basis_clause("closed", today), Item.assigned_at.is_not(None))
    columns = [Item.lead_unit_id, sa.func.count().label("total")]
    columns += [_count(basis_clause(name, today)).label(f"b_{name}") for name in COUNTED]
    columns += [_count(light_clause(light, today, green_starts)).label(f"l_{light}") for light in LIGHTS]
    columns += [_count(Item.stage == stage).label(f"s_{stage.value}") for stage in Stage]
    columns += [sa.func.coalesce(sa.func.sum(sa.case((closed_with_days, _days(Item.closed_at, Item.assigned_at)),
                                                     else_=0)), 0).label("days_sum"),
                _count(closed_with_days).label("days_n")]
    stmt = apply_filters(sa.select(*columns).select_from(Item), scope.filters(), today).group_by(Item.lead_unit_id)
    # Driven from the year's items (an outer join keeps that order on SQLite): started from the
    # closed evaluations, the plan read every closed evaluation of every year (70 ms at 100k items).
    evals = apply_filters(
        sa.select(Item.lead_unit_id, sa.func.count(Evaluation.id), _count(Evaluation.result == Grade.SATISFIED))
        .select_from(Item).outerjoin(Evaluation, sa.and_(Evaluation.item_id == Item.id,
                                                         Evaluation.status == EvaluationStatus.CLOSED)),
        scope.filters(), today).group_by(Item.lead_unit_id)
    eval_counts = {lead: (n, sat) for lead, n, sat in db.session.execute(evals)}
    units = db.session.execute(sa.select(Unit.id, Unit.name, Unit.sort_order)).all()
    names = {u.id: u.name for u in units}
    order = {u.id: (u.sort_order, u.name) for u in units}
    rows, total = [], Row(None, "合计")
    for result in db.session.execute(stmt).mappings():
        lead = result["lead_unit_id"]
        row = Row(lead, names.get(lead, "（未交办）"), total=result["total"],
                  counts={name: int(result[f"b_{name}"]) for name in COUNTED},
                  lights={light: int(result[f"l_{light}"]) for light in LIGHTS},
                  stages={stage.value: int(result[f"s_{stage.value}"]) for stage in Stage},
                  days_sum=float(result["days_sum"] or 0), days_n=int(result["days_n"]))
        row.evals_closed, row.evals_satisfied = (int(v) for v in eval_counts.get(lead, (0, 0)))
        total.add(row)
        if lead is not None:
            rows.append(row)
    total.counts = {name: total.counts.get(name, 0) for name in COUNTED}
    total.lights = {light: total.lights.get(light, 0) for light in LIGHTS}
    total.stages = {stage.value: total.stages.get(stage.value, 0) for stage in Stage}
    rows.sort(key=lambda r: order.get(r.unit_id, (0, "")))
    return rows, total


def month_list(year: int, today: date) -> list[str]:
    last = max(12, min(24, (today.year - year) * 12 + today.month))
    return [f"{year + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}" for m in range(1, last + 1)]


def monthly_flow(scope: Scope, today: date) -> tuple[list[str], list[Figure], list[Figure]]:
    """Items 交办 and 办结 per month, in one query of conditional sums."""
    months = month_list(scope.year, today)
    columns = []
    for month in months:
        start, end = local_month_range(month)
        columns.append(_count(sa.and_(Item.assigned_at >= start, Item.assigned_at < end)))
        columns.append(_count(sa.and_(Item.closed_at >= start, Item.closed_at < end)))
    values = db.session.execute(apply_filters(sa.select(*columns).select_from(Item), scope.filters(), today)).one()
    opened = [Figure(int(values[2 * i]), scope.args(assigned_in=m)) for i, m in enumerate(months)]
    closed = [Figure(int(values[2 * i + 1]), scope.args(closed_in=m)) for i, m in enumerate(months)]
    return months, opened, closed

