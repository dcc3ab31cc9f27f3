from __future__ import annotations

import functools
from dataclasses import replace

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..items.routes import page_arg
from ..lights import commitment_light
from ..list_page import First, list_page
from ..list_rows import list_rows
from ..main.todos import attention_first
from ..models import (
    Evaluation,
    EvaluationMode,
    EvaluationStatus,
    Item,
    Role,
    Sitting,
    SittingParticipant,
    SittingStatus,
    SittingVoter,
    local_today,
)
from ..permissions import roles_required
from ..queries import ItemFilters
from ..services.commitments import DUE_SOON_DAYS, due_soon_for_unit
from ..services.declared_dates import expected_on_column, needs_declaration
from . import bp


@bp.route("/my")
@roles_required(Role.UNIT)
def my_items():
    """Only this unit's items (lead or co-unit): 待签收 and returned reports first, then red and yellow."""
    filters = ItemFilters.from_args(request.args)
    filters.unit_id = None  # a unit cannot widen its view through the URL
    today = local_today()
    page = list_page(current_user, filters, page_arg(), current_app.config["PAGE_SIZE"], today,
                     first=_my_items_first())
    unit_id = current_user.unit_id
    expected = {i.id: page.extra[i.id].expected_on for i in page.items}
    # The lead unit is asked for its expected date on each overdue item it has not yet explained.
    ask = {i.id for i in page.items if i.lead_unit_id == unit_id and needs_declaration(i, expected[i.id], today)}
    due = [(c, item, commitment_light(c.status, c.due_on, today))
           for c, item in due_soon_for_unit(unit_id, today)]
    return render_template("work/my_items.html", page=page, rows=list_rows(page.items, today), filters=filters,
                           unit_id=unit_id, expected=expected, ask_declaration=ask,
                           commitments_due=due, due_days=DUE_SOON_DAYS)


@functools.cache
def _my_items_first() -> First:
    """``attention_first``, each row carrying the date its unit declared it expects to finish
    by (``declared_dates.expected_on_column``): the answer to the prompt, shown in its place."""
    first = attention_first()
    return replace(first, shape=(*first.shape, "expected_on"), columns=(expected_on_column(),))


@bp.route("/evaluations")
@roles_required(Role.REVIEWER)
def my_evaluations():
    """The online sittings this reviewer may vote in (snapshotted at opening)."""
    voted = sa.exists().where(SittingParticipant.sitting_id == Sitting.id,
                              SittingParticipant.user_id == current_user.id)
    entries = (sa.select(sa.func.count()).where(Evaluation.sitting_id == Sitting.id)
               .correlate(Sitting).scalar_subquery())
    # A sitting of one report is voted on the item page itself, next to the report.
    first_item = (sa.select(sa.func.min(Evaluation.item_id)).where(Evaluation.sitting_id == Sitting.id)
                  .correlate(Sitting).scalar_subquery())
    rows = db.session.execute(
        sa.select(Sitting, voted, entries, first_item)
        .join(SittingVoter, sa.and_(SittingVoter.sitting_id == Sitting.id, SittingVoter.user_id == current_user.id))
        .where(Sitting.status == SittingStatus.OPEN, Sitting.mode == EvaluationMode.ONLINE)
        .order_by(Sitting.opened_at)).all()
    closed = db.session.scalars(
        sa.select(Evaluation).where(Evaluation.status == EvaluationStatus.CLOSED)
        .options(joinedload(Evaluation.item).joinedload(Item.lead_unit))
        .order_by(Evaluation.closed_at.desc()).limit(20)).all()
    return render_template("work/my_evaluations.html", rows=rows, closed=closed)
