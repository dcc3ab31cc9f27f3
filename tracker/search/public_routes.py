"""The public's search and "raised since" line: published material only. The routes hang
on the public blueprint, so they share its rules (no CSRF cookie for anonymous readers)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request

from ..extensions import db, wants_fragment
from ..models import Activity
from ..public import bp as public_bp
from ..public.queries import get_public_item
from .query import Scope, SearchFilters, search
from .recurrence import chain_for


@public_bp.route("/search")
def search_page():
    filters = SearchFilters.from_args(request.args)
    filters.unit_id, filters.kind = None, filters.kind if filters.kind in ("activity", "question", "answer",
                                                                          "report") else ""
    results = search(filters, Scope(public=True))
    context = {"filters": filters, "results": results, "endpoint": "public.search_page",
               "item_endpoint": "public.item"}
    if wants_fragment():
        return render_template("search/_results.html", **context)
    year = sa.extract("year", Activity.meeting_date)
    published = db.session.scalars(sa.select(year).where(Activity.published.is_(True)).distinct().order_by(year.desc()))
    years = [(int(y), int(y)) for y in published]
    return render_template("search/public.html", **context, years=years)


@public_bp.route("/items/<int:item_id>/history")
def item_history(item_id: int):
    """Since when the public can see this problem raised (published items only)."""
    item = get_public_item(item_id)
    return render_template("search/_public_history.html", item=item, chain=chain_for(item, only_public=True))
