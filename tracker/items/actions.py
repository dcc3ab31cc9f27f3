"""Workflow actions on one item. Each view: load-or-404 → authorize → validate →
operation → commit.

Authorization comes before validation, so a user who may not act learns nothing about
the form (an empty report from a co-unit is 403, not "请填写报告内容"). A refused action
re-renders the item page with the submitted form (nothing typed is lost) and a Chinese
message: 403 when the role or unit may not act, 409 when the item is not in a stage that
allows it, 200 for plain validation errors (htmx swaps it).
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..models import AnswerClass, EntryKind, Evaluation, EvaluationMode, ExtensionRequest, HandbackRequest, VerdictGrade
from ..queries import get_item
from ..services import OperationError, check_version, corrections, declared_dates, handbacks
from ..services import commitments as commitment_ops
from ..services import evaluations as evaluation_ops
from ..services import items as ops
from ..services.attachments import UploadedFile
from ..services.closure import VerdictInput
from ..tally import Grade
from ..workflow import Action, InvalidTransition, NotAllowed, check
from . import bp
from . import forms as f
from .closure_forms import VerdictForm
from .detail import render_item


def _files(field) -> list[UploadedFile]:
    return [UploadedFile(filename=s.filename or "", data=s.read()) for s in (field.data or []) if s and s.filename]


def _refused(item_id: int, form_key: str, form, error: InvalidTransition | OperationError):
    db.session.rollback()
    flash(error.message, "error")
    status = 403 if isinstance(error, NotAllowed) else 409 if isinstance(error, InvalidTransition) else 200
    return render_item(get_item(item_id), status=status, **{form_key: form})


def perform(item_id: int, action: Action, form_key: str, form, operation: Callable, success: str,
            anchor: str = "", prepare: Callable | None = None):
    """Load-or-404, check ``action`` (403/409), validate, run the operation, commit, 303.
    ``prepare(form, item)``: gives the form what depends on the item (its choices) before
    it is validated or shown again."""
    item = get_item(item_id)
    if prepare is not None:
        prepare(form, item)
    try:
        check(current_user, item, action)
    except InvalidTransition as error:
        return _refused(item_id, form_key, form, error)
    if not form.validate_on_submit():
        # Said at the top as well: the form may not be on the page now (another stage,
        # ballot already cast), and a folded form's inline error is easy to miss.
        problems = [f"{form[name].label.text}：{errors[0]}" for name, errors in form.errors.items()
                    if errors and name in form._fields]
        flash("未能提交：" + "；".join(problems), "error")
        return render_item(item, **{form_key: form})
    try:
        operation(item)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        return _refused(item_id, form_key, form, error)
    flash(success, "success")
    return redirect(url_for("items.detail", item_id=item_id) + anchor, code=303)


@bp.route("/items/<int:item_id>/answer", methods=["POST"])
@login_required
def answer(item_id: int):
    form = f.AnswerForm()

    def op(item):
        check_version(item, form.version.data)
        ops.record_answer(item, ops.AnswerData(form.respondent_name.data or None, form.respondent_post.data or None,
                                               form.answer.data, form.commitments.data or None), current_user)
        commitment_ops.commitments_from_answer(item, form.commitments.data, form.commitment_due.data, current_user)
        commitment_ops.set_answer_class(item, AnswerClass(form.answer_class.data) if form.answer_class.data else None,
                                        form.answer_class_reason.data, current_user)
    return perform(item_id, Action.RECORD_ANSWER, "answer_form", form, op, "已记录答复")


@bp.route("/items/<int:item_id>/assign", methods=["POST"])
@login_required
def assign(item_id: int):
    form = f.with_unit_choices(f.AssignForm())

    def op(item):
        check_version(item, form.version.data)
        ops.assign_item(item, ops.Assignment(form.lead_unit_id.data, form.co_unit_ids.data or [],
                                             form.deadline.data), current_user)
    return perform(item_id, Action.ASSIGN, "assign_form", form, op, "已交办，等待承办单位签收")


@bp.route("/items/<int:item_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(item_id: int):
    return perform(item_id, Action.ACKNOWLEDGE, "ack_form", f.BaseForm(),
                   lambda item: ops.acknowledge(item, current_user), "已签收")


@bp.route("/items/<int:item_id>/progress", methods=["POST"])
@login_required
def progress(item_id: int):
    form = f.ProgressForm()
    return perform(item_id, Action.POST_PROGRESS, "progress_form", form, lambda item: ops.post_progress(
        item, EntryKind(form.kind.data), form.text.data, _files(form.files), current_user), "已报送", "#rounds")


@bp.route("/items/<int:item_id>/report", methods=["POST"])
@login_required
def report(item_id: int):
    form = f.ReportForm()
    return perform(item_id, Action.SUBMIT_REPORT, "report_form", form, lambda item: ops.submit_report(
        item, form.text.data, _files(form.files), current_user), "整改情况报告已提交，等待审核", "#rounds")


@bp.route("/items/<int:item_id>/return", methods=["POST"])
@login_required
def return_report(item_id: int):
    form = f.ReturnForm()
    return perform(item_id, Action.RETURN_REPORT, "return_form", form,
                    lambda item: ops.return_report(item, form.reason.data, current_user), "已退回报告")


@bp.route("/items/<int:item_id>/accept", methods=["POST"])
@login_required
def accept_report(item_id: int):
    form = VerdictForm()

    def op(item):
        grade = VerdictGrade(form.grade.data) if form.grade.data else None
        ops.accept_report(item, current_user, VerdictInput(grade, form.reason.data))
    return perform(item_id, Action.ACCEPT_REPORT, "verdict_form", form, op, "已受理报告，可开启满意度测评")


@bp.route("/items/<int:item_id>/extension", methods=["POST"])
@login_required
def request_extension(item_id: int):
    form = f.ExtensionForm()
    return perform(item_id, Action.REQUEST_EXTENSION, "extension_form", form, lambda item: ops.request_extension(
        item, form.reason.data, form.requested_deadline.data, current_user), "延期申请已提交")


@bp.route("/items/<int:item_id>/extension/<int:request_id>", methods=["POST"])
@login_required
def decide_extension(item_id: int, request_id: int):
    form = f.DecideExtensionForm()

    def op(item):
        request = db.session.get(ExtensionRequest, request_id)
        if request is None or request.item_id != item.id:
            abort(404)
        ops.decide_extension(item, request, form.decision.data == "approve", form.note.data, current_user)
    return perform(item_id, Action.DECIDE_EXTENSION, "decide_form", form, op, "已审批延期申请")


@bp.route("/items/<int:item_id>/correct", methods=["POST"])
@login_required
def correct(item_id: int):
    form = f.with_unit_choices(f.CorrectAssignmentForm())

    def op(item):
        check_version(item, form.version.data)
        corrections.correct_assignment(item, corrections.Correction(form.lead_unit_id.data, form.co_unit_ids.data or [],
                                                    form.deadline.data, form.question.data, form.reason.data),
                               current_user)
    return perform(item_id, Action.CORRECT_ASSIGNMENT, "correct_form", form, op, "已更正交办，原内容保留在记录中")


@bp.route("/items/<int:item_id>/handback", methods=["POST"])
@login_required
def request_handback(item_id: int):
    form = f.with_handback_choices(f.HandbackForm())
    return perform(item_id, Action.REQUEST_HANDBACK, "handback_form", form, lambda item: handbacks.request_handback(
        item, form.reason.data, form.suggested_unit_id.data or None, current_user), "退办申请已提交，等待工作人员处理")


@bp.route("/items/<int:item_id>/handback/<int:request_id>", methods=["POST"])
@login_required
def decide_handback(item_id: int, request_id: int):
    form = f.with_handback_choices(f.DecideHandbackForm())

    def op(item):
        request = db.session.get(HandbackRequest, request_id)
        if request is None or request.item_id != item.id:
            abort(404)
        handbacks.decide_handback(item, request, handbacks.HandbackDecision(
            form.decision.data == "reassign", form.note.data, form.lead_unit_id.data or None,
            form.co_unit_ids.data or []), current_user)
    return perform(item_id, Action.DECIDE_HANDBACK, "decide_handback_form", form, op, "已处理退办申请")


@bp.route("/items/<int:item_id>/declared-date", methods=["POST"])
@login_required
def declare_date(item_id: int):
    form = f.DeclaredDateForm()
    return perform(item_id, Action.DECLARE_DATE, "declared_form", form,
                   lambda item: declared_dates.declare_expected_date(
                       item, form.expected_on.data, form.reason.data, current_user),
                   "已填报预计完成日期，将在逾期清单中公开")


@bp.route("/items/<int:item_id>/withdraw", methods=["POST"])
@login_required
def withdraw(item_id: int):
    form = f.WithdrawForm()
    return perform(item_id, Action.WITHDRAW, "withdraw_form", form,
                   lambda item: corrections.withdraw_item(item, form.reason.data, current_user), "已作废，本条保留备查")


@bp.route("/items/<int:item_id>/publish", methods=["POST"])
@login_required
def publish(item_id: int):
    form = f.PublishForm()
    return perform(item_id, Action.SET_PUBLISHED, "publish_form", form, lambda item: ops.set_item_published(
        item, form.published.data == "1", current_user), "已更新公开设置")


@bp.route("/items/<int:item_id>/evaluation", methods=["POST"])
@login_required
def open_evaluation(item_id: int):
    form = f.OpenEvaluationForm()
    from ..services.settings import available_rules
    form.rule_key.choices = [(k, r.name) for k, r in available_rules().items()]

    def op(item):
        evaluation_ops.open_evaluation(item, EvaluationMode(form.mode.data), form.members_total.data, current_user,
                                       form.rule_key.data)
    return perform(item_id, Action.OPEN_EVALUATION, "open_eval_form", form, op, "已开启满意度测评")


def _current_evaluation(item) -> Evaluation:
    evaluation = db.session.scalar(sa.select(Evaluation).where(
        Evaluation.item_id == item.id, Evaluation.round == item.round))
    if evaluation is None:
        raise OperationError("本轮尚未开启测评")
    return evaluation


@bp.route("/items/<int:item_id>/evaluation/vote", methods=["POST"])
@login_required
def vote(item_id: int):
    form = f.VoteForm()

    def op(item):
        grade = None if form.grade.data == "blank" else Grade(form.grade.data)
        evaluation_ops.cast_vote(_current_evaluation(item), item, grade, current_user)
    return perform(item_id, Action.VOTE, "vote_form", form, op, "已提交测评票（无记名），感谢参与")


@bp.route("/items/<int:item_id>/evaluation/tally", methods=["POST"])
@login_required
def tally(item_id: int):
    form = f.TallyForm()

    def op(item):
        counts = {name: getattr(form, name).data or 0 for name in
                  ("members_total", "members_present", "satisfied", "basic", "unsatisfied", "invalid")}
        evaluation_ops.enter_tally(_current_evaluation(item), item, counts, current_user,
                                   confirm_unbalanced=bool(form.confirm_unbalanced.data))
    return perform(item_id, Action.ENTER_TALLY, "tally_form", form, op, "已录入表决票数")


@bp.route("/items/<int:item_id>/evaluation/close", methods=["POST"])
@login_required
def close_evaluation(item_id: int):
    form = f.CloseEvaluationForm()

    def op(item):
        evaluation_ops.close_evaluation(_current_evaluation(item), item, current_user, form.new_deadline.data)
    return perform(item_id, Action.CLOSE_EVALUATION, "close_form", form, op, "测评已结束，结果已生效")
