"""Nothing typed is lost when a session ends under the user's hands.

A form posted after the session expired is parked server-side for the user named in
the (signed) cookie, the user is sent to sign in, then back to the page the form was
on; that page puts the text back (``static/js/session.js``) and the parked copy is
deleted. Only the same user, signed in again, ever sees it.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import g, request
from flask_login import current_user

from ..extensions import db
from ..models import ParkedForm, utcnow
from ..page_state import page_state

MAX_FIELDS = 60
MAX_VALUE = 100_000
SKIP = {"csrf_token", "version"}


def _same_site_path(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path or any(c in path for c in "\r\n"):
        return None
    return path


def park_form(user_id: int) -> str:
    """Keep the posted text fields; returns the page to come back to."""
    page = _same_site_path(request.headers.get("Referer")) or request.path
    fields = {}
    for name, values in request.form.lists():
        if name in SKIP or len(fields) >= MAX_FIELDS:
            continue
        fields[name[:100]] = [v[:MAX_VALUE] for v in values[:20]]
    if fields:
        db.session.add(ParkedForm(user_id=user_id, page=page[:500], action=request.path[:500], fields=fields,
                                  created_at=utcnow()))
    return page


def parked_for_this_page() -> ParkedForm | None:
    """The newest form parked for the signed-in user on this page, taken (deleted) now."""
    if request.method != "GET" or not current_user.is_authenticated:
        return None
    user_id = current_user.id
    parked_id = page_state().parked_id  # read with the header's unread count
    if parked_id is None:
        return None
    parked = db.session.get(ParkedForm, parked_id)
    if parked is None:
        return None
    snapshot = ParkedForm(id=parked.id, page=parked.page, action=parked.action, fields=dict(parked.fields))
    db.session.rollback()
    g.write_lock = True  # a GET that deletes: take SQLite's write lock up front
    try:
        db.session.execute(sa.delete(ParkedForm).where(ParkedForm.user_id == user_id,
                                                       ParkedForm.page == snapshot.page))
        db.session.commit()
    finally:
        g.write_lock = False
    return snapshot
