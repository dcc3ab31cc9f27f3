"""A unit's one report for a document, and staff's one review of it."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from ..commitments.panel import review_ask_form
from ..extensions import db
from ..models import (
    Activity,
    AnswerClass,
    Attachment,
    Item,
    LineStatus,
    ProgressEntry,
    Report,
    ReviewStatus,
    Role,
    Verdict,
    VerdictGrade,
)
from ..params import is_number
from ..permissions import roles_required
from ..services import OperationError
from ..services import reports as ops
from ..services.attachments import UploadedFile
from ..services.closure import VerdictInput
from ..visibility import can_view_report
from ..workflow import Action, InvalidTransition, NotAllowed, can, check
from . import bp
from .forms import AcceptForm, DocumentReportForm, ReturnReportForm


def _files(field) -> list[UploadedFile]:
    return [UploadedFile(filename=s.filename or "", data=s.read()) for s in (field.data or []) if s and s.filename]


def _date(value: str, label: str, problems: list[str]) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        if not value.isascii():
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{label}：日期格式不正确（应为 2027-06-30）")
        return None


def _lines(items: list[Item]) -> tuple[list[ops.ReportLine], list[str], dict]:
    picked = set(request.form.getlist("pick"))
    problems: list[str] = []
    lines, typed = [], {}
    for item in items:
        status_value = request.form.get(f"status_{item.id}", "")
        status = LineStatus(status_value) if status_value in {s.value for s in LineStatus} else None
        note = request.form.get(f"note_{item.id}", "").replace("\r\n", "\n")
        promised = _date(request.form.get(f"promised_{item.id}", ""), f"{item.heading}的预计完成日期", problems)
        class_value = request.form.get(f"class_{item.id}", "")
        answer_class = AnswerClass(class_value) if class_value in {c.value for c in AnswerClass} else None
        class_reason = request.form.get(f"class_reason_{item.id}", "").replace("\r\n", "\n")
        typed[item.id] = {"status": status_value, "note": note, "promised": request.form.get(f"promised_{item.id}", ""),
                          "answer_class": class_value, "class_reason": class_reason}
        if str(item.id) in picked:
            lines.append(ops.ReportLine(item, status, promised, note.strip() or None, answer_class,
                                        class_reason.strip() or None))
    return lines, problems, typed


@bp.route("/activities/<int:activity_id>/report", methods=["GET", "POST"])
@roles_required(Role.UNIT)
def submit(activity_id: int):
    """报送 one report for all of the unit's points of this activity (整改中)."""
    activity = db.get_or_404(Activity, activity_id)
    items = ops.reportable_items(activity.id, current_user.unit_id)
    if not items:
        abort(404)  # nothing of this unit's to report here: the activity is not its business
    returned = ops.last_returned(activity.id, current_user.unit_id)
    kept_files = list(db.session.scalars(sa.select(Attachment).where(Attachment.report_id == returned.id)
                                         .order_by(Attachment.id))) if returned else []
    form = DocumentReportForm()
    typed: dict = {}
    picked = {i.id for i in items}
    if request.method == "GET" and returned is not None:
        items_by_id = {i.id: i for i in items}
        # After 退回 the form opens with the returned text and lines, files still attached.
        form.text.data = returned.text
        for entry in db.session.scalars(sa.select(ProgressEntry).where(ProgressEntry.report_id == returned.id)):
            typed[entry.item_id] = {"status": entry.line_status.value if entry.line_status else "",
                                    "note": entry.text, "promised": entry.promised_on.isoformat()
                                    if entry.promised_on else "",
                                    "answer_class": items_by_id[entry.item_id].answer_class or ""
                                    if entry.item_id in items_by_id else "",
                                    "class_reason": (items_by_id[entry.item_id].answer_class_reason or "")
                                    if entry.item_id in items_by_id else ""}
    context = {"activity": activity, "items": items, "form": form, "returned": returned, "kept_files": kept_files,
               "statuses": list(LineStatus), "answer_classes": list(AnswerClass), "typed": typed, "picked": picked,
               "keep": {a.id for a in kept_files}, "title": ops.report_title(activity, items)}
    if request.method == "GET":
        return render_template("reports/form.html", **context)
    lines, problems, typed = _lines(items)
    context |= {"typed": typed, "picked": {int(v) for v in request.form.getlist("pick") if is_number(v)},
                "keep": {int(v) for v in request.form.getlist("keep") if is_number(v)}}
    if not form.validate_on_submit() or problems:
        flash("未报送：" + "；".join(problems + [e[0] for e in form.errors.values() if e]), "error")
        return render_template("reports/form.html", **context)
    try:
        report = ops.submit_report(activity, form.text.data, lines, _files(form.files), current_user,
                                   keep_from=returned, keep_ids=context["keep"])
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash("未报送：" + error.message, "error")
        status = 403 if isinstance(error, NotAllowed) else 200
        return render_template("reports/form.html", **context), status
    flash(f"已报送《{report.title}》，共 {len(lines)} 项，等待审核", "success")
    return redirect(url_for("reports.detail", report_id=report.id), code=303)


