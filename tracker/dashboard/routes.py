"""The dashboard page: one year (and optionally one 工作机构), charts and per-unit table."""
from __future__ import annotations

from flask import render_template, request

from ..choices import activity_years, committee_choices, unit_refs
from ..documents.charts import LIGHT_FILLS, NARROW_WIDTH, bar_chart, funnel_chart, line_chart
from ..models import AnswerClass, Stage, local_today
from ..params import is_number
from ..permissions import staff_required
from ..queries import BASES, LIGHTS, ItemFilters
from ..services.calendar import yellow_workdays
from . import bp
from .classes import answer_class_rows
from .months import monthly_flow
from .scope import Scope
from .stats import ListLinks, RowFigures, unit_rows


def _scope_from_args(years: list[int], committees: list) -> Scope:
    today = local_today()
    year = request.args.get("year", "")
    year = int(year) if is_number(year) and int(year) in years else None
    if year is None:
        year = today.year if today.year in years or not years else years[0]
    committee = request.args.get("committee", "")
    committee_id = int(committee) if is_number(committee) and int(committee) in {c.id for c in committees} else None
    return Scope(year, committee_id)


@bp.route("/dashboard")
@staff_required
def index():
    today = local_today()
    years = activity_years()  # the list filter's, kept per process until an activity changes
    committees = committee_choices()
    scope = _scope_from_args(years, committees)
    links = ListLinks(scope)
    rows, total_row = unit_rows(scope, today)
    total, units = RowFigures(total_row, links), [RowFigures(r, links) for r in rows]
    months, opened, closed = monthly_flow(scope, links, today)
    funnel = [("已录入", total.total)] + [(BASES[b][0], total.fig(b)) for b in
                                          ("assigned", "acknowledged", "evaluated", "closed")]
    lights = [(label, total.light(light)) for light, label in LIGHTS.items()]
    charts = {
        "funnel": funnel_chart([(label, f.count, f.href) for label, f in funnel],
                               title="事项推进漏斗（累计到达各环节的事项数）"),
        "lights": bar_chart([(label, f.count, f.href) for label, f in lights], title="办理期限红黄绿灯",
                            unit="件", colours=[LIGHT_FILLS[light] for light in LIGHTS], width=NARROW_WIDTH),
        "on_time": bar_chart([(u.name, u.on_time_rate.value or 0, u.on_time_rate.den.href)
                              for u in units if u.on_time_rate.den.count],
                             title="各牵头单位按期办结率（按期办结 ÷ 已办结及逾期未办结）", percent=True),
        "first": bar_chart([(u.name, u.first_satisfaction.value or 0, u.first_satisfaction.den.href)
                            for u in units if u.first_satisfaction.den.count],
                           title="各牵头单位首轮测评满意率", percent=True),
        "months": line_chart([_month_label(m, scope.year) for m in months],
                             [("交办", [f.count for f in opened]), ("办结", [f.count for f in closed])],
                             title="每月交办与办结事项数"),
    }
    stages = [(stage, total.stage(stage.value)) for stage in Stage]
    return render_template("dashboard/index.html", scope=scope, years=years or [scope.year],
                           committees=committees, total=total, units=units, funnel=funnel, lights=lights,
                           stages=stages, months=months, opened=opened, closed=closed, charts=charts,
                           answer_classes=answer_class_rows(scope),
                           answer_class_list=list(AnswerClass), today=today, yellow_workdays=yellow_workdays())


def _month_label(month: str, year: int) -> str:
    label = f"{int(month[5:])}月"
    return label if int(month[:4]) == year else f"{month[2:4]}年{label}"


def basis_description(filters: ItemFilters) -> str:
    """The dashboard's narrow filters in words, shown above the list they produced. Units
    are named from the process's kept ``unit_refs``: a statement of its own (for no unit at
    all on a light's or a month's list) cost 0.3 ms of every such list (issue 16)."""
    parts = []
    refs = unit_refs()
    names = {i: refs[i].name for i in (filters.lead_unit_id, filters.committee_id) if i in refs}
    if filters.committee_id:
        parts.append(f"牵头工作机构：{names.get(filters.committee_id, '—')}")
    if filters.lead_unit_id:
        parts.append(f"牵头单位：{names.get(filters.lead_unit_id, '—')}")
    if filters.basis:
        parts.append(BASES[filters.basis][0])
    if filters.light:
        parts.append(LIGHTS[filters.light])
    if filters.assigned_in:
        parts.append(f"{filters.assigned_in} 交办")
    if filters.closed_in:
        parts.append(f"{filters.closed_in} 办结")
    return "；".join(parts)


NARROW_ARGS = ("lead", "committee", "basis", "light", "assigned_in", "closed_in")


def list_basis(filters: ItemFilters) -> dict | None:
    """What the staff list shows above its results when it was opened from a dashboard
    figure: the narrow filters in words, the link without them, and the hidden fields
    that keep them when other filters change."""
    if not filters.narrow:
        return None
    args = filters.as_args()
    return {"text": basis_description(filters),
            "clear_args": {k: v for k, v in args.items() if k not in NARROW_ARGS},
            "hidden": [(name, args[name]) for name in NARROW_ARGS if args.get(name)]}
