"""Search pages, recurrence on the item page, the ranking of repeated problems and the
admin's dictionary. Views stay thin: load-or-404 → authorize → validate → operate → commit."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..choices import organ_choices, year_choices
from ..extensions import db, wants_fragment
from ..models import Item, SearchTerm
from ..permissions import admin_required, staff_required
from ..queries import STAGE_CHOICES, get_item
from ..services import OperationError
from ..services import search as ops
from . import bp
from .dictionary import terms
from .extract import STATUS_LABELS
from .forms import LinkForm, TermForm
from .query import Scope, SearchFilters, search
from .recurrence import chain_for, repeated_problems, similar_items
from .segment import refresh_user_words
from .sources import KINDS


def filter_choices() -> dict:
    """The search form's options: the list filter's, kept per process (``choices``)."""
    units = organ_choices(active_only=False) if current_user.is_staff else []
    return {"years": year_choices(), "units": units, "stage_choices": STAGE_CHOICES,
            "kinds": tuple(KINDS.items())}


@bp.route("/search")
@login_required
def index():
    filters = SearchFilters.from_args(request.args)
    results = search(filters, Scope(current_user))
    context = {"filters": filters, "results": results, "endpoint": "search.index", "item_endpoint": "items.detail"}
    if wants_fragment():
        return render_template("search/_results.html", **context)
    return render_template("search/index.html", **context, **filter_choices())


@bp.route("/search/similar")
@staff_required
def similar():
    """Earlier items like the text being typed into the entry form (a fragment)."""
    text = (request.args.get("question") or "")[:2000]
    suggestions = similar_items(text) if len(text.strip()) >= 4 else []
    return render_template("search/_similar.html", suggestions=suggestions, item=None)


@bp.route("/items/<int:item_id>/recurrence")
@login_required
def recurrence(item_id: int):
    """The 第N次提出 panel of the item page: the chain, and for staff the suggestions."""
    item = get_item(item_id)
    chain = chain_for(item)
    suggestions = []
    if current_user.is_staff:
        linked = {i.id for i in chain.items + chain.later}
        suggestions = similar_items(item.question, exclude=linked | {item.id})
    return render_template("search/_recurrence.html", item=item, chain=chain, suggestions=suggestions,
                           form=LinkForm(formdata=None))


@bp.route("/items/<int:item_id>/recurrence", methods=["POST"])
@staff_required
def link(item_id: int):
    item = get_item(item_id)
    form = LinkForm()
    earlier = db.session.get(Item, form.earlier_item_id.data) if form.validate_on_submit() else None
    try:
        if earlier is None:
            raise OperationError("既往事项：请选择一个存在的事项")
        ops.link_recurrence(item, earlier, current_user)
        db.session.commit()
        flash(f"已关联既往事项 {earlier.heading}", "success")
    except OperationError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("items.detail", item_id=item_id) + "#recurrence", code=303)


@bp.route("/items/<int:item_id>/recurrence/unlink", methods=["POST"])
@staff_required
def unlink(item_id: int):
    item = get_item(item_id)
    try:
        ops.unlink_recurrence(item, current_user)
        db.session.commit()
        flash("已取消关联", "success")
    except OperationError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("items.detail", item_id=item_id) + "#recurrence", code=303)


@bp.route("/search/recurring")
@staff_required
def recurring():
    """Problems raised repeatedly; the dashboard loads the first ten as a fragment."""
    if wants_fragment():
        return render_template("search/_recurring_table.html", problems=repeated_problems(limit=10), top=True)
    return render_template("search/recurring.html", problems=repeated_problems())


@bp.route("/search/terms", methods=["GET", "POST"])
@admin_required
def dictionary():
    form = TermForm()
    status = 200
    if form.validate_on_submit():
        try:
            term = ops.add_term(form.word.data, current_user)
            db.session.commit()
        except OperationError as error:
            db.session.rollback()
            form.word.errors = [error.message.partition("：")[2] or error.message]
            status = 200
        else:
            refresh_user_words()
            flash(f"已加入“{term.word}”。已有内容需运行 flask reindex 后才按新词检索。", "success")
            return redirect(url_for("search.dictionary"), code=303)
    return render_template("search/terms.html", form=form, terms=terms(), delete_form=TermForm(formdata=None)), status


@bp.route("/search/terms/<int:term_id>/delete", methods=["POST"])
@admin_required
def delete_term(term_id: int):
    term = db.get_or_404(SearchTerm, term_id)
    ops.delete_term(term, current_user)
    db.session.commit()
    refresh_user_words()
    flash("已删除", "success")
    return redirect(url_for("search.dictionary"), code=303)


@bp.app_template_global()
def attachment_text_status(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", "")


