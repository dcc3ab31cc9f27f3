"""Security headers, idle timeout and session checks applied to every request."""
from __future__ import annotations

import time

from flask import Flask, Response, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_security(app: Flask) -> None:
    @app.before_request
    def enforce_idle_timeout():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = int(time.time())
        idle = int(app.config["IDLE_TIMEOUT"].total_seconds())
        seen = session.get("seen")
        if seen is not None and now - int(seen) > idle:
            logout_user()
            session.clear()
            flash("长时间未操作，已自动退出，请重新登录", "warning")
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        session["seen"] = now
        session.permanent = True
        return None

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint != "static":
            # Pages differ for htmx fragments and hold non-public data.
            response.vary.add("HX-Request")
            if request.endpoint is None or not request.endpoint.startswith("public."):
                headers.setdefault("Cache-Control", "no-store")
        return response
