"""Commitment actions. Each goes through the item actions' one door (``perform``):
load the item or 404 (another unit's item, and so its commitments, are 404), check the
workflow action (403/409), validate, run the operation, commit, 303 back to the panel."""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..items.actions import perform
from ..models import Commitment, CommitmentSource, CommitmentStatus, Item, ReviewStatus
from ..reports.routes import load_report, render_report
from ..services import OperationError
from ..services import commitments as ops
from ..services.attachments import UploadedFile
from ..workflow import Action, InvalidTransition, NotAllowed, check
from . import bp
from .forms import CommitmentForm, CommitmentStatusForm, ConfirmDueForm, EvidenceForm
from .panel import review_ask_form

ANCHOR = "#commitments"


def _commitment(item: Item, commitment_id: int) -> Commitment:
    commitment = ops.get_commitment(item, commitment_id)
    if commitment is None:
        abort(404)
    return commitment


def _files(field) -> list[UploadedFile]:
    return [UploadedFile(filename=s.filename or "", data=s.read()) for s in (field.data or []) if s and s.filename]


@bp.route("/items/<int:item_id>/commitments", methods=["POST"])
@login_required
def add(item_id: int):
    form = CommitmentForm()

    def op(item):
        ops.add_commitment(item, ops.CommitmentData(form.text.data, form.due_on.data, CommitmentSource(
            form.source.data), form.unit_id.data or None), current_user)
    return perform(item_id, Action.MANAGE_COMMITMENTS, "commitment_form", form, op, "已记录承诺", ANCHOR)


@bp.route("/items/<int:item_id>/commitments/<int:commitment_id>/confirm", methods=["POST"])
@login_required
def confirm(item_id: int, commitment_id: int):
    form = ConfirmDueForm()
    return perform(item_id, Action.MANAGE_COMMITMENTS, "confirm_due_form", form, lambda item: ops.confirm_due(
        _commitment(item, commitment_id), item, form.due_on.data, current_user), "已确认完成日期", ANCHOR)


@bp.route("/items/<int:item_id>/commitments/<int:commitment_id>/status", methods=["POST"])
@login_required
def set_status(item_id: int, commitment_id: int):
    form = CommitmentStatusForm()
    return perform(item_id, Action.MANAGE_COMMITMENTS, "commitment_status_form", form, lambda item: ops.set_status(
        _commitment(item, commitment_id), item, CommitmentStatus(form.status.data), form.reason.data, current_user),
        "已更新兑现情况", ANCHOR)


@bp.route("/items/<int:item_id>/commitments/<int:commitment_id>/evidence", methods=["POST"])
@login_required
def evidence(item_id: int, commitment_id: int):
    form = EvidenceForm()
    return perform(item_id, Action.POST_COMMITMENT_EVIDENCE, "evidence_form", form, lambda item: ops.post_evidence(
        _commitment(item, commitment_id), item, form.text.data, _files(form.files), bool(form.claims_kept.data),
        current_user), "已报送兑现情况", ANCHOR)


@bp.route("/reports/<int:report_id>/commitments", methods=["POST"])
@login_required
def from_review(report_id: int):
    """Turn a further ask of the 审查意见 into a commitment on one of the report's items."""
    report, pairs = load_report(report_id)
    items = {item.id: item for _, item in pairs}
    form = review_ask_form(list(items.values()), submitted=True)
    try:  # authorize before looking at the form
        for item in items.values():
            check(current_user, item, Action.MANAGE_COMMITMENTS)
    except InvalidTransition as error:
        flash(error.message, "error")
        return render_report(report_id, 403 if isinstance(error, NotAllowed) else 409, ask_form=form)
    if report.status is not ReviewStatus.ACCEPTED:
        flash("审查意见在受理报告时填写：该报告尚未受理", "error")
        return render_report(report_id, 409, ask_form=form)
    if not form.validate_on_submit():
        flash("未记录：" + "；".join(f"{form[k].label.text}：{v[0]}" for k, v in form.errors.items() if v), "error")
        return render_report(report_id, ask_form=form)
    try:
        ops.add_commitment(items[form.item_id.data], ops.CommitmentData(
            form.text.data, form.due_on.data, CommitmentSource.REVIEW, report.unit_id, report.id), current_user)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash("未记录：" + error.message, "error")
        return render_report(report_id, ask_form=form)
    flash("已将审查意见中的要求记为承诺", "success")
    return redirect(url_for("reports.detail", report_id=report_id) + "#review-asks", code=303)
