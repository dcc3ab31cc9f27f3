"""The reviewer's ballot: one page listing every report of the sitting, the material
first (a link to each report and its evidence), then one choice per report, one
submit, one confirmation. The ballot says nothing about who cast it (see
``services/ballots.py``)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import Role
from ..permissions import roles_required
from ..services import OperationError
from ..services.ballots import has_voted, is_eligible, submit_ballot
from ..tally import rule_from_dict
from ..workflow import InvalidTransition, NotAllowed
from . import bp
from . import forms as f
from .routes import entries_of, get_sitting


@bp.route("/sittings/<int:sitting_id>/ballot", methods=["GET", "POST"])
@roles_required(Role.REVIEWER)
def ballot(sitting_id: int):
    sitting = get_sitting(sitting_id)
    entries = entries_of(sitting)
    rule = rule_from_dict(sitting.rule)
    form, status, chosen = f.CsrfForm(), 200, {}
    if request.method == "POST":
        chosen = {k: v for k, v in request.form.items() if k.startswith("grade-")}
        grades, missing = f.read_grades(request.form, entries, rule.grades)
        try:
            if not form.validate_on_submit():
                raise OperationError("页面已过期，请刷新后重试（您的选择仍保留在页面上）")
            if missing:
                raise OperationError("请对每一项都作出选择（如不作选择，请选“不作选择”）：第 "
                                     + "、".join(map(str, missing)) + " 项未选")
            submit_ballot(sitting, entries, grades, current_user)
            db.session.commit()
            flash(f"已提交测评票（无记名，{len(entries)} 项），感谢参与", "success")
            return redirect(url_for("sittings.detail", sitting_id=sitting.id), code=303)
        except (OperationError, InvalidTransition) as error:
            db.session.rollback()
            flash(error.message, "error")
            status = 403 if isinstance(error, NotAllowed) else 409 if isinstance(error, InvalidTransition) else 200
            sitting = get_sitting(sitting_id)
    return render_template("sittings/ballot.html", sitting=sitting, entries=entries, rule=rule, form=form,
                           chosen=chosen, voted=has_voted(sitting, current_user),
                           eligible=is_eligible(sitting, current_user), choices=f.BALLOT_CHOICES), status
