"""Reads that leave the system go into the history: exports, 公文, attachment downloads,
and every view of the history itself (the 审计管理员's reading is audited too); so do
403s that a view answered itself.

One table of endpoints here, so the views stay as they are; a row is written only when
the file or page was actually served (200).
"""
from __future__ import annotations

from flask import Flask, Response, g, request
from flask_login import current_user

from .models import AuditAction

AUDITED_READS = {
    "ledger.export": (AuditAction.EXPORT_LEDGER, "导出台账"),
    "ledger.import_template": (AuditAction.EXPORT_TEMPLATE, "下载台账导入模板"),
    # Issuing a letter (POST) is recorded by its operation (letter.issue); a copy taken
    # again from the 发文登记 is a read like any other download.
    "ledger.letter_download": (AuditAction.EXPORT_LETTER, "下载已发公文"),
    "items.attachment": (AuditAction.ATTACHMENT_DOWNLOAD, "下载附件"),
    "admin.audit": (AuditAction.AUDIT_VIEW, "查看操作历史"),
}


def init_audit_reads(app: Flask) -> None:
    @app.after_request
    def record_read(response: Response) -> Response:
        if response.status_code in (403, 404) and not g.get("refusal_logged") and request.endpoint != "static":
            # A refusal the view answered itself (a workflow rule: NotAllowed), not through abort().
            from .errors import log_refusal
            if response.status_code == 403:
                log_refusal(AuditAction.ACCESS_DENIED, "无权执行此操作，已拒绝")
            elif current_user.is_authenticated:
                log_refusal(AuditAction.ACCESS_NOT_FOUND, "请求的对象不存在或无权查看（404）")
            return response
        entry = AUDITED_READS.get(request.endpoint or "")
        if entry is None or request.method != "GET" or response.status_code != 200:
            return response
        from .audit_events import log_event
        action, label = entry
        args = request.view_args or {}
        object_id = next((v for v in args.values() if isinstance(v, int)), None)
        log_event(action, f"{label}：{request.full_path.rstrip('?')[:300]}", object_type="read",
                  object_id=object_id, details={"endpoint": request.endpoint, "args": dict(request.args)})
        return response
