"""Staff choose what the public sees: activities, and all items of an activity at once."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..fields import BaseForm
from ..models import Activity, Item, User
from ..permissions import staff_required
from ..services import OperationError
from ..services import items as ops
from ..workflow import InvalidTransition
from . import bp


def set_items_published(activity: Activity, published: bool, actor: User) -> int:
    """Publish (or withdraw) every item of the activity; each change gets its own history row
    through the single-item operation, so the item timelines stay complete."""
    items = db.session.scalars(sa.select(Item).where(Item.activity_id == activity.id,
                                                     Item.published.is_not(published)).order_by(Item.seq)).all()
    for item in items:
        ops.set_item_published(item, published, actor)
    db.session.flush()
    return len(items)


@bp.route("/manage")
@staff_required
def manage():
    counts = (sa.select(Item.activity_id, sa.func.count().label("total"),
                        sa.func.sum(sa.case((Item.published.is_(True), 1), else_=0)).label("published"))
              .group_by(Item.activity_id).subquery())
    rows = db.session.execute(
        sa.select(Activity, sa.func.coalesce(counts.c.total, 0), sa.func.coalesce(counts.c.published, 0))
        .outerjoin(counts, counts.c.activity_id == Activity.id)
        .order_by(Activity.meeting_date.desc(), Activity.id.desc()).limit(500)).all()
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
        changed = set_items_published(activity, published, current_user)
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"已{'公布' if published else '取消公布'} {changed} 项事项", "success")
    return redirect(url_for("public.manage"), code=303)