def load_report(report_id: int) -> tuple[Report, list[tuple[ProgressEntry, Item]]]:
    report = db.session.scalar(sa.select(Report).where(Report.id == report_id)
                               .options(joinedload(Report.activity), joinedload(Report.unit),
                                        joinedload(Report.submitted_by), selectinload(Report.attachments)))
    if report is None:
        abort(404)
    pairs = list(db.session.execute(
        sa.select(ProgressEntry, Item).join(Item, Item.id == ProgressEntry.item_id)
        .where(ProgressEntry.report_id == report.id)
        .options(selectinload(Item.co_units), joinedload(Item.parent)).order_by(Item.seq)).unique().all())
    if not can_view_report(current_user, report, [item for _, item in pairs]):
        abort(404)
    return report, pairs


def _render(report_id: int, status: int = 200, **forms):
    report, pairs = load_report(report_id)
    can_review = report.status is ReviewStatus.PENDING and bool(pairs) and all(
        can(current_user, item, Action.ACCEPT_REPORT) for _, item in pairs)
    # Once accepted, staff may turn the 审查意见's further asks into commitments.
    can_ask = report.status is ReviewStatus.ACCEPTED and bool(pairs) and all(
        can(current_user, item, Action.MANAGE_COMMITMENTS) for _, item in pairs)
    verdicts = db.session.scalars(sa.select(Verdict).where(Verdict.report_id == report.id)).all()
    context = {"report": report, "pairs": pairs, "can_review": can_review, "accept_form": AcceptForm(formdata=None),
               "return_form": ReturnReportForm(formdata=None), "grades": list(VerdictGrade), "typed_verdicts": {},
               "verdicts": {v.item_id: v for v in verdicts},
               "can_follow_up": current_user.is_staff and report.status is ReviewStatus.ACCEPTED,
               "ask_form": review_ask_form([i for _, i in pairs]) if can_ask else None, **forms}
    return render_template("reports/detail.html", **context), status


render_report = _render


@bp.route("/reports/<int:report_id>")
@login_required
def detail(report_id: int):
    return _render(report_id)


def _review(report_id: int, action: Action, form_key: str, form, operation, success: str, **extra):
    report, pairs = load_report(report_id)
    try:  # authorize before looking at the form: every item must allow the action
        for _, item in pairs:
            check(current_user, item, action)
    except InvalidTransition as error:
        flash(error.message, "error")
        return _render(report_id, 403 if isinstance(error, NotAllowed) else 409, **{form_key: form}, **extra)
    if not form.validate_on_submit():
        flash("未提交：" + "；".join(e[0] for e in form.errors.values() if e), "error")
        return _render(report_id, **{form_key: form}, **extra)
    try:
        operation(report)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash(error.message, "error")
        status = 403 if isinstance(error, NotAllowed) else 409 if isinstance(error, InvalidTransition) else 200
        return _render(report_id, status, **{form_key: form}, **extra)
    flash(success, "success")
    return redirect(url_for("reports.detail", report_id=report_id), code=303)


def _verdicts() -> tuple[dict[int, VerdictInput], dict]:
    """Per item ``verdict_<id>`` and ``verdict_reason_<id>``; an unknown grade is no grade."""
    given, typed = {}, {}
    for name, value in request.form.items():
        if name.startswith("verdict_") and not name.startswith("verdict_reason_") and is_number(name[8:]):
            item_id = int(name[8:])
            reason = request.form.get(f"verdict_reason_{item_id}", "").replace("\r\n", "\n")
            grade = VerdictGrade(value) if value in {g.value for g in VerdictGrade} else None
            given[item_id] = VerdictInput(grade, reason)
            typed[item_id] = {"grade": value, "reason": reason}
    return given, typed


@bp.route("/reports/<int:report_id>/accept", methods=["POST"])
@login_required
def accept(report_id: int):
    form = AcceptForm()
    verdicts, typed = _verdicts()
    return _review(report_id, Action.ACCEPT_REPORT, "accept_form", form,
                   lambda report: ops.accept_report(report, form.opinion.data, current_user, verdicts), "已受理报告",
                   typed_verdicts=typed)


@bp.route("/reports/<int:report_id>/return", methods=["POST"])
@login_required
def return_(report_id: int):
    form = ReturnReportForm()
    return _review(report_id, Action.RETURN_REPORT, "return_form", form,
                   lambda report: ops.return_report(report, form.reason.data, current_user), "已退回报告")
