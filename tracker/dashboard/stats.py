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
- Monthly flow: items 交办 (``assigned_at``) and 办结 (``closed_at`` of the items counted as
  办结 above, so not 终止跟踪) per China-time month,
  from January of the year to December, or on to the current month (24 months at most).
- Lights use the list's own light filter, equal to ``light_for`` on each item.

The day: the lights and the overdue part of "due" change with the date while no row does;
they come from ``dashboard.deadlines``, so every result here is kept across days.

Queries: one GROUP BY lead unit for every item figure (evaluation counts and 答复分类
included), one for the months, one for the running items' deadlines, plus the unit and
year look-ups; the number never grows with the data, and all three are kept (``scope``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache, partial
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape

from ..choices import unit_refs
from ..extensions import db
from ..lights import LIGHTS
from ..models import AnswerClass, Evaluation, Item, Stage, Verdict, VerdictGrade
from ..queries import (
    EVALUATION_BASES,
    VERDICT_BASES,
    ItemFilters,
    basis_clause,
    closed_evaluation,
    latest_verdict,
)
from ..tally import Grade
from ..workdays import Light
from .deadlines import deadline_counts
from .scope import ALL_UNITS, Scope, _count, figures_of, scoped

# Bases counted per unit (all item-level figures); "satisfied" doubles as the item view of
# the overall rate's numerator.
COUNTED = ("assigned", "acknowledged", "closed", "closed_on_time", "due", "evaluated", "first_closed",
           "first_satisfied", "satisfied", "rerectified", "terminated", "verdicted", "verdict_done",
           *(f"verdict_{g.value}" for g in VerdictGrade))
# Bases that change with the day, so not counted by the kept statement: "due"
# (``queries.BASES``: 办结 or 终止跟踪, or overdue) is the unit's closed-stage items plus its red
# light, from ``deadlines.deadline_counts`` (``Row.add_day``).
BY_DAY = ("due",)

class ListLinks:
    """The staff-list href of each figure: the scope's filters plus the figure's own.

    A page links ~340 figures; one ``url_for`` each was a fifth of the page's time, so the
    list's path and the scope's query string are built once per page and a figure appends
    its narrow filters' query string (``_narrow_query``, named as ``ItemFilters.as_args``
    names them)."""

    def __init__(self, scope: Scope):
        base = url_for("items.index", **scope.args())
        self.base = base if "?" in base else base + "?"

    def __call__(self, **narrow) -> str:
        return self.base + _narrow_query(tuple(narrow.items()))


@lru_cache(maxsize=4096)
def _narrow_query(narrow: tuple) -> str:
    """``&lead=3&basis=closed`` for ``(("basis", "closed"), ("lead_unit_id", 3))``: a pure
    function of a few bounded values (units, bases, lights, stages, months), so kept."""
    args = ItemFilters(**dict(narrow)).as_args()
    return "&" + urlencode(args) if args else ""


@dataclass
class Figure:
    """A count and the href of the staff list that lists exactly those items; renders as
    that link (the dashboard's most repeated markup, so it is not a template macro)."""

    count: int
    href: str

    def link(self, suffix: str = "") -> Markup:
        # Every part is escaped or an int; Markup.format was a tenth of the page's time.
        return Markup(  # noqa: S704
            f'<a href="{escape(self.href)}" data-count="{self.count}">{self.count}{escape(suffix)}</a>')

    def __html__(self) -> str:
        return self.link()


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

    def add_day(self, lights: dict[str, int]) -> None:
        """The day's figures (``BY_DAY``), once ``stages`` are counted: a unit's lights and
        its "due" items, the closed-stage ones and the overdue (red) ones."""
        self.lights = lights
        self.counts["due"] = self.stages.get(Stage.CLOSED.value, 0) + lights[Light.RED.value]


class RowFigures:
    """Rates and links of a row, as the template shows them."""

    def __init__(self, row: Row, links: ListLinks):
        self.row, self.links = row, links
        self.lead = row.unit_id

    def fig(self, basis: str = "") -> Figure:
        count = self.row.counts[basis] if basis else self.row.total
        return Figure(count, self.links(basis=basis, lead_unit_id=self.lead))

    def light(self, light: str) -> Figure:
        return Figure(self.row.lights[light], self.links(light=light, lead_unit_id=self.lead))

    def stage(self, stage: str) -> Figure:
        return Figure(self.row.stages[stage], self.links(stage=stage, lead_unit_id=self.lead))

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
        return (r.days_sum / r.days_n if r.days_n else None), Figure(r.days_n, self.fig("closed").href)


def _days(end, start, dialect: str):
    if dialect == "postgresql":
        return sa.extract("epoch", end - start) / 86400.0
    return sa.func.julianday(end) - sa.func.julianday(start)


@cache
def _unit_rows_statement(dialect: str, committee: bool, units: str = ALL_UNITS) -> sa.Select:
    """Every item figure per lead unit, in one GROUP BY over the scope's items.

    The bases about evaluations and verdicts are counted from two joins, not one EXISTS per
    basis and item (twelve correlated subqueries per item were three quarters of the
    statement's time): the scope's closed evaluations summed per item (a derived table
    driven from the scope's item ids — started from the closed evaluations, the plan read
    every closed evaluation of every year), and each item's latest verdict (one row at
    most). Their conditions are ``queries.EVALUATION_BASES`` and ``VERDICT_BASES``, the
    ones the list's EXISTS filters use."""
    items_in_scope = scoped(sa.select(Item.id), committee, units)
    evals = (sa.select(Evaluation.item_id, sa.func.count().label("n"),
                       _count(Evaluation.result == Grade.SATISFIED).label("satisfied_n"),
                       *(_count(sa.and_(sa.true(), *conditions)).label(name)
                         for name, conditions in EVALUATION_BASES.items()))
             .where(closed_evaluation(), Evaluation.item_id.in_(items_in_scope))
             .group_by(Evaluation.item_id).subquery("closed_evaluations"))

    def counted(name: str):
        if name in EVALUATION_BASES:
            return evals.c[name] > 0
        if name in VERDICT_BASES:
            return sa.and_(Verdict.id.is_not(None), *VERDICT_BASES[name])
        return basis_clause(name, None)  # none of the counted bases looks at the day

    closed_with_days = sa.and_(basis_clause("closed", None), Item.assigned_at.is_not(None))
    # On SQLite, grouping by the bare column let the planner walk all of ix_item_lead_stage
    # (every item of every year, 0.5 s at 100k) to spare sorting the year's ~800 rows.
    lead = (Item.lead_unit_id + 0).label("lead_unit_id") if dialect == "sqlite" else Item.lead_unit_id
    columns = [lead, sa.func.count().label("total")]
    columns += [_count(counted(name)).label(f"b_{name}") for name in COUNTED if name not in BY_DAY]
    columns += [_count(Item.stage == stage).label(f"s_{stage.value}") for stage in Stage]
    # 答复分类 per unit (``dashboard.classes``): same scope and grouping, so the same pass.
    columns += [_count(Item.answer_class == c).label(f"c_{c.value}") for c in AnswerClass]
    columns.append(_count(Item.answer_class.is_(None)).label("unclassed"))
    columns += [sa.func.coalesce(sa.func.sum(sa.case((closed_with_days, _days(Item.closed_at, Item.assigned_at,
                                                                              dialect)), else_=0)), 0)
                .label("days_sum"),
                _count(closed_with_days).label("days_n"),
                sa.func.coalesce(sa.func.sum(evals.c.n), 0).label("evals_closed"),
                sa.func.coalesce(sa.func.sum(evals.c.satisfied_n), 0).label("evals_satisfied")]
    joined = (sa.orm.outerjoin(Item, evals, evals.c.item_id == Item.id)
              .outerjoin(Verdict, sa.and_(Verdict.item_id == Item.id, latest_verdict())))
    stmt = sa.select(*columns).select_from(joined)
    return scoped(stmt, committee, units).group_by(lead)


def unit_figures(scope: Scope) -> list[dict]:
    """The result rows of ``_unit_rows_statement`` for ``scope``, one per lead unit (kept)."""
    dialect, committee = db.session.get_bind().dialect.name, bool(scope.committee_id)
    return figures_of(f"unit_rows:{committee}", partial(_unit_rows_statement, dialect, committee), scope.params())


def unit_rows(scope: Scope, today: date) -> tuple[list[Row], Row]:
    """Rows per lead unit (ordered like the unit list) and the total over all items."""
    units = unit_refs()
    names = {uid: unit.name for uid, unit in units.items()}
    order = {uid: (unit.sort_order, unit.name) for uid, unit in units.items()}
    no_lights = dict.fromkeys(LIGHTS, 0)
    day = deadline_counts(scope, today)
    rows, total = [], Row(None, "合计")
    for result in unit_figures(scope):
        lead = result["lead_unit_id"]
        row = Row(lead, names.get(lead, "（未交办）"), total=result["total"],
                  counts={name: int(result[f"b_{name}"]) for name in COUNTED if name not in BY_DAY},
                  stages={stage.value: int(result[f"s_{stage.value}"]) for stage in Stage},
                  days_sum=float(result["days_sum"] or 0), days_n=int(result["days_n"]),
                  evals_closed=int(result["evals_closed"]), evals_satisfied=int(result["evals_satisfied"]))
        row.add_day(day.get(lead, no_lights))
        total.add(row)
        if lead is not None:
            rows.append(row)
    total.counts = {name: total.counts.get(name, 0) for name in COUNTED}
    total.lights = {light: total.lights.get(light, 0) for light in LIGHTS}
    total.stages = {stage.value: total.stages.get(stage.value, 0) for stage in Stage}
    rows.sort(key=lambda r: order.get(r.unit_id, (0, "")))
    return rows, total
