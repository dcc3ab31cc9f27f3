"""Everything the item page shows, gathered with a fixed number of queries."""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    AuditEntry,
    Evaluation,
    ExtensionRequest,
    ExtensionStatus,
    Item,
    ProgressEntry,
    Unit,
    UnitKind,
    local_today,
)
from ..services.calendar import light_for
from ..services.deadlines import assign_deadline
from ..services.evaluations import has_voted, participant_count
from ..services.settings import available_rules
from ..workflow import TRANSITIONS, Action, can
from . import forms as f


def organ_choices() -> list[tuple[int, str]]:
    units = db.session.scalars(sa.select(Unit).where(Unit.active.is_(True), Unit.kind != UnitKind.COMMITTEE)
                               .order_by(Unit.sort_order, Unit.name)).all()
    return [(u.id, u.name) for u in units]


def default_forms(item: Item) -> dict:
    organs = organ_choices()
    answer = f.AnswerForm(formdata=None, obj=item)
    assign = f.AssignForm(formdata=None, obj=item)
    assign.lead_unit_id.choices = [(0, "请选择")] + organs
    assign.co_unit_ids.choices = organs
    assign.co_unit_ids.data = [u.id for u in item.co_units]
    if not assign.lead_unit_id.data and item.asked_unit_id:
        assign.lead_unit_id.data = item.asked_unit_id
    if not assign.deadline.data:
        assign.deadline.data = assign_deadline(item)  # the activity kind's 办理期限 rule
    open_eval = f.OpenEvaluationForm(formdata=None)
    open_eval.rule_key.choices = [(k, r.name) for k, r in available_rules().items()]
    open_eval.rule_key.data = item.activity.evaluation_rule_key
    return {
        "answer_form": answer, "assign_form": assign, "progress_form": f.ProgressForm(formdata=None),
        "report_form": f.ReportForm(formdata=None), "return_form": f.ReturnForm(formdata=None),
        "extension_form": f.ExtensionForm(formdata=None), "decide_form": f.DecideExtensionForm(formdata=None),
        "open_eval_form": open_eval, "tally_form": f.TallyForm(formdata=None),
        "close_form": f.CloseEvaluationForm(formdata=None), "vote_form": f.VoteForm(formdata=None),
    }


def render_item(item: Item, status: int = 200, **overrides):
    """The item page; ``overrides`` carry a submitted form with its errors and text, so
    a refused action re-renders with nothing the user typed lost."""
    entries = db.session.scalars(
        sa.select(ProgressEntry).where(ProgressEntry.item_id == item.id)
        .options(joinedload(ProgressEntry.unit), joinedload(ProgressEntry.author),
                 selectinload(ProgressEntry.attachments))
        .order_by(ProgressEntry.round, ProgressEntry.id)).unique().all()
    evaluations = db.session.scalars(
        sa.select(Evaluation).where(Evaluation.item_id == item.id).order_by(Evaluation.round)).all()
    extensions = db.session.scalars(
        sa.select(ExtensionRequest).where(ExtensionRequest.item_id == item.id)
        .options(joinedload(ExtensionRequest.requested_by)).order_by(ExtensionRequest.id)).all()
    timeline = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.item_id == item.id).order_by(AuditEntry.id)).all()
    rounds: dict[int, dict] = defaultdict(lambda: {"entries": [], "evaluation": None, "extensions": []})
    for entry in entries:
        rounds[entry.round]["entries"].append(entry)
    for evaluation in evaluations:
        rounds[evaluation.round]["evaluation"] = evaluation
    for request in extensions:
        rounds[request.round]["extensions"].append(request)
    rounds.setdefault(item.round, {"entries": [], "evaluation": None, "extensions": []})
    current_eval = next((e for e in evaluations if e.round == item.round and e.is_open), None)
    pending_extension = next((r for r in extensions if r.status is ExtensionStatus.PENDING), None)
    allowed = {action for action in TRANSITIONS if can(current_user, item, action)}
    context = {
        "item": item, "activity": item.activity, "rounds": dict(sorted(rounds.items(), reverse=True)),
        "timeline": timeline, "current_eval": current_eval, "pending_extension": pending_extension,
        "allowed": allowed, "Action": Action,
        "has_actions": bool(allowed - {Action.VOTE, Action.SET_PUBLISHED, Action.EDIT}),
        "light": light_for(item), "today": local_today(),
        "voted": has_voted(current_eval, current_user) if current_eval and current_user.is_reviewer else False,
        "participants": participant_count(current_eval) if current_eval else 0,
    }
    context.update(default_forms(item))
    context.update(overrides)
    return render_template("items/detail.html", **context), status
