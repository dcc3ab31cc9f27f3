"""审查意见 → follow-up items: turn one further ask of the committee into a new item.

On 受理 the committee's 审查意见 often carries further asks ("建议进一步…"). Staff pick
one (offered by :func:`tracker.paste.asks.review_asks`, or text they selected on the
report page), edit it, choose the point it follows, and save: a new item of the same
activity, asked of the reporting unit, ready for 交办.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.validators import DataRequired

from ..extensions import db
from ..fields import BaseForm, CleanTextAreaField, CNSelectField, TextLimit
from ..limits import ITEM_TEXT
from ..models import ReviewStatus
from ..paste.asks import review_asks
from ..permissions import staff_required
from ..services import OperationError
from ..services.documents import add_follow_up
from ..workflow import InvalidTransition
from . import bp
from .routes import load_report


class FollowUpForm(BaseForm):
    question = CleanTextAreaField("后续事项内容（取自审查意见，可修改）", id="follow-up-question", validators=[
        DataRequired("请填写后续事项内容"), TextLimit(ITEM_TEXT)])
    parent_id = CNSelectField("属于哪一条（上级条目）", coerce=int, choices=[], default=0)


@bp.route("/reports/<int:report_id>/follow-up", methods=["GET", "POST"])
@staff_required
def follow_up(report_id: int):
    report, pairs = load_report(report_id)
    items = [item for _, item in pairs]
    asks = review_asks(report.review_opinion) if report.status is ReviewStatus.ACCEPTED else []
    form = FollowUpForm(formdata=request.form if request.method == "POST" else None)
    form.parent_id.choices = [(0, "（无，顶层条目）")] + [(i.id, f"{i.heading} {i.title}") for i in items]
    if request.method == "GET":
        ask = request.args.get("ask", "")
        if ask.isascii() and ask.isdigit() and int(ask) < len(asks):
            form.question.data = asks[int(ask)]
        form.parent_id.data = items[0].id if len(items) == 1 else 0
    context = {"report": report, "asks": asks, "form": form, "accepted": report.status is ReviewStatus.ACCEPTED}
    if request.method == "GET" or not form.validate():
        return render_template("reports/follow_up.html", **context)
    parent = next((i for i in items if i.id == form.parent_id.data), None)
    origin = (parent or items[0]).origin if items else None
    try:
        if origin is None:
            raise OperationError("这份报告没有对应的事项")
        item = add_follow_up(report, form.question.data or "", parent, origin, current_user)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash("未新增：" + error.message, "error")
        return render_template("reports/follow_up.html", **context)
    flash(f"已新增后续事项 {item.heading}，可在监督活动页交办", "success")
    return redirect(url_for("items.detail", item_id=item.id), code=303)
