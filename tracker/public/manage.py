"""Staff choose what the public sees: activities, and all items of an activity at once."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..fields import BaseForm
from ..models import Activity, Item
from ..permissions import staff_required
from ..queries import activity_rows
from ..services import OperationError
from ..services import items as ops
from ..workflow import InvalidTransition
from . import bp


@bp.route("/manage")
@staff_required
def manage():
    rows = db.session.execute(activity_rows(Item.published.is_(True)).limit(500)).all()
    return render_template("public/manage.html", rows=rows, form=BaseForm())


@bp.route("/manage/activities/<int:activity_id>/items", methods=["POST"])
@staff_required
def publish_items(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    if not BaseForm().validate_on_submit():
        flash("页面已过期，请刷新后重试", "error")
        return redirect(url_for("public.manage"), code=303)
    published = request.form.get("published") == "1"
    try:
        changed = ops.set_items_published(activity, published, current_user)
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"已{'公布' if published else '取消公布'} {changed} 项事项", "success")
    return redirect(url_for("public.manage"), code=303)
