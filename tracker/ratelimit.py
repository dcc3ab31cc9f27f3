"""Rate limits on signing in (Flask-Limiter), per address and for the whole site.

One app node: the counters live in this process's memory (``memory://``) — with several
gunicorn workers each keeps its own, so the effective per-address limit is the limit
times the workers; the database throttle (services/login.py) is exact either way.
Several app nodes sharing a database: set ``REDIS_URL`` so every worker of every node
counts in one place.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_limiter import Limiter, RequestLimit

from .models import AuditAction


def _address() -> str:
    return request.remote_addr or "unknown"


def storage_uri(app: Flask) -> str:
    return app.config["REDIS_URL"] or "memory://"


def storage_description(app: Flask) -> str:
    uri = storage_uri(app)
    if uri == "memory://":
        return "本进程内存（单节点）"
    parts = urlsplit(uri)
    return f"Redis {parts.hostname}:{parts.port or 6379}{parts.path}"  # never print a password


def _refused(limit: RequestLimit):
    from .audit_events import log_event
    from .errors import render_error
    log_event(AuditAction.RATE_LIMITED, f"{_address()} 登录请求过于频繁（{limit.limit}），已拒绝",
              details={"address": _address(), "limit": str(limit.limit)})
    return render_error(429, "登录请求过于频繁，请稍后再试。")


def init_ratelimit(app: Flask) -> Limiter:
    """A limiter per app (its own storage), wrapped around the login view."""
    limiter = Limiter(
        _address, app=app, storage_uri=storage_uri(app), strategy="moving-window",
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "tracker"), headers_enabled=False,
        # If Redis is down, sign-ins go on (limited per process) rather than stop.
        in_memory_fallback_enabled=bool(app.config["REDIS_URL"]),
    )
    view = app.view_functions["auth.login"]
    per_address = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
                                on_breach=_refused)
    whole_site = limiter.limit(lambda: current_app.config["LOGIN_GLOBAL_RATE_LIMIT"], methods=["POST"],
                               key_func=lambda: "all", scope="login-all", on_breach=_refused)
    app.view_functions["auth.login"] = whole_site(per_address(view))
    return limiter
