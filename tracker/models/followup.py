"""督办 notices, the per-user notification inbox, and the mail outbox.

Notices are what the committee sends a unit about an item (催办, 督办, and the
automatic rungs of the escalation ladder). Automatic ones carry a ``dedupe_key``
with a unique constraint, so the daily job can run any number of times and the
database itself refuses a second copy. Mail goes through an outbox written in
the same transaction as the event, and is delivered only after commit.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Unit, User
from .audit import AuditAction
from .base import enum_column, utcnow


class NoticeKind(enum.StrEnum):
    URGE = "urge"  # 催办 (staff)
    SUPERVISE = "supervise"  # 督办通知 with a reply-by date (staff)
    REMIND = "remind"  # 临期提醒 (automatic, yellow)
    WARN = "warn"  # 逾期警告 (automatic, red)
    ESCALATE = "escalate"  # 提请主任会议挂牌督办 (automatic)
    ASSIGN_DUE = "assign_due"  # 交办超期提醒 to staff (automatic)
    SILENT = "silent"  # 无进展提醒: no progress posted for N working days (automatic)

    @property
    def label(self) -> str:
        return NOTICE_KIND_LABELS[self]

    @property
    def automatic(self) -> bool:
        return self not in (NoticeKind.URGE, NoticeKind.SUPERVISE)

    @property
    def audit_action(self) -> AuditAction:
        """The history row a notice of this kind writes (the escalation rung is the
        挂牌督办 itself)."""
        return NOTICE_ACTIONS[self]


NOTICE_KIND_LABELS = {
    NoticeKind.URGE: "催办", NoticeKind.SUPERVISE: "督办通知", NoticeKind.REMIND: "临期提醒",
    NoticeKind.WARN: "逾期警告", NoticeKind.ESCALATE: "提请挂牌督办", NoticeKind.ASSIGN_DUE: "交办超期提醒",
    NoticeKind.SILENT: "无进展提醒",
}

NOTICE_ACTIONS = {
    NoticeKind.URGE: AuditAction.NOTICE_URGE, NoticeKind.SUPERVISE: AuditAction.NOTICE_SUPERVISE,
    NoticeKind.REMIND: AuditAction.NOTICE_REMIND, NoticeKind.WARN: AuditAction.NOTICE_WARN,
    NoticeKind.ESCALATE: AuditAction.ITEM_SUPERVISE, NoticeKind.ASSIGN_DUE: AuditAction.NOTICE_ASSIGN_DUE,
    NoticeKind.SILENT: AuditAction.NOTICE_SILENT,
}


class Notice(db.Model):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    round: Mapped[int]
    kind: Mapped[NoticeKind] = mapped_column(enum_column(NoticeKind, "notice_kind"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))  # None: addressed to staff
    text: Mapped[str] = mapped_column(sa.Text)
    reply_by: Mapped[date | None]
    # Automatic notices only: "warn:<item>:<round>:<deadline>" etc. Unique, so the
    # daily job cannot send the same rung twice even when two runs overlap.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    unit: Mapped[Unit | None] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(lazy="raise")


class NotificationKind(enum.StrEnum):
    """What an inbox line is about; the inbox filters and mail subjects use the label."""

    ASSIGN = "assign"
    RETURN = "return"
    ACCEPT = "accept"
    REPORT = "report"
    EXTENSION = "extension"
    EVALUATION = "evaluation"
    RESULT = "result"
    REMINDER = "reminder"
    SUPERVISE = "supervise"
    ASSIGN_DUE = "assign_due"
    HANDBACK = "handback"  # 退办 asked or decided
    DECLARED = "declared"  # a unit declared its expected date on an overdue item
    LOOKBACK = "lookback"  # 回头看 due or its finding
    REOPEN = "reopen"  # a closed item reopened as a new round
    SECURITY = "security"  # sign-in paused, password reset: told to the account's owner

    @property
    def label(self) -> str:
        return NOTIFICATION_KIND_LABELS[self]


NOTIFICATION_KIND_LABELS = {
    NotificationKind.ASSIGN: "新交办", NotificationKind.RETURN: "报告退回", NotificationKind.ACCEPT: "报告受理",
    NotificationKind.REPORT: "报告待审核", NotificationKind.EXTENSION: "延期", NotificationKind.EVALUATION: "待测评",
    NotificationKind.RESULT: "测评结果", NotificationKind.REMINDER: "催办督办", NotificationKind.SUPERVISE: "挂牌督办",
    NotificationKind.ASSIGN_DUE: "交办超期", NotificationKind.SECURITY: "账号安全",
    NotificationKind.HANDBACK: "退办", NotificationKind.DECLARED: "预计完成日期",
    NotificationKind.LOOKBACK: "回头看", NotificationKind.REOPEN: "重新整改",
}


class Notification(db.Model):
    """One line in a user's inbox; the header shows the unread count."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))  # a NotificationKind value
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("item.id"), index=True)
    text: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    @property
    def kind_label(self) -> str:
        try:
            return NotificationKind(self.kind).label
        except ValueError:
            return self.kind


class OutboxMail(db.Model):
    """Mail waiting for delivery: written with the event, sent after commit."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]  # a sender took it; stops two senders racing
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.Text)
