"""Downloads of the official letters as .docx; staff only, built from the records."""
from __future__ import annotations

import io

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..documents.gongwen import render_letter
from ..extensions import db
from ..lights import light_for
from ..models import (
    Activity,
    Evaluation,
    EvaluationStatus,
    Item,
    ProgressEntry,
    Unit,
    item_co_unit,
    local_today,
)
from ..permissions import staff_required
from ..queries import get_item
from ..workdays import Light
from . import bp
from . import letters as L
from .routes import download

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _send(letter, name: str):
    return download(io.BytesIO(render_letter(letter)), name, DOCX)


@bp.route("/ledger/activities/<int:activity_id>/units/<int:unit_id>/assignment-letter")
@staff_required
def assignment_letter(activity_id: int, unit_id: int):
    """交办函 to one unit: the activity's items it leads or co-handles."""
    activity = db.session.scalar(sa.select(Activity).where(Activity.id == activity_id)
                                 .options(joinedload(Activity.lead_committee)))
    unit = db.session.get(Unit, unit_id)
    if activity is None or unit is None:
        abort(404)
    co = sa.select(item_co_unit.c.item_id).where(item_co_unit.c.unit_id == unit.id)
    items = db.session.scalars(
        sa.select(Item).where(Item.activity_id == activity.id, sa.or_(Item.lead_unit_id == unit.id, Item.id.in_(co)))
        .options(joinedload(Item.lead_unit), selectinload(Item.co_units)).order_by(Item.seq)).unique().all()
    if not items:
        abort(404)
    contact = current_user.display_name + (f"（{current_user.unit.name}）" if current_user.unit else "")
    letter = L.assignment_letter(activity, unit, items, local_today(), contact=contact)
    return _send(letter, f"交办函-{unit.name}-{activity.id}.docx")


@bp.route("/ledger/items/<int:item_id>/supervision-letter")
@staff_required
def supervision_letter(item_id: int):
    """督办函 for an item past its deadline."""
    item = get_item(item_id)
    today = local_today()
    if light_for(item, today) is not Light.RED:
        flash("该事项未逾期，无需制发督办函", "warning")
        return redirect(url_for("items.detail", item_id=item.id), code=303)
    last_entry_at = db.session.scalar(sa.select(sa.func.max(ProgressEntry.created_at))
                                      .where(ProgressEntry.item_id == item.id))
    letter = L.supervision_letter(item, today, last_entry_at)
    return _send(letter, f"督办函-{item.code}.docx")


@bp.route("/ledger/evaluations/<int:evaluation_id>/result-notice")
@staff_required
def result_notice(evaluation_id: int):
    """测评结果通报 of a closed evaluation; an open one has no result to announce."""
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.status is not EvaluationStatus.CLOSED:
        abort(404)
    item = get_item(evaluation.item_id)
    letter = L.result_notice(evaluation, item, local_today())
    return _send(letter, f"测评结果通报-{item.code}-第{evaluation.round}轮.docx")
