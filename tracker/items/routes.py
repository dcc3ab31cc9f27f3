"""Item pages: the staff list with filters, the item page, and attachment downloads."""
from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..choices import activity_filter_choices, organ_choices, parent_choices, year_choices
from ..dashboard.routes import list_basis
from ..extensions import db, wants_fragment
from ..list_page import list_page
from ..list_rows import list_rows
from ..models import Attachment, Origin, local_today
from ..params import is_number
from ..permissions import staff_required
from ..queries import STAGE_CHOICES, ItemFilters, get_item
from ..reports.routes import load_report
from ..services import OperationError, check_version
from ..services import items as ops
from ..workflow import Action, InvalidTransition, can
from . import bp
from .detail import earlier_progress, earlier_timeline, render_item, timeline_rows
from .forms import EditItemForm


def page_arg() -> int:
    value = request.args.get("page", "1")
    return int(value) if is_number(value) and len(value) < 7 else 1


def filter_choices(filters: ItemFilters) -> dict:
    """Options for the filter form: the recent activities (and the chosen one), the years —
    kept per process until a unit or activity changes (``services.refdata``), so the form
    costs the same with 50 activities or 5,000 and nothing per request."""
    return {"units": organ_choices(active_only=False), "activities": activity_filter_choices(filters.activity_id),
            "years": year_choices(), "stage_choices": STAGE_CHOICES}


@bp.route("/items")
@staff_required
def index():
    filters = ItemFilters.from_args(request.args)
    today = local_today()
    page = list_page(current_user, filters, page_arg(), current_app.config["PAGE_SIZE"], today)
    context = {"page": page, "filters": filters, "rows": list_rows(page.items, today)}
    if wants_fragment():
        return render_template("items/_results.html", **context)  # the form stays; no need for its options
    return render_template("items/index.html", **context, **filter_choices(filters), basis=list_basis(filters))


@bp.route("/items/<int:item_id>")
@login_required
def detail(item_id: int):
    return render_item(get_item(item_id), form=request.args.get("form"))


@bp.route("/items/<int:item_id>/timeline")
@login_required
def timeline(item_id: int):
    """The history rows older than ``before``: an htmx fragment that replaces the item
    page's "earlier" link, or (without JavaScript) the item page with its whole history."""
    item = get_item(item_id)
    if not wants_fragment():
        response = make_response(render_item(item, full_timeline=True))
    else:
        before = request.args.get("before", "")
        rows = earlier_timeline(item.id, int(before) if is_number(before) and len(before) < 12 else None)
        response = make_response(render_template("items/_timeline_rows.html",
                                                 timeline=timeline_rows(rows, current_user)))
    response.vary.add("HX-Request")
    return response


@bp.route("/items/<int:item_id>/progress/earlier")
@login_required
def progress_earlier(item_id: int):
    """A round's progress entries older than ``before``: an htmx fragment that replaces the
    round's "earlier" link, or (without JavaScript) the item page with every entry."""
    item = get_item(item_id)
    if not wants_fragment():
        response = make_response(render_item(item, full_progress=True))
    else:
        number, before = request.args.get("round", ""), request.args.get("before", "")
        entries = earlier_progress(item.id, int(number), int(before) if is_number(before) and len(before) < 12
                                   else None) if is_number(number) and len(number) < 6 else []
        response = make_response(render_template("items/_progress_entries.html", entries=entries))
    response.vary.add("HX-Request")
    return response


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    meta = db.session.execute(sa.select(Attachment.item_id, Attachment.report_id)
                              .where(Attachment.id == attachment_id)).first()
    if meta is None:
        abort(404)
    if meta.item_id is not None:
        get_item(meta.item_id)  # same visibility as the item: another unit's evidence is 404
    else:
        load_report(meta.report_id)  # a document report's file: the report's visibility
    file = db.session.get(Attachment, attachment_id)
    # RFC 5987 keeps the Chinese name; the ASCII fallback is for very old clients.
    disposition = "inline" if file.content_type in ("application/pdf", "image/png", "image/jpeg", "image/gif") \
        else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename=\"attachment-{file.id}\"; "
                               f"filename*=UTF-8''{quote(file.filename)}",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return Response(file.data, mimetype=file.content_type, headers=headers)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int):
    """Correct the recorded question (only before it is assigned)."""
    item = get_item(item_id)
    if not can(current_user, item, Action.EDIT):
        abort(403)
    form = EditItemForm(obj=item) if request.method == "GET" else EditItemForm()
    form.asked_unit_id.choices = [(0, "（未指定）")] + organ_choices()
    others = [c for c in parent_choices(item.activity_id) if c.id != item.id]
    form.parent_id.choices = [(0, "（无，顶层条目）")] + others
    if request.method == "GET":
        form.origin.data, form.asked_unit_id.data = item.origin.value, item.asked_unit_id or 0
        form.parent_id.data = item.parent_id or 0
    if form.validate_on_submit():
        data = ops.ItemData(origin=Origin(form.origin.data), question=form.question.data, ref=form.ref.data,
                            parent_id=form.parent_id.data or None,
                            asker=form.asker.data or None, asked_unit_id=form.asked_unit_id.data or None,
                            respondent_name=item.respondent_name, respondent_post=item.respondent_post,
                            answer=item.answer, commitments=item.commitments)
        try:
            check_version(item, form.version.data)
            ops.update_item(item, data, current_user)
            db.session.commit()
        except (OperationError, InvalidTransition) as error:
            db.session.rollback()
            flash(error.message, "error")
            item = get_item(item_id)
        else:
            flash("已保存", "success")
            return redirect(url_for("items.detail", item_id=item.id), code=303)
    return render_template("items/edit.html", form=form, item=item)
