"""Staff pages of a sitting: open it, attendance and the 表决器 table, stop, count,
void and reopen, follow-up deadlines, results and the 测评结果通报.

Each view: load-or-404 → validate → operation (which checks the workflow for every
entry's item) → commit → 303. A refused operation re-renders the page with what was
typed and a Chinese message.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Evaluation, EvaluationMode, Item, Role, Sitting, SittingStatus, Stage
from ..params import is_number
from ..permissions import staff_required
from ..services import OperationError, counting, sittings
from ..services.ballots import is_eligible, participant_count
from ..services.settings import available_rules
from ..tally import Consequence, describe_rule, rule_from_dict
from ..workflow import InvalidTransition, NotAllowed
from . import bp
from . import forms as f


def get_sitting(sitting_id: int) -> Sitting:
    """Staff see every sitting; a reviewer sees one they may vote in, or a counted one;
    anyone else gets 404 (a sitting lists several units' items)."""
    sitting = db.session.get(Sitting, sitting_id)
    if sitting is None or not current_user.is_authenticated:
        abort(404)
    if current_user.is_staff:
        return sitting
    if current_user.role is Role.REVIEWER and (sitting.is_counted or is_eligible(sitting, current_user)):
        return sitting
    abort(404)


def entries_of(sitting: Sitting) -> list[Evaluation]:
    return list(db.session.scalars(
        sa.select(Evaluation).where(Evaluation.sitting_id == sitting.id).order_by(Evaluation.position)
        .options(joinedload(Evaluation.item).joinedload(Item.lead_unit),
                 joinedload(Evaluation.item).joinedload(Item.activity))))


def render_sitting(sitting: Sitting, status: int = 200, **forms):
    entries = entries_of(sitting)
    rule = rule_from_dict(sitting.rule)
    staff = current_user.is_staff
    context = {
        "sitting": sitting, "entries": entries, "rule": rule, "rule_lines": describe_rule(rule),
        "participants": participant_count(sitting) if sitting.mode is EvaluationMode.ONLINE else None,
        "allowed": _allowed(sitting, staff),
        "attendance_form": forms.get("attendance_form") or f.AttendanceForm(formdata=None,
                                                                           members_present=sitting.members_present),
        "void_form": forms.get("void_form") or f.VoidForm(formdata=None),
        "deadline_form": f.DeadlineForm(formdata=None), "csrf_form": f.CsrfForm(formdata=None),
        # Entered numbers are shown to staff only, and to others once counted.
        "show_counts": sitting.is_counted or staff,
        "pending_deadline": [e for e in entries if not e.is_open and e.new_deadline is None
                             and e.consequence not in (None, Consequence.CLOSE)
                             and e.item.stage is Stage.RECTIFYING and e.item.deadline is None],
    }
    return render_template("sittings/detail.html", **context), status


def _allowed(sitting: Sitting, staff: bool) -> set[str]:
    """What the page may offer; the operations check again (workflow.check per item)."""
    if not staff:
        voter = sitting.is_open and sitting.mode is EvaluationMode.ONLINE and is_eligible(sitting, current_user)
        return {"vote"} if voter else set()
    allowed = set()
    if sitting.is_open:
        allowed |= {"stop", "void"}
        if sitting.mode is not EvaluationMode.ONLINE:
            allowed |= {"attendance", "tally"}
    elif sitting.status is SittingStatus.STOPPED:
        allowed |= {"count", "void"}
    else:
        allowed |= {"notice", "deadline"}
    return allowed


def _done(sitting: Sitting, message: str):
    flash(message, "success")
    return redirect(url_for("sittings.detail", sitting_id=sitting.id), code=303)


def _refused(sitting_id: int, error: Exception, **forms):
    db.session.rollback()
    flash(error.message, "error")
    status = 403 if isinstance(error, NotAllowed) else 409 if isinstance(error, InvalidTransition) else 200
    return render_sitting(get_sitting(sitting_id), status=status, **forms)


def _with_form(sitting_id: int, form_key: str, form, operation, message: str):
    """Validate ``form``, run the operation on the sitting, commit; a refusal re-renders
    the sitting page with the form and what was typed."""
    sitting = get_sitting(sitting_id)
    if not form.validate_on_submit():
        return render_sitting(sitting, **{form_key: form})
    try:
        operation(sitting)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        return _refused(sitting_id, error, **{form_key: form})
    return _done(sitting, message)


@bp.route("/sittings")
@staff_required
def index():
    rows = db.session.execute(
        sa.select(Sitting, sa.func.count(Evaluation.id)).join(Evaluation, Evaluation.sitting_id == Sitting.id)
        .group_by(Sitting.id).order_by(Sitting.meeting_date.desc(), Sitting.id.desc()).limit(200)).all()
    return render_template("sittings/index.html", rows=rows)


def _open_form() -> f.OpenSittingForm:
    form = f.OpenSittingForm()
    form.rule_key.choices = [(k, r.name) for k, r in available_rules().items()]
    items = db.session.scalars(sa.select(Item).where(Item.stage == Stage.ACCEPTED)
                               .options(joinedload(Item.lead_unit)).order_by(Item.activity_id, Item.seq)).all()
    form.item_ids.choices = [(i.id, f"{i.heading} {i.title}（{i.lead_unit.name if i.lead_unit else '未交办'}，"
                                    f"第 {i.round} 轮）") for i in items]
    return form


@bp.route("/sittings/new", methods=["GET", "POST"])
@staff_required
def new():
    form = _open_form()
    if request.method == "GET":
        form.item_ids.data = [int(i) for i in request.args.getlist("item") if is_number(i)]
    if form.validate_on_submit():
        data = sittings.SittingData(form.title.data, form.meeting_date.data, form.members_total.data,
                                    EvaluationMode(form.mode.data), form.rule_key.data, form.item_ids.data)
        try:
            sitting = sittings.open_sitting(data, current_user)
            db.session.commit()
        except (OperationError, InvalidTransition) as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("sittings/new.html", form=form), 200
        return _done(sitting, f"已开启测评会议（{len(data.item_ids)} 项）")
    return render_template("sittings/new.html", form=form)


@bp.route("/sittings/<int:sitting_id>")
@login_required
def detail(sitting_id: int):
    return render_sitting(get_sitting(sitting_id))


@bp.route("/sittings/<int:sitting_id>/attendance", methods=["POST"])
@staff_required
def attendance(sitting_id: int):
    form = f.AttendanceForm()
    return _with_form(sitting_id, "attendance_form", form,
                      lambda s: sittings.set_attendance(s, form.members_present.data, current_user), "已录入实到人数")


@bp.route("/sittings/<int:sitting_id>/tally", methods=["GET", "POST"])
@staff_required
def tally(sitting_id: int):
    """The 表决器 table: one row per report, one submit."""
    sitting = get_sitting(sitting_id)
    entries = entries_of(sitting)
    form = f.CsrfForm()
    values, differences, status = request.form, {}, 200
    if request.method == "POST" and form.validate_on_submit():
        table = f.read_rows(request.form, entries, sitting.mode is EvaluationMode.SPOT)
        try:
            if table.errors:
                raise OperationError("；".join(table.errors))
            sittings.enter_rows(sitting, table.rows, current_user)
            db.session.commit()
            return _done(sitting, "已录入表决结果（计票前不向任何单位或测评人显示）")
        except sittings.TallyMismatch as error:
            db.session.rollback()
            differences = error.differences
            flash(error.message, "error")
        except (OperationError, InvalidTransition) as error:
            db.session.rollback()
            flash(error.message, "error")
            status = 403 if isinstance(error, NotAllowed) else 409 if isinstance(error, InvalidTransition) else 200
    elif request.method == "POST":
        flash("页面已过期，请刷新后重试", "error")
    if request.method == "GET":
        values = {f"{name}-{e.id}": getattr(e, name) for e in entries if e.result_source for name in f.COUNT_FIELDS}
    rule = rule_from_dict(sitting.rule)
    return render_template("sittings/tally.html", sitting=sitting, entries=entries, form=form, values=values,
                           differences=differences, rule=rule, fields=f.COUNT_FIELDS, labels=f.COUNT_LABELS), status


def _simple(sitting_id: int, operation, message: str):
    sitting = get_sitting(sitting_id)
    if not f.CsrfForm().validate_on_submit():
        flash("页面已过期，请刷新后重试", "error")
        return render_sitting(sitting)
    try:
        operation(sitting)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        return _refused(sitting_id, error)
    return _done(sitting, message)


@bp.route("/sittings/<int:sitting_id>/stop", methods=["POST"])
@staff_required
def stop(sitting_id: int):
    return _simple(sitting_id, lambda s: sittings.stop_sitting(s, current_user), "已停止投票，可以计票")


@bp.route("/sittings/<int:sitting_id>/count", methods=["POST"])
@staff_required
def count(sitting_id: int):
    return _simple(sitting_id, lambda s: counting.count_sitting(s, current_user), "已计票，结果已生效")


@bp.route("/sittings/<int:sitting_id>/void", methods=["POST"])
@staff_required
def void(sitting_id: int):
    form = f.VoidForm()
    return _with_form(sitting_id, "void_form", form,
                      lambda s: sittings.void_sitting(s, form.reason.data, current_user), "已作废并重新开始测评")


@bp.route("/sittings/<int:sitting_id>/entries/<int:entry_id>/deadline", methods=["POST"])
@staff_required
def deadline(sitting_id: int, entry_id: int):
    sitting = get_sitting(sitting_id)
    entry = db.session.get(Evaluation, entry_id)
    if entry is None or entry.sitting_id != sitting.id:
        abort(404)
    form = f.DeadlineForm()
    if not form.validate_on_submit():
        flash("未能提交：" + "；".join(e[0] for e in form.errors.values()), "error")
        return render_sitting(sitting)
    try:
        counting.set_followup_deadline(entry, form.deadline.data, current_user)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        return _refused(sitting_id, error)
    return _done(sitting, "已确定新一轮办理期限")


@bp.route("/sittings/<int:sitting_id>/notice", methods=["POST"])
@staff_required
def notice(sitting_id: int):
    """测评结果通报 of a counted sitting: issued once into the 发文登记 (its number and text
    kept), then downloaded from there; issuing again returns the same letter."""
    from ..models import LetterKind, local_today
    from ..services.register import issue_letter
    from .notice import sitting_notice
    sitting = get_sitting(sitting_id)
    if not sitting.is_counted:
        abort(404)
    today, entries, rule = local_today(), entries_of(sitting), rule_from_dict(sitting.rule)
    issued = issue_letter(LetterKind.RESULT_NOTICE, f"sitting:{sitting.id}",
                          lambda number: sitting_notice(sitting, entries, rule, today, number), current_user, today)
    db.session.commit()
    return redirect(url_for("ledger.letter_download", letter_id=issued.id), code=303)
