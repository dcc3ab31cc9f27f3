"""Security headers and the per-request session check.

Every signed-in request is checked against its server-side record (``user_session``):
a missing record (signed out, ended from another device, revoked by an administrator),
an idle one or one past its absolute lifetime ends the session here. A form posted into
an ended session is parked (``auth/parking.py``) so the text survives the new sign-in.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from .database import SAFE_METHODS
from .models import AuditAction, utcnow

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
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most once a minute per session
# Endpoints that read the session's state without counting as activity.
PASSIVE_ENDPOINTS = {"auth.session_status"}
# What a user whose password must change may still reach.
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.end_all", "auth.session_status",
                             "auth.keepalive"}
ENDED = {  # reason: (audit action, what the history says, what the user is told)
    "idle": (AuditAction.IDLE_TIMEOUT, "空闲超时", "长时间未操作，已自动退出，请重新登录"),
    "lifetime": (AuditAction.SESSION_LIFETIME, "超过最长登录时限", "登录已超过最长时限，请重新登录"),
    "revoked": (AuditAction.SESSION_REVOKED, "会话已失效", "您的登录已失效（已退出或在其他设备上被结束），请重新登录"),
}


def init_security(app: Flask) -> None:
    from .auth.parking import parked_for_this_page
    app.add_template_global(parked_for_this_page, "parked_form")

    @app.before_request
    def check_session():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        return _check_session(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("HSTS") and app.config.get("SESSION_COOKIE_SECURE"):
            headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.endpoint != "static":
            # Pages differ for htmx fragments and hold non-public data.
            response.vary.add("HX-Request")
            if request.endpoint is None or not request.endpoint.startswith("public."):
                headers.setdefault("Cache-Control", "no-store")
        return response


def _check_session(app: Flask):
    from .audit_events import commit_now
    from .services.passwords import must_change
    from .services.sessions import expiry_reason, find_session, touch
    now = utcnow()
    user = current_user._get_current_object()
    # The loader read the record with the user (``sessions.user_with_session``); a user
    # loaded another way (a test's request context) has it looked up here.
    record = g.pop("session_record") if "session_record" in g else find_session(session.get("sid"))
    if record is not None and record.user_id != user.id:
        record = None
    reason = "revoked" if record is None else expiry_reason(
        record, now, app.config["IDLE_TIMEOUT"], app.config["SESSION_LIFETIME"])
    if reason is None:
        g.user_session = record
        if now - record.last_seen_at > TOUCH_EVERY and request.endpoint not in PASSIVE_ENDPOINTS:
            commit_now(lambda: touch(record.id, now))
        if request.endpoint not in PASSWORD_CHANGE_ENDPOINTS and must_change(current_user):
            flash("请先修改密码：当前密码由管理员设置或已过期。", "warning")
            return redirect(url_for("auth.change_password"), code=303)
        return None
    return _end_session(user, record, reason)


def _end_session(user, record, reason: str):
    from .audit_events import commit_now, log_event
    from .auth.parking import park_form
    from .services.sessions import close_session
    user_id, name = user.id, user.display_name
    action, label, message = ENDED[reason]
    page = None

    def end():
        nonlocal page
        if record is not None:
            close_session(session.get("sid"))
        if request.method not in SAFE_METHODS and request.form:
            page = park_form(user_id)

    logout_user()  # before commit_now: nobody to reload afterwards
    commit_now(end)
    log_event(action, f"{name} 的会话结束：{label}",
              object_type="user", object_id=user_id, actor=user)
    session.clear()
    if page is not None:
        flash("登录已过期，您填写的内容已保存。请重新登录，登录后将回到原页面并恢复填写的内容。", "warning")
    else:
        flash(message, "warning")
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        # An htmx fragment request cannot follow a redirect into a full page usefully.
        response = Response(status=204)
        response.headers["HX-Redirect"] = url_for("auth.login", next=page or _return_path())
        return response
    return redirect(url_for("auth.login", next=page or _return_path()), code=303)


def _return_path() -> str | None:
    if request.method == "GET":
        return request.full_path if request.query_string else request.path
    return None

