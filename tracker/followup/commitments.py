"""承诺跟踪: the staff list of open commitments — overdue, due soon, without a confirmed
date, and those on items already closed (a closed item stays followed until its promises
are kept; the rule is ``services.commitments.followed_after_closure_clause``)."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ..lights import commitment_shown_status
from ..models import Item, local_today
from ..permissions import staff_required
from ..services.commitments import COMMITMENT_LISTS, commitment_list
from ..visibility import visible_items
from . import bp


@bp.route("/followup/commitments")
@staff_required
def commitments():
    state = request.args.get("state", "overdue")
    state = state if state in COMMITMENT_LISTS else "overdue"
    today = local_today()
    visible = visible_items(current_user).with_only_columns(Item.id, maintain_column_froms=True)
    rows = commitment_list(state, today, visible)
    return render_template("followup/commitments.html", rows=rows, state=state, states=COMMITMENT_LISTS,
                           today=today, shown=lambda c: commitment_shown_status(c.status, c.due_on, today))
