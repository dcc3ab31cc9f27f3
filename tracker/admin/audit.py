"""The history, read-only: who changed what, when, from where.

Nothing in the app edits or deletes these rows (see ``models/audit.py``); this page only
reads them, newest first, paging by id so page 500 costs the same as page 1.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request

from ..extensions import db
from ..models import AuditEntry
from ..params import is_number
from ..permissions import auditor_required
from . import bp

PAGE = 100


@bp.route("/audit")
@auditor_required
def audit():
    action = request.args.get("action", "").strip()[:64]
    actor = request.args.get("actor", "").strip()[:64]
    before = request.args.get("before", "")
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE + 1)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(AuditEntry.actor_name == actor)
    if is_number(before) and len(before) < 12:
        stmt = stmt.where(AuditEntry.id < int(before))
    rows = db.session.scalars(stmt).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("admin/audit.html", rows=rows, action=action, actor=actor,
                           next_before=rows[-1].id if more and rows else None)
