"""回头看 pages: the staff list of look-backs, scheduling a whole activity, and the
security admin's "N months after 办结" setting. The per-item forms are on the item page
(``tracker/items/closure.py``)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..items.routes import page_arg
from ..models import Activity, ActivityKind, local_today
from ..permissions import security_admin_required, staff_required
from ..services import OperationError
from ..services import lookbacks as ops
from ..workflow import InvalidTransition
from . import bp
from . import forms as f

STATES = {"due": "已到期", "upcoming": "未到期", "done": "已完成"}


@bp.route("/followup/lookbacks")
@staff_required
def lookbacks():
    state = request.args.get("state", "due")
    state = state if state in STATES else "due"
    today = local_today()
    page = ops.lookback_list(state, today, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("followup/lookbacks.html", page=page, state=state, states=STATES, today=today)


@bp.route("/activities/<int:activity_id>/lookbacks", methods=["POST"])
@staff_required
def schedule_activity(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = f.ActivityLookbackForm()
    if not form.validate_on_submit():
        flash("未安排：" + "；".join(f"{form[n].label.text}：{e[0]}" for n, e in form.errors.items()
                                    if e and n in form._fields) or "请刷新后重试", "error")
        return redirect(url_for("activities.detail", activity_id=activity.id), code=303)
    try:
        created = ops.schedule_activity(activity, form.due_on.data, form.note.data, current_user)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash("未安排：" + error.message, "error")
        return redirect(url_for("activities.detail", activity_id=activity.id), code=303)
    flash(f"已为本活动 {len(created)} 项已办结事项安排回头看", "success")
    return redirect(url_for("followup.lookbacks", state="upcoming"), code=303)


@bp.route("/settings/lookback", methods=["GET", "POST"])
@security_admin_required
def lookback_settings():
    form = f.LookbackSettingsForm()
    if request.method == "GET":
        for kind, months in ops.lookback_months().items():
            form[f"{kind.value}__months"].data = months
    elif form.validate_on_submit():
        ops.save_lookback_months({kind: form[f"{kind.value}__months"].data for kind in ActivityKind}, current_user)
        db.session.commit()
        flash("已保存；用于此后安排的回头看，已安排的日期不变", "success")
        return redirect(url_for("followup.lookback_settings"), code=303)
    else:
        flash("请修改标红的项目后再保存", "error")
    return render_template("followup/lookback_settings.html", form=form)
