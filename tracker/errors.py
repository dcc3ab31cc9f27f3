"""Error pages in Chinese, as full pages or as htmx fragments.

htmx does not swap 4xx/5xx responses by default; the base layout configures it to swap
them, and a non-boosted htmx request gets a small message retargeted to the flash area
instead of a whole page pushed into a table cell.
"""
from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .extensions import db, wants_fragment
from .models import AuditAction

log = logging.getLogger("tracker")

MESSAGES = {
    400: ("请求无效", "提交的内容无法处理，请返回检查后重试。"),
    403: ("无权访问", "您的账号没有执行此操作的权限。"),
    404: ("页面不存在", "您要找的页面不存在，或您无权查看。"),
    405: ("请求方式错误", "该页面不支持这种请求方式。"),
    409: ("已被他人修改", "该记录已被他人修改，请刷新后重新操作。"),
    413: ("提交的内容过大", "上传的文件或填写的内容超过大小限制，请压缩、拆分或删减后再提交。"),
    429: ("请求过于频繁", "请稍后再试。"),
    500: ("系统错误", "服务器出现错误，已记录。您的修改未保存，请稍后重试。"),
}


def render_error(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, (f"错误 {status}", "请求无法完成。"))
    message = detail or message
    if wants_fragment():
        body = render_template("errors/_fragment.html", title=title, message=message, status=status)
        return body, status, {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
    return render_template("errors/error.html", title=title, message=message, status=status), status


def log_refusal(action: str, summary: str) -> None:
    """Refusals go into the history (who, from where, what was asked for); whatever the
    request had pending is rolled back first."""
    from .audit_events import log_event
    g.refusal_logged = True
    log_event(action, f"{summary}：{request.method} {request.full_path.rstrip('?')[:300]}",
              object_type="request", details={"endpoint": request.endpoint, "args": request.view_args or {}})


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        log_refusal(AuditAction.ACCESS_CSRF, f"CSRF 校验失败（{error.description}）")
        return render_error(400, "页面已过期或请求校验失败（CSRF），请刷新页面后重试。")

    @app.errorhandler(StaleDataError)
    def stale(error: StaleDataError):
        # Two people saved the same record at once; the later save is refused whole.
        db.session.rollback()
        return render_error(409)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 403:
            log_refusal(AuditAction.ACCESS_DENIED, "无权访问，已拒绝")
        elif error.code == 404 and current_user.is_authenticated and request.endpoint != "static":
            # Another unit's item answers 404 like a missing one; the history still shows who asked.
            log_refusal(AuditAction.ACCESS_NOT_FOUND, "请求的对象不存在或无权查看（404）")
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        log.exception("unhandled error")
        db.session.rollback()
        return render_error(500)

