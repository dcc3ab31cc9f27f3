"""补录 page: enter a past matter's 交办/签收/受理/办结 with their real dates.

A page of its own rather than a box on the item page: it is used for old documents,
rarely, and its dates may lie in the past, which the ordinary 交办 form refuses.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..queries import get_item
from ..services import OperationError, check_version
from ..services.backfill import PastFacts, backfill_item
from ..workflow import Action, InvalidTransition, NotAllowed, check
from . import bp
from . import forms as f


@bp.route("/items/<int:item_id>/backfill", methods=["GET", "POST"])
@login_required
def backfill(item_id: int):
    item = get_item(item_id)
    try:
        check(current_user, item, Action.BACKFILL)
    except InvalidTransition as error:
        status = 403 if isinstance(error, NotAllowed) else 409
        return render_template("errors/error.html", title="不能补录", message=error.message, status=status), status
    form = f.with_unit_choices(f.BackfillForm(formdata=request.form if request.method == "POST" else None))
    if request.method == "GET":
        form.lead_unit_id.data = item.asked_unit_id or 0
        form.version.data = str(item.version)
    if request.method == "GET" or not form.validate():
        return render_template("items/backfill.html", item=item, form=form)
    try:
        check_version(item, form.version.data)
        backfill_item(item, PastFacts(
            form.lead_unit_id.data, form.assigned_on.data, form.deadline.data, form.co_unit_ids.data or [],
            form.acknowledged_on.data, form.accepted_on.data, form.closed_on.data, form.result.data), current_user)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash("未补录：" + error.message, "error")
        return render_template("items/backfill.html", item=item, form=form)
    flash("已补录办理经过（历史记录中标明“补录”及录入人、录入时间）", "success")
    return redirect(url_for("items.detail", item_id=item.id), code=303)
