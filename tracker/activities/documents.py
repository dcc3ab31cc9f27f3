"""Paste a whole 审议意见, check the split in a preview, save every point in one request;
then 交办 many points in one request.

The preview is a plain form: every row's number, text, parent and unit can be edited,
rows can be dropped, merged into the row above, or split with a line holding only
``---``. A refused save comes back with every edit kept.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import HiddenField
from wtforms.validators import InputRequired, Optional

from ..choices import organ_choices
from ..extensions import db
from ..fields import BaseForm, CleanTextAreaField, CNDateField, CNSelectMultipleField
from ..limits import DOCUMENT_TEXT, PasteError, check_text
from ..models import Activity, Item, Stage, local_today
from ..paste import split_opinion
from ..paste.promises import find_promises
from ..paste.units import guess_unit
from ..permissions import staff_required
from ..services import OperationError
from ..services.calendar import get_calendar
from ..services.deadlines import document_deadline
from ..services.documents import AssignRow, PointRow, assign_points, save_document_points
from ..workflow import InvalidTransition
from . import bp

MAX_ROWS = 500
SPLIT_MARK = "---"


class PasteForm(BaseForm):
    text = CleanTextAreaField("审议意见全文", validators=[Optional()])
    step = HiddenField()


@dataclass
class PreviewRow:
    ref: str
    text: str
    parent: str  # "" or the index of an earlier row
    unit: str  # "" or a unit id
    include: bool = True
    merge: bool = False
    display: str = ""


def _rows_from_split(split, organs) -> list[PreviewRow]:
    names = {name: uid for uid, name in organs}
    rows = []
    for point in split.points:
        unit = guess_unit(point.text, names)
        rows.append(PreviewRow(ref=point.ref, text=point.text, parent="" if point.parent is None else str(point.parent),
                               unit=str(names[unit]) if unit else "", display=point.display_ref))
    return rows


def _rows_from_form(form) -> list[PreviewRow]:
    refs, texts, parents, units = (form.getlist(k) for k in ("ref", "row_text", "parent", "unit"))
    include, merge = set(form.getlist("include")), set(form.getlist("merge"))
    count = min(len(refs), len(texts), len(parents), len(units), MAX_ROWS)
    return [PreviewRow(ref=refs[i], text=texts[i].replace("\r\n", "\n"), parent=parents[i], unit=units[i],
                       include=str(i) in include, merge=str(i) in merge, display=refs[i]) for i in range(count)]


def _as_int(value: str, limit: int) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and int(value) < limit else None


def _point_rows(rows: list[PreviewRow], unit_ids: set[int]) -> list[PointRow]:
    """Apply drop / merge / split / re-parent; map parents to the kept rows."""
    kept: list[PointRow] = []
    index_of: dict[int, int] = {}  # preview row -> kept row
    for i, row in enumerate(rows):
        if not row.include:
            continue
        if row.merge and kept:
            kept[-1].text = f"{kept[-1].text}\n{row.text.strip()}"
            index_of[i] = len(kept) - 1
            continue
        parent = _as_int(row.parent, i)
        unit = _as_int(row.unit, 10**9)
        parts = [p.strip() for p in row.text.split(f"\n{SPLIT_MARK}\n")] if SPLIT_MARK in row.text else [row.text]
        index_of[i] = len(kept)
        for n, part in enumerate(parts):
            kept.append(PointRow(ref=row.ref if n == 0 else None, text=part,
                                 parent_row=index_of.get(parent) if parent is not None else None,
                                 unit_id=unit if unit in unit_ids else None))
    return kept


def _proposed_deadline(activity: Activity, split) -> str:
    """The document's own deadline when it sets one (in its closing), else nothing."""
    if activity.document_deadline:
        return activity.document_deadline.isoformat()
    promises = find_promises(split.closing, activity.adopted_on or activity.meeting_date, get_calendar())
    return promises[0].due.isoformat() if promises else ""


@bp.route("/activities/<int:activity_id>/paste", methods=["GET", "POST"])
@staff_required
def paste(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = PasteForm()
    organs = organ_choices()
    context = {"activity": activity, "form": form, "organs": organs, "max_text": DOCUMENT_TEXT}
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("activities/paste.html", **context)
    if form.step.data != "save":
        try:
            split = split_opinion(check_text(form.text.data, DOCUMENT_TEXT, "审议意见全文"))
        except PasteError as error:
            form.text.errors = [error.message]
            return render_template("activities/paste.html", **context)
        return render_template("activities/paste.html", **context, split=split, preamble=split.preamble,
                               rows=_rows_from_split(split, organs), deadline=_proposed_deadline(activity, split))
    rows = _rows_from_form(request.form)
    preamble = request.form.get("preamble", "").replace("\r\n", "\n")
    try:
        items = save_document_points(activity, _point_rows(rows, {u for u, _ in organs}), preamble, current_user)
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash("未保存：" + error.message, "error")
        return render_template("activities/paste.html", **context, rows=rows, preamble=preamble, saving=True), 200
    flash(f"已按文件编号录入 {len(items)} 条审议意见，可在下方批量交办", "success")
    return redirect(url_for("activities.assign_many", activity_id=activity.id), code=303)


class AssignManyForm(BaseForm):
    deadline = CNDateField("办理期限（全部勾选的条目）", validators=[InputRequired("请填写办理期限")])
    co_unit_ids = CNSelectMultipleField("协办单位（全部勾选的条目，可不选）", coerce=int, choices=[])


def _unassigned(activity: Activity) -> list[Item]:
    return list(db.session.scalars(
        sa.select(Item).where(Item.activity_id == activity.id, Item.stage.in_([Stage.ASKED, Stage.ANSWERED]))
        .options(joinedload(Item.parent), joinedload(Item.asked_unit), selectinload(Item.co_units))
        .order_by(Item.seq)).unique())


@bp.route("/activities/<int:activity_id>/assign", methods=["GET", "POST"])
@staff_required
def assign_many(activity_id: int):
    """批量交办: tick points, a lead unit per row (pre-filled from the text), one deadline."""
    activity = db.get_or_404(Activity, activity_id)
    items = _unassigned(activity)
    organs = organ_choices()
    form = AssignManyForm()
    form.co_unit_ids.choices = organs
    picked = {int(v) for v in request.form.getlist("pick") if v.isascii() and v.isdigit()}
    leads = {i.id: request.form.get(f"lead_{i.id}", str(i.asked_unit_id or "")) for i in items}
    if request.method == "GET":
        picked = {i.id for i in items}
        if items:
            form.deadline.data = document_deadline(activity)
    context = {"activity": activity, "items": items, "organs": organs, "form": form, "picked": picked,
               "leads": leads}
    if request.method == "POST" and not items:
        flash("未交办：本活动没有待交办的条目", "error")
        return render_template("activities/assign_many.html", **context)
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("activities/assign_many.html", **context)
    organ_ids = {u for u, _ in organs}
    rows = [AssignRow(item, _as_int(leads[item.id], 10**9) if _as_int(leads[item.id], 10**9) in organ_ids else None,
                      form.co_unit_ids.data or []) for item in items if item.id in picked]
    try:
        assigned = assign_points(rows, form.deadline.data, current_user, local_today())
        db.session.commit()
    except (OperationError, InvalidTransition) as error:
        db.session.rollback()
        flash("未交办：" + error.message, "error")
        return render_template("activities/assign_many.html", **context)
    flash(f"已交办 {len(assigned)} 条，等待承办单位签收", "success")
    return redirect(url_for("activities.detail", activity_id=activity.id), code=303)
