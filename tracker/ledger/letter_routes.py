"""Issuing the official letters and the 发文登记 (register); staff only.

Issuing is a POST (it gives a 发文字号 and writes the register and the history);
it answers 303 to the download of the stored letter, so a reload re-downloads the
same file and never issues twice.  Downloads render the stored content.
"""
from __future__ import annotations

import io

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..documents.gongwen import letter_from_dict, render_letter
from ..extensions import db
from ..lights import light_for
from ..models import (
    Activity,
    Evaluation,
    EvaluationStatus,
    IssuedLetter,
    Item,
    LetterKind,
    ProgressEntry,
    Unit,
    item_co_unit,
    local_today,
)
from ..permissions import staff_required
from ..queries import get_item
from ..services.register import issue_letter
from ..workdays import Light
from . import bp
from . import letters as L
from .routes import download

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REGISTER_PAGE_SIZE = 100


def _contact() -> str:
    return current_user.display_name + (f"（{current_user.unit.name}）" if current_user.unit else "")


def _issued(issued: IssuedLetter):
    db.session.commit()
    return redirect(url_for("ledger.letter_download", letter_id=issued.id), code=303)


@bp.route("/ledger/activities/<int:activity_id>/units/<int:unit_id>/assignment-letter", methods=["POST"])
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
        .options(joinedload(Item.lead_unit), selectinload(Item.co_units), joinedload(Item.parent))
        .order_by(Item.seq)).unique().all()
    if not items:
        abort(404)
    today, contact = local_today(), _contact()
    issued = issue_letter(LetterKind.ASSIGNMENT, L.subject_assignment(activity, unit, items),
                          lambda number: L.assignment_letter(activity, unit, items, today, number, contact),
                          current_user, today, activity_id=activity.id)
    return _issued(issued)


@bp.route("/ledger/items/<int:item_id>/supervision-letter", methods=["POST"])
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
    contact = _contact()
    issued = issue_letter(LetterKind.SUPERVISION, L.subject_supervision(item),
                          lambda number: L.supervision_letter(item, today, number, last_entry_at, contact),
                          current_user, today, item=item, activity_id=item.activity_id)
    return _issued(issued)


@bp.route("/ledger/evaluations/<int:evaluation_id>/result-notice", methods=["POST"])
@staff_required
def result_notice(evaluation_id: int):
    """测评结果通报 of a closed evaluation; an open one has no result to announce."""
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.status is not EvaluationStatus.CLOSED:
        abort(404)
    item = get_item(evaluation.item_id)
    today, contact = local_today(), _contact()
    issued = issue_letter(LetterKind.RESULT_NOTICE, L.subject_result(evaluation),
                          lambda number: L.result_notice(evaluation, item, today, number, contact),
                          current_user, today, item=item, activity_id=item.activity_id)
    return _issued(issued)


@bp.route("/ledger/letters")
@staff_required
def letter_register():
    """发文登记: the latest letters first, with their numbers, as issued."""
    letters = db.session.scalars(sa.select(IssuedLetter).order_by(IssuedLetter.issued_on.desc(),
                                                                  IssuedLetter.id.desc())
                                 .limit(REGISTER_PAGE_SIZE)).all()
    total = db.session.scalar(sa.select(sa.func.count(IssuedLetter.id)))
    return render_template("ledger/letters.html", letters=letters, total=total)


@bp.route("/ledger/letters/<int:letter_id>/download")
@staff_required
def letter_download(letter_id: int):
    """The stored letter as .docx: the same number and text every time."""
    issued = db.get_or_404(IssuedLetter, letter_id)
    data = render_letter(letter_from_dict(issued.content))
    name = f"{issued.kind.label}-{issued.recipient}-{issued.year}年第{issued.number}号.docx"
    return download(io.BytesIO(data), name, DOCX)
