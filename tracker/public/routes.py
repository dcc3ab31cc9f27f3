"""Public pages: published activities with their 审议意见, handling reports, evaluation
results, and the list of items past their deadline (逾期未办结). No login."""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import Response, render_template, request
from flask_login import current_user

from ..extensions import db
from ..lights import light_for, lights_for, overdue_clause
from ..models import Activity, Item, local_today
from ..queries import activity_rows, basis_clause
from ..services.closure import item_history
from ..services.declared_dates import current_declarations
from ..visibility import public_commitments, public_deadline_history, public_verdicts
from . import bp
from .queries import (
    accepted_document_reports,
    accepted_reports,
    closed_evaluations,
    get_public_activity,
    get_public_item,
    item_loads,
    overdue_items,
    public_items,
)

PUBLIC_PAGES = {"public.index", "public.activity", "public.item", "public.overdue"}


@bp.after_request
def cache_headers(response: Response) -> Response:
    """Anonymous pages may sit in shared caches for five minutes (publishing is not urgent
    to the minute); a signed-in user's copy carries their name, so it is never shared."""
    if request.endpoint in PUBLIC_PAGES and response.status_code == 200 and not current_user.is_authenticated:
        response.headers["Cache-Control"] = "public, max-age=300"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


@bp.route("/")
def index():
    # 已办结 counts what was done: a 终止跟踪（未落实） item is closed, not done.
    rows = db.session.execute(activity_rows(basis_clause("closed", local_today()), items_where=Item.published.is_(True))
                              .where(Activity.published.is_(True)).limit(500)).all()
    by_year = defaultdict(list)
    for row in rows:
        by_year[row[0].meeting_date.year].append(row)
    overdue = db.session.scalar(sa.select(sa.func.count()).select_from(
        public_items().where(overdue_clause(local_today())).subquery())) or 0
    return render_template("public/index.html", by_year=dict(by_year), overdue=overdue)


@bp.route("/activities/<int:activity_id>")
def activity(activity_id: int):
    activity = get_public_activity(activity_id)
    items = list(db.session.scalars(item_loads(public_items().where(Item.activity_id == activity.id))
                                    .order_by(Item.seq)).unique())
    results = defaultdict(list)
    for evaluation in closed_evaluations([i.id for i in items]):
        results[evaluation.item_id].append(evaluation)
    return render_template("public/activity.html", activity=activity, items=items, results=results,
                           today=local_today(), lights=lights_for(items),
                           reports=accepted_document_reports(activity.id))


@bp.route("/items/<int:item_id>")
def item(item_id: int):
    item = get_public_item(item_id)
    rounds = defaultdict(lambda: {"reports": [], "evaluation": None})
    for report in accepted_reports([item.id]):
        rounds[report.round]["reports"].append(report)
    for evaluation in closed_evaluations([item.id]):
        rounds[evaluation.round]["evaluation"] = evaluation
    verdicts, closures = public_verdicts(item, item.activity, *item_history(item.id))
    for number in verdicts.keys() | closures.keys():
        rounds[number].setdefault("reports", [])  # a round closed without a report (终止跟踪) still shows its closure
    return render_template("public/item.html", item=item, activity=item.activity, verdicts=verdicts,
                           closures=closures, rounds=dict(sorted(rounds.items())), today=local_today(),
                           light=light_for(item), deadline_changes=public_deadline_history(item, item.activity),
                           declared=current_declarations([item]).get(item.id),
                           commitments=public_commitments(item, item.activity))


@bp.route("/overdue")
def overdue():
    today = local_today()
    items = overdue_items(today)
    return render_template("public/overdue.html", items=items, today=today, declared=current_declarations(items))
