"""Reload and Back after a refused form land on a page, never on a POST address.

A browser that posts a form and gets the page back (the form with its errors and the
text typed, a 409 "not in this stage", a 403) would keep the POST address in its
history: Reload re-posts or, through htmx, asks ``GET /items/11/assign`` and gets 405.
Instead of touching each view, one ``after_request`` hook turns such an answer into
Post/Redirect/Get: the rendered page is kept server-side (``tracker/stash.py``, one copy,
ten minutes, its owner only) and the browser is sent (303) to the page the form was on;
that ``GET`` shows the kept page once, exactly as rendered. Reloading afterwards shows
the page as it is now.

Only browser navigations are redirected — a boosted htmx request, or a plain form post
(``Sec-Fetch-Mode: navigate``). htmx fragment requests swap in place and keep no history,
and API/test clients that send neither still see the real status (200/403/409).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, redirect, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from . import stash
from .extensions import db
from .redirects import same_site_path

REFUSED_STATUSES = frozenset({200, 403, 409, 422})
KEEP_MINUTES = 10
PURPOSE = "page"


def _is_navigation() -> bool:
    if request.headers.get("HX-Request") == "true":
        return request.headers.get("HX-Boosted") == "true" and not request.headers.get("HX-History-Restore-Request")
    return request.headers.get("Sec-Fetch-Mode") == "navigate"


def _has_get(path: str) -> bool:
    adapter = request.url_rule and request.url_rule.map.bind(request.host)
    if adapter is None:
        return False
    try:
        adapter.match(path, method="GET")
    except (MethodNotAllowed, NotFound, RequestRedirect):
        return False
    return True


def page_of_form() -> str | None:
    """Where the refused form lives: its own address when it also answers GET
    (``/admin/users/new``), else the same-site page that posted it (the Referer)."""
    own = request.full_path.rstrip("?")
    if _has_get(request.path):
        return own
    referer = same_site_path(request.headers.get("Referer"))
    if referer and _has_get(urlsplit(referer).path):
        return referer
    return None


def init_refused_forms(app: Flask) -> None:
    @app.before_request
    def show_kept_page():
        if request.method != "GET" or request.endpoint == "static":
            return None
        html = stash.take(PURPOSE, request.full_path.rstrip("?"))
        if html is None:
            return None
        response = Response(html, 200, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("HX-Request")
        return response

    @app.after_request
    def redirect_refused_post(response: Response) -> Response:
        if (request.method != "POST" or response.status_code not in REFUSED_STATUSES
                or response.mimetype != "text/html" or response.direct_passthrough or not _is_navigation()):
            return response
        target = page_of_form()
        if target is None:
            return response
        # Nothing of the refused request may be saved with the copy: views commit before
        # they answer, so whatever is still pending would have been rolled back anyway.
        db.session.rollback()
        if stash.keep(PURPOSE, response.get_data(), target, KEEP_MINUTES) is None:
            return response
        db.session.commit()
        return redirect(target, code=303)
