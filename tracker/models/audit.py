"""The append-only history of who changed what.

Rows are only ever inserted: an ORM guard refuses updates and deletes, and database
triggers (see the migration) refuse them for anything that bypasses the ORM.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from .base import utcnow


class AuditAction(enum.StrEnum):
    """Every kind of history row; the stored value is the dotted name. Code compares
    and routes on these members, never on spelled-out strings."""

    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    LOCKED = "auth.locked"
    LOGIN_PAUSED = "auth.login_paused"  # refused during a pause, password not compared
    RATE_LIMITED = "auth.rate_limited"
    LOGOUT = "auth.logout"
    IDLE_TIMEOUT = "auth.idle_timeout"
    SESSION_LIFETIME = "auth.session_lifetime"
    SESSION_REVOKED = "auth.session_revoked"
    SESSIONS_ENDED = "auth.sessions_ended"
    ACCESS_DENIED = "access.denied"  # 403
    ACCESS_NOT_FOUND = "access.not_found"  # 404 for a signed-in user (another unit's item looks missing)
    ACCESS_CSRF = "access.csrf"
    EXPORT_LEDGER = "export.ledger"
    EXPORT_TEMPLATE = "export.template"
    EXPORT_LETTER = "export.letter"
    ATTACHMENT_DOWNLOAD = "attachment.download"
    AUDIT_VIEW = "audit.view"
    USER_CREATE = "user.create"
    USER_UPDATE = "user.update"
    USER_PASSWORD = "user.password"  # noqa: S105 (an action name, not a secret)
    USER_PASSWORD_RESET = "user.password_reset"  # noqa: S105 (an action name, not a secret)
    USER_UNLOCK = "user.unlock"
    UNIT_CREATE = "unit.create"
    UNIT_UPDATE = "unit.update"
    ACTIVITY_CREATE = "activity.create"
    ACTIVITY_UPDATE = "activity.update"
    ACTIVITY_PUBLISH = "activity.publish"
    ACTIVITY_UNPUBLISH = "activity.unpublish"
    ITEM_CREATE = "item.create"
    ITEM_UPDATE = "item.update"
    ITEM_ANSWER = "item.answer"
    ITEM_ASSIGN = "item.assign"
    ITEM_ACKNOWLEDGE = "item.acknowledge"
    ITEM_PROGRESS = "item.progress"
    ITEM_REPORT = "item.report"
    REPORT_SUBMIT = "report.submit"
    REPORT_RETURN = "report.return"
    REPORT_ACCEPT = "report.accept"
    ITEM_RETURN = "item.return"
    ITEM_ACCEPT = "item.accept"
    ITEM_PUBLISH = "item.publish"
    ITEM_UNPUBLISH = "item.unpublish"
    ITEM_SUPERVISE = "item.supervise"
    ITEM_UNSUPERVISE = "item.unsupervise"
    ITEM_WITHDRAW = "item.withdraw"
    ITEM_CORRECT = "item.correct"
    ITEM_BACKFILL = "item.backfill"  # 补录: past 交办/签收/受理/办结 entered with their real dates
    EXTENSION_REQUEST = "extension.request"
    EXTENSION_DECIDE = "extension.decide"
    EVALUATION_OPEN = "evaluation.open"
    EVALUATION_VOTE = "evaluation.vote"
    EVALUATION_TALLY = "evaluation.tally"
    EVALUATION_CLOSE = "evaluation.close"
    EVALUATION_PARTICIPATION = "evaluation.participation"  # how many took part, written at counting
    EVALUATION_VOID = "evaluation.void"
    EVALUATION_DEADLINE = "evaluation.deadline"  # a follow-up deadline set after counting
    SITTING_OPEN = "sitting.open"
    SITTING_ATTENDANCE = "sitting.attendance"
    SITTING_TALLY = "sitting.tally"
    SITTING_STOP = "sitting.stop"
    SITTING_COUNT = "sitting.count"
    SITTING_VOID = "sitting.void"
    SITTING_PARTICIPATE = "sitting.participate"  # one per voter, written at counting, no address
    NOTICE_URGE = "followup.urge"
    NOTICE_SUPERVISE = "followup.supervise"
    NOTICE_REMIND = "followup.remind"
    NOTICE_WARN = "followup.warn"
    NOTICE_ASSIGN_DUE = "followup.assign_due"
    NOTICE_SILENT = "followup.silent"
    HANDBACK_REQUEST = "handback.request"
    HANDBACK_DECIDE = "handback.decide"
    DEADLINE_DECLARE = "deadline.declare"
    CALENDAR_OVERRIDE = "calendar.override"
    CALENDAR_OVERRIDE_DELETE = "calendar.override_delete"
    SETTINGS_FOLLOWUP = "settings.followup"
    SETTINGS_RULE_DEFAULT = "settings.rule_default"
    SETTINGS_RULE_CUSTOM = "settings.rule_custom"
    SETTINGS_RULE_DISABLED = "settings.rule_disabled"
    LEDGER_IMPORT = "ledger.import"
    LETTER_ISSUE = "letter.issue"  # a 公文 given its 发文字号 in the 发文登记
    ITEM_RECURRENCE_LINK = "item.recurrence_link"
    ITEM_RECURRENCE_UNLINK = "item.recurrence_unlink"
    SEARCH_TERM_ADD = "search.term_add"
    SEARCH_TERM_DELETE = "search.term_delete"
    ITEM_ANSWER_CLASS = "item.answer_class"  # 答复分类 A–D set or changed
    COMMITMENT_CREATE = "commitment.create"
    COMMITMENT_CONFIRM = "commitment.confirm"  # staff confirm (or change) the due date
    COMMITMENT_STATUS = "commitment.status"
    COMMITMENT_EVIDENCE = "commitment.evidence"  # the unit posts evidence (and may say it is kept)
    ITEM_VERDICT = "item.verdict"  # 落实评定 given with the accepted report
    ITEM_CLOSE = "item.close"  # 办结/终止跟踪 by staff, with kind and reason
    ITEM_CLOSURE = "item.closure"  # the closure kind set or corrected
    ITEM_REOPEN = "item.reopen"  # a closed item back to 整改 as a new round
    LOOKBACK_SCHEDULE = "lookback.schedule"
    LOOKBACK_DUE = "lookback.due"  # told to the unit by the daily job
    LOOKBACK_ANSWER = "lookback.answer"
    LOOKBACK_FINDING = "lookback.finding"
    SETTINGS_LOOKBACK = "settings.lookback"


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(64))
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)  # an AuditAction value
    object_type: Mapped[str] = mapped_column(sa.String(32))
    object_id: Mapped[int | None]
    # Denormalised so an item's timeline is one indexed query.
    item_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(sa.Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # Tamper evidence (see services/audit_chain.py): position in the chain, the previous
    # row's hash and this row's. Filled on insert; NULL only for a row written around the app.
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, index=True, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    row_hash: Mapped[str | None] = mapped_column(sa.String(64))


@sa.event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, _flush_context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("历史记录只能追加，不能修改或删除")
