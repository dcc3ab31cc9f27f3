"""Supervision activities: list, create, edit, and the quick entry of questions/opinions."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..choices import committee_choices, organ_choices, parent_choices
from ..extensions import db, wants_fragment
from ..lights import light_for, lights_for
from ..models import Activity, ActivityKind, Item, Origin, local_today
from ..params import is_number
from ..permissions import staff_required
from ..queries import activity_rows, basis_clause
from ..services import OperationError, check_version
from ..services import activities as activity_ops
from ..services import items as ops
from ..services.search import link_to_earlier_id
from ..services.settings import available_rules, get_setting, rule_name
from ..workflow import InvalidTransition
from . import bp
from .forms import ActivityForm, QuickItemForm


def _activity_choices(form: ActivityForm) -> None:
    form.lead_committee_id.choices = [(0, "（未指定）")] + committee_choices()
    form.evaluation_rule_key.choices = [(k, r.name) for k, r in available_rules().items()]


def _item_form(activity: Activity, formdata=None) -> QuickItemForm:
    # None gives an empty form; QuickItemForm() alone would re-read request.form after a POST.
    form = QuickItemForm(formdata=formdata)
    form.parent_id.choices = [(0, "（无，顶层条目）")] + parent_choices(activity.id)
    form.asked_unit_id.choices = [(0, "（未指定）")] + organ_choices()
    return form


def _text(field) -> str | None:
    return (field.data or "").strip() or None


def _activity_data(form: ActivityForm) -> activity_ops.ActivityData:
    return activity_ops.ActivityData(
        kind=ActivityKind(form.kind.data), title=form.title.data.strip(),
        meeting_session=form.meeting_session.data, meeting_date=form.meeting_date.data,
        report_title=_text(form.report_title),
        target_organ=form.target_organ.data, lead_committee_id=form.lead_committee_id.data or None,
        evaluation_rule_key=form.evaluation_rule_key.data, meeting_term=form.meeting_term.data,
        meeting_end_date=form.meeting_end_date.data, document_number=_text(form.document_number),
        adopted_on=form.adopted_on.data, conveyed_on=form.conveyed_on.data,
        document_deadline=form.document_deadline.data, preamble=_text(form.preamble),
        officials=activity_ops.parse_officials(form.officials.data),
        scored_on_spot=bool(form.scored_on_spot.data))


@bp.route("/activities")
@staff_required
def index():
    stmt = activity_rows(basis_clause("closed", local_today()))  # 终止跟踪 is closed, not done
    year = request.args.get("year", "")
    if is_number(year) and len(year) == 4:
        stmt = stmt.where(sa.extract("year", Activity.meeting_date) == int(year))
    rows = db.session.execute(stmt.limit(500)).all()
    return render_template("activities/index.html", rows=rows, year=year)


@bp.route("/activities/new", methods=["GET", "POST"])
@staff_required
def new():
    form = ActivityForm()
    _activity_choices(form)
    if request.method == "GET":
        form.meeting_date.data = local_today()
        form.evaluation_rule_key.data = get_setting("default_rule_key")
        if current_user.unit_id:
            form.lead_committee_id.data = current_user.unit_id
    if form.validate_on_submit():
        try:
            activity = activity_ops.create_activity(_activity_data(form), current_user)
        except OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("已创建监督活动，请录入询问问题或审议意见", "success")
            return redirect(url_for("activities.detail", activity_id=activity.id), code=303)
    return render_template("activities/form.html", form=form, activity=None)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = ActivityForm(obj=activity) if request.method == "GET" else ActivityForm()
    _activity_choices(form)
    if request.method == "GET":
        form.kind.data = activity.kind.value
        form.lead_committee_id.data = activity.lead_committee_id or 0
        form.officials.data = activity_ops.officials_text(activity.officials)
    if form.validate_on_submit():
        try:
            check_version(activity, form.version.data)
            activity_ops.update_activity(activity, _activity_data(form), current_user)
        except OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("已保存", "success")
            return redirect(url_for("activities.detail", activity_id=activity.id), code=303)
    return render_template("activities/form.html", form=form, activity=activity)


def _detail_context(activity: Activity) -> dict:
    from sqlalchemy.orm import joinedload, selectinload
    items = db.session.scalars(sa.select(Item).where(Item.activity_id == activity.id)
                               .options(joinedload(Item.lead_unit), joinedload(Item.asked_unit),
                                        selectinload(Item.co_units), joinedload(Item.parent))
                               .order_by(Item.seq)).all()
    today = local_today()
    return {"activity": activity, "items": items, "lights": lights_for(items, today),
            "Origin": Origin, "rule_name": rule_name(activity.evaluation_rule_key)}


@bp.route("/activities/<int:activity_id>")
@staff_required
def detail(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = _item_form(activity, formdata=None)
    form.origin.data = Origin.QUESTION.value if activity.kind is ActivityKind.INQUIRY else Origin.OPINION.value
    return render_template("activities/detail.html", item_form=form, **_detail_context(activity))


@bp.route("/activities/<int:activity_id>/items", methods=["POST"])
@staff_required
def add_item(activity_id: int):
    """Quick entry: with htmx the form comes back empty and the new row is appended
    out of band, so a clerk can type question after question without reloading."""
    activity = db.get_or_404(Activity, activity_id)
    form = _item_form(activity, formdata=request.form)
    item = None
    if form.validate_on_submit():
        try:
            item = ops.add_item(activity, ops.ItemData(
                origin=Origin(form.origin.data), question=form.question.data, asker=form.asker.data or None,
                ref=form.ref.data, parent_id=form.parent_id.data or None,
                asked_unit_id=form.asked_unit_id.data or None, respondent_name=form.respondent_name.data or None,
                respondent_post=form.respondent_post.data or None, answer=form.answer.data or None,
                commitments=form.commitments.data or None), current_user)
            if form.earlier_id is not None:
                link_to_earlier_id(item, form.earlier_id, current_user)
            db.session.commit()
        except OperationError as error:
            db.session.rollback()
            form.question.errors = [*form.question.errors, error.message]
            item = None
    if wants_fragment():
        if item is None:
            return render_template("activities/_item_form.html", activity=activity, item_form=form,
                                   invalid=True), 200, {"X-Form-Invalid": "1"}
        fresh = _item_form(activity, formdata=None)
        fresh.origin.data = form.origin.data
        fresh.asked_unit_id.data = form.asked_unit_id.data
        fresh.parent_id.data = form.parent_id.data
        item = db.session.scalar(sa.select(Item).where(Item.id == item.id).options(
            sa.orm.joinedload(Item.lead_unit), sa.orm.joinedload(Item.asked_unit), sa.orm.selectinload(Item.co_units),
            sa.orm.joinedload(Item.parent)))
        return render_template("activities/_item_added.html", activity=activity, item_form=fresh, item=item,
                               light=light_for(item))
    if item is None:
        return render_template("activities/detail.html", item_form=form, **_detail_context(activity))
    flash(f"已录入{item.heading}", "success")
    return redirect(url_for("activities.detail", activity_id=activity.id) + "#quick-add", code=303)


@bp.route("/activities/<int:activity_id>/publish", methods=["POST"])
@staff_required
def publish(activity_id: int):
    """公布 (or withdraw) the activity; "连同全部事项公布" publishes its items in the same
    step. Back to the page the button was on (the activity, or 向社会公布)."""
    from ..fields import BaseForm
    from ..redirects import back_to
    activity = db.get_or_404(Activity, activity_id)
    back = back_to(url_for("activities.detail", activity_id=activity.id))
    if not BaseForm().validate_on_submit():
        flash("页面已过期，请刷新后重试", "error")
        return redirect(back, code=303)
    published = request.form.get("published") == "1"
    with_items = published and request.form.get("with_items") == "1"
    try:
        activity_ops.set_activity_published(activity, published, current_user)
        changed = ops.set_items_published(activity, True, current_user) if with_items else 0
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(f"已公布活动及其 {changed} 项事项" if with_items else "已更新公开设置", "success")
    return redirect(back, code=303)
