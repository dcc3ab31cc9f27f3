"""Loading items for pages, shared by every area: filters, eager loading, pagination,
and the choice lists and per-activity counts several pages show.

Every list uses the same three steps: ``visibility.visible_items`` (who may see what),
``apply_filters`` (what the user asked for) and ``list_items`` (a page's rows as plain
columns: a fixed number of queries per page, whatever the data size).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from .database import constant, likely
from .extensions import db
from .fields import strip_control
from .lights import LIGHTS, Light, green_from, light_clause, overdue_clause, silent_clause, silent_since
from .models import (
    Activity,
    ClosureKind,
    Evaluation,
    EvaluationStatus,
    Item,
    Stage,
    Verdict,
    VerdictGrade,
    local_today,
)
from .models.base import LOCAL_UTC_OFFSET
from .tally import Grade
from .visibility import can_view, unit_item_ids, visible_items

__all__ = ["LIGHTS", "overdue_clause", "visible_items"]  # re-exported for the list pages
from .params import is_number
from .text_filter import text_filter, text_params, text_shape

PHASES = {"问": [Stage.ASKED], "答": [Stage.ANSWERED],
          "改": [Stage.ASSIGNED, Stage.RECTIFYING, Stage.REPORTED, Stage.ACCEPTED],
          "评": [Stage.EVALUATING], "办结": [Stage.CLOSED]}
# The stage filter's options, (value, label): the phases, then each stage indented under them.
STAGE_CHOICES = (*((phase, phase) for phase in PHASES), *((stage.value, "　" + stage.label) for stage in Stage))


@dataclass
class ItemFilters:
    stage: str = ""
    unit_id: int | None = None
    activity_id: int | None = None
    year: int | None = None
    overdue: bool = False
    supervised: bool = False
    silent: bool = False  # 无进展 (the second light, ``lights.silent_clause``)
    q: str = ""
    # Narrow filters the dashboard links with, so a figure opens exactly the items it counts.
    lead_unit_id: int | None = None
    committee_id: int | None = None
    basis: str = ""
    light: str = ""
    assigned_in: str = ""
    closed_in: str = ""

    @property
    def narrow(self) -> bool:
        return bool(self.lead_unit_id or self.committee_id or self.basis or self.light or self.assigned_in
                    or self.closed_in)

    @classmethod
    def from_args(cls, args) -> ItemFilters:
        def as_int(name):
            value = args.get(name, "").strip()
            return int(value) if is_number(value) and len(value) < 10 else None
        stage = args.get("stage", "")
        if stage not in PHASES and stage not in {s.value for s in Stage}:
            stage = ""
        def month(name):
            value = args.get(name, "").strip()
            return value if MONTH_RE.match(value) else ""
        return cls(stage=stage, unit_id=as_int("unit"), activity_id=as_int("activity"), year=as_int("year"),
                   overdue=args.get("overdue") == "1", supervised=args.get("supervised") == "1",
                   silent=args.get("silent") == "1",
                   q=strip_control(args.get("q", "")).strip()[:100],  # as every form drops them
                   lead_unit_id=as_int("lead"), committee_id=as_int("committee"),
                   basis=args.get("basis", "") if args.get("basis", "") in BASES else "",
                   light=args.get("light", "") if args.get("light", "") in LIGHTS else "",
                   assigned_in=month("assigned_in"), closed_in=month("closed_in"))

    def as_args(self) -> dict:
        args = {"stage": self.stage, "unit": self.unit_id, "activity": self.activity_id, "year": self.year,
                "overdue": "1" if self.overdue else None, "supervised": "1" if self.supervised else None,
                "silent": "1" if self.silent else None,
                "q": self.q, "lead": self.lead_unit_id, "committee": self.committee_id, "basis": self.basis,
                "light": self.light, "assigned_in": self.assigned_in, "closed_in": self.closed_in}
        return {k: v for k, v in args.items() if v}


MONTH_RE = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")


# Bases that ask about an item's closed evaluations and about its latest 落实评定: each is
# the condition a closed evaluation (the latest verdict) must meet. The list asks EXISTS per
# item (below); the dashboard counts them in one pass over the scope's evaluations and
# verdicts (``dashboard.stats``), with these same conditions.
EVALUATION_BASES = {
    "evaluated": (),
    "first_closed": (Evaluation.round == 1,),
    "first_satisfied": (Evaluation.round == 1, Evaluation.result == Grade.SATISFIED),
    "satisfied": (Evaluation.result == Grade.SATISFIED,),
}
VERDICT_BASES = {
    "verdicted": (),
    "verdict_done": (Verdict.grade.in_([VerdictGrade.FULL, VerdictGrade.MOSTLY]),),
    **{f"verdict_{g.value}": (Verdict.grade == g,) for g in VerdictGrade},
}


def closed_evaluation():
    return Evaluation.status == EvaluationStatus.CLOSED


_LATER_VERDICT = sa.orm.aliased(Verdict, name="later_verdict")  # made once: see ``main.todos._REPORT``


def latest_verdict():
    """The verdict of the round most recently graded (``Verdict`` is the item's latest)."""
    return ~sa.exists().where(_LATER_VERDICT.item_id == Verdict.item_id, _LATER_VERDICT.round > Verdict.round)


def _closed_evaluation(*conditions):
    return sa.exists().where(Evaluation.item_id == Item.id, closed_evaluation(), *conditions)


# name -> (label, clause(today)); the dashboard counts with the same clauses, so its figures and these lists agree.
BASES = {
    "assigned": ("已交办", lambda today: Item.assigned_at.is_not(None)),
    "acknowledged": ("已签收", lambda today: Item.acknowledged_at.is_not(None)),
    # 终止跟踪（未落实） is closed but not done: out of 办结 and 按期办结, still in the 按期办结率's
    # denominator ("due"), so terminating an item never improves a unit's rate.
    "closed": ("已办结", lambda today: _done()),
    "closed_on_time": ("按期办结", lambda today: sa.and_(_done(), Item.closed_on_time.is_(True))),
    "closed_late": ("逾期办结", lambda today: sa.and_(_done(), Item.closed_on_time.is_not(True))),
    "terminated": ("终止跟踪（未落实）", lambda today: sa.and_(  # few: read through ix_item_closure_kind
        Item.stage == Stage.CLOSED, likely(Item.closure_kind == ClosureKind.TERMINATED, 0.01))),
    "due": ("已办结、终止跟踪或逾期未办结", lambda today: sa.or_(Item.stage == Stage.CLOSED, overdue_clause(today))),
    "evaluated": ("已完成测评", lambda today: _closed_evaluation(*EVALUATION_BASES["evaluated"])),
    "first_closed": ("首轮测评已完成", lambda today: _closed_evaluation(*EVALUATION_BASES["first_closed"])),
    "first_satisfied": ("首轮测评满意", lambda today: _closed_evaluation(*EVALUATION_BASES["first_satisfied"])),
    "satisfied": ("测评结果满意", lambda today: _closed_evaluation(*EVALUATION_BASES["satisfied"])),
    "rerectified": ("重新整改（第 2 轮及以后）", lambda today: Item.round >= 2),
    # 落实评定: the item's latest verdict (the round most recently graded).
    "verdicted": ("已作落实评定", lambda today: _latest_verdict(*VERDICT_BASES["verdicted"])),
    "verdict_done": ("落实评定为全部落实或基本落实", lambda today: _latest_verdict(*VERDICT_BASES["verdict_done"])),
    **{f"verdict_{g.value}": (f"落实评定为{g.label}",
                              lambda today, g=g: _latest_verdict(*VERDICT_BASES[f"verdict_{g.value}"]))
       for g in VerdictGrade},
}


def _done():
    """办结, not 终止跟踪 — its values written into the statement (``database.constant``)."""
    return sa.and_(Item.stage == constant(Stage.CLOSED.value),
                   sa.or_(Item.closure_kind.is_(None), Item.closure_kind != constant(ClosureKind.TERMINATED.value)))


def _latest_verdict(*conditions):
    return sa.exists().where(Verdict.item_id == Item.id, latest_verdict(), *conditions)


def basis_clause(name: str, today: date):
    return BASES[name][1](today)


def local_month_range(month: str) -> tuple[datetime, datetime]:
    """A local (China Standard Time) calendar month as naive UTC bounds, as times are stored:
    the dashboard's monthly flow counts by them. The same offset (``LOCAL_UTC_OFFSET``) gives
    the items' month columns their months (migration 0029), which the list's month filters
    read — a figure and its list count the same items (``tests/test_item_months.py``). The
    flow keeps comparing times: SQLite computes its virtual month columns on every read, and
    a year's recount read through them took 30 -> 44 ms at 100k items."""
    year, mon = int(month[:4]), int(month[5:])
    end_year, end_mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return datetime(year, mon, 1) - LOCAL_UTC_OFFSET, datetime(end_year, end_mon, 1) - LOCAL_UTC_OFFSET


def month_number(month: str) -> int:
    """A month ("2026-11") as the items' month columns hold it (202611; migration 0029): the
    list's month filters and the dashboard's monthly flow read those columns."""
    return int(month[:4]) * 100 + int(month[5:])


# The scope clauses, apart so the dashboard can build its statements once with bound
# parameters in place of the values (``dashboard.stats``); the list applies them here.

def not_withdrawn():
    """Every list's and figure's first test; 作废 written into the statement (``constant``)."""
    return Item.stage != constant(Stage.WITHDRAWN.value)


def led_by_committee(committee_id):
    return Item.activity_id.in_(sa.select(Activity.id).where(Activity.lead_committee_id == committee_id))


def filter_shape(filters: ItemFilters, params: dict) -> tuple:
    """All that an ``apply_filters`` statement depends on besides the values of ``params``
    (its ``filter_params``, whose names say which valued filters are set): the filters
    without a value of their own, and those with a closed set of values (stage, basis,
    light), and a text's ``text_shape``. Equal shapes give the same statement, so a list can
    keep it (``list_page``)."""
    return (filters.stage, filters.overdue, filters.supervised, filters.basis, filters.light,
            text_shape(filters.q) if filters.q else None, *params)


def filter_params(filters: ItemFilters, today: date) -> dict:
    """The values ``apply_filters`` puts into its statement, by the names of its bound
    parameters: the filters' own values and the day's cut-offs (``lights``); a text's as
    ``text_filter`` needs them."""
    params: dict = {"today": today}
    if filters.unit_id:
        params["f_unit"] = filters.unit_id
    if filters.activity_id:
        params["f_activity"] = filters.activity_id
    if filters.year:
        params["f_year"] = filters.year
    if filters.silent:
        params["f_silent_since"] = silent_since(today)
    if filters.lead_unit_id:
        params["f_lead"] = filters.lead_unit_id
    if filters.committee_id:
        params["f_committee"] = filters.committee_id
    if filters.light and filters.light != Light.RED:
        params["f_green_from"] = green_from(today)
    if filters.assigned_in:
        params["f_assigned_month"] = month_number(filters.assigned_in)
    if filters.closed_in:
        params["f_closed_month"] = month_number(filters.closed_in)
    if filters.q:
        params |= text_params(filters.q)
    return params


def apply_filters(stmt: sa.Select, filters: ItemFilters, today: date | None = None, *,
                  common_text: bool = False, frequent_text: bool = False, values: dict | None = None) -> sa.Select:
    """``stmt`` narrowed to ``filters``; ``common_text``: the text matches more items than a
    list counts, ``frequent_text``: far more (``text_filter``).

    Every value goes in as a bound parameter named as ``filter_params`` names it (and holding
    its value), so one statement serves every value of a ``filter_shape``: ``list_page``
    keeps it and runs it with another request's ``filter_params`` (``values``, if worked out)."""
    if values is None:
        values = filter_params(filters, today or local_today())
    p = {name: sa.bindparam(name, value) for name, value in values.items()}
    # The stage is part of the shape: its values are written into the statement (``constant``),
    # so PostgreSQL's generic plan knows them (at 10k items a unit's 改 list was planned on
    # every request with them as parameters).
    if filters.stage in PHASES:
        stmt = stmt.where(Item.stage.in_([constant(stage.value) for stage in PHASES[filters.stage]]))
    elif filters.stage:
        stmt = stmt.where(Item.stage == constant(Stage(filters.stage).value))
    else:  # 作废 items are out of every list and figure unless asked for by their stage
        stmt = stmt.where(not_withdrawn())
    if filters.unit_id:
        stmt = stmt.where(Item.id.in_(unit_item_ids(p["f_unit"])))
    if filters.activity_id:
        stmt = stmt.where(Item.activity_id == p["f_activity"])
    if filters.year:
        stmt = stmt.where(Item.meeting_year == p["f_year"])
    if filters.overdue:
        stmt = stmt.where(overdue_clause(p["today"]))
    if filters.supervised:
        stmt = stmt.where(Item.supervised == sa.true())  # an index serves "= true", not "IS true"
    if filters.silent:
        stmt = stmt.where(silent_clause(p["today"], p["f_silent_since"]))
    if filters.lead_unit_id:
        stmt = stmt.where(Item.lead_unit_id == p["f_lead"])
    if filters.committee_id:
        stmt = stmt.where(led_by_committee(p["f_committee"]))
    if filters.basis:
        stmt = stmt.where(basis_clause(filters.basis, p["today"]))
    if filters.light:
        stmt = stmt.where(light_clause(filters.light, p["today"], p.get("f_green_from")))
    if filters.assigned_in:
        stmt = stmt.where(_in_month(Item.assigned_month, p["f_assigned_month"]))
    if filters.closed_in:  # 办结 in that month: 终止跟踪 closes an item without it being done
        stmt = stmt.where(_in_month(Item.closed_month, p["f_closed_month"]), _done())
    if filters.q:
        stmt = stmt.where(text_filter(filters.q, p, common=common_text, frequent=frequent_text))
    return stmt


def _in_month(column, month):
    """``column`` (a month column, migration 0029) is ``month``: a few hundred items among
    years of them. Said to SQLite's planner (``database.likely``): statistics sampled under
    ``ANALYSIS_LIMIT`` make any equality look like ~1,000 rows, so at 1M items it walked
    every 办结 item (``ix_item_stage_order``, 1.9 s) or a unit's testing each one's month;
    1 in 10,000 keeps the month's own index cheaper up to 10M items."""
    return likely(column == month, 0.0001)


def urgency_order(today: date | None = None):
    """Items running against a deadline first, earliest deadline first, which puts red
    before yellow before green; then everything else. Matches ``ix_item_urgency``.
    (Among items with no running deadline, SQLite lists those without a deadline first,
    PostgreSQL last: both keep the index order.)"""
    return (Item.urgency, Item.deadline, Item.id)


def get_item(item_id: int) -> Item:
    """Load-or-404 with the object-level check: an item the user may not see is 404,
    never 403, so its existence is not revealed."""
    item = db.session.scalar(
        sa.select(Item).where(Item.id == item_id)
        .options(joinedload(Item.activity).joinedload(Activity.lead_committee), joinedload(Item.lead_unit),
                 joinedload(Item.asked_unit), selectinload(Item.co_units), joinedload(Item.parent)))
    if item is None or not can_view(current_user, item):
        abort(404)
    return item


# -- counts shown by several pages ------------------------------------------------

def activity_rows(second_count, items_where=None) -> sa.Select:
    """``(Activity, items, second)`` rows, newest meeting first: the number of items of each
    activity (``items_where`` narrows which count) and a second count, e.g. closed or
    published items, given as a boolean clause over ``Item``."""
    counts = sa.select(Item.activity_id, sa.func.count().label("total"),
                       sa.func.sum(sa.case((second_count, 1), else_=0)).label("second"))
    if items_where is not None:
        counts = counts.where(items_where)
    counts = counts.group_by(Item.activity_id).subquery()
    return (sa.select(Activity, sa.func.coalesce(counts.c.total, 0), sa.func.coalesce(counts.c.second, 0))
            .outerjoin(counts, counts.c.activity_id == Activity.id)
            .order_by(Activity.meeting_date.desc(), Activity.id.desc()))
