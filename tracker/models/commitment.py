"""Commitments (承诺) as rows, and the class of an answer (答复分类).

A promise made in an answer or a report ("年底前完成", "列入2027年计划") becomes a row with
its own date, owner unit, status and evidence, so it can be followed to its date like an
item. The date is kept twice on purpose: ``proposed_due`` is what the text or the unit
said (the promise parser may have guessed it), ``due_on`` is the date staff confirmed,
with who and when. Only a confirmed date runs a light or a reminder, and a page shows a
proposed one as "待确认", so a guess is never shown as fact.

逾期未兑现 is mostly *derived*: an open (未到期) commitment whose confirmed date has passed
is shown as overdue by the one light rule in ``tracker/lights.py``; staff may also record
it as the final status once they have looked.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Unit, User
from .base import enum_column, utcnow


class CommitmentStatus(enum.StrEnum):
    OPEN = "open"  # 未到期 (shown as 逾期未兑现 once its confirmed date has passed)
    KEPT = "kept"  # 已兑现
    PARTLY = "partly"  # 部分兑现 (with a reason)
    BROKEN = "broken"  # 逾期未兑现, recorded by staff as the final finding
    DROPPED = "dropped"  # 不再适用 (with a reason)

    @property
    def label(self) -> str:
        return COMMITMENT_STATUS_LABELS[self]

    @property
    def needs_reason(self) -> bool:
        return self in (CommitmentStatus.PARTLY, CommitmentStatus.DROPPED)

    @property
    def is_open(self) -> bool:
        return self is CommitmentStatus.OPEN


COMMITMENT_STATUS_LABELS = {
    CommitmentStatus.OPEN: "未到期", CommitmentStatus.KEPT: "已兑现", CommitmentStatus.PARTLY: "部分兑现",
    CommitmentStatus.BROKEN: "逾期未兑现", CommitmentStatus.DROPPED: "不再适用",
}


class CommitmentSource(enum.StrEnum):
    ANSWER = "answer"  # 答复（询问现场或书面答复）
    REPORT = "report"  # 研究处理/整改情况报告中的一条
    REVIEW = "review"  # 审查意见中的进一步要求
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"answer": "答复", "report": "报告", "review": "审查意见", "other": "其他"}[self.value]


class AnswerClass(enum.StrEnum):
    """The classes used across China for 代表建议 and 审议意见 handling."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        return ANSWER_CLASS_LABELS[self]

    @property
    def title(self) -> str:
        """"B 正在解决": the letter and its words, as documents print it."""
        return f"{self.value} {self.label}"

    @property
    def needs_dated_commitment(self) -> bool:
        """B and C are followed up to their dates, so they need a commitment with one."""
        return self in (AnswerClass.B, AnswerClass.C)

    @property
    def needs_reason(self) -> bool:
        return self is AnswerClass.D


ANSWER_CLASS_LABELS = {
    AnswerClass.A: "已解决或基本解决", AnswerClass.B: "正在解决", AnswerClass.C: "列入计划逐步解决",
    AnswerClass.D: "因条件限制暂不能解决",
}


class Commitment(db.Model):
    __tablename__ = "commitment"
    __table_args__ = (
        sa.Index("ix_commitment_status_due", "status", "due_on"),
        sa.CheckConstraint("(due_on IS NULL) = (confirmed_at IS NULL)", name="confirmed_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)  # owner unit
    text: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[CommitmentSource] = mapped_column(enum_column(CommitmentSource, "commitment_source"))
    # What the text or the unit said (a parser guess is marked by ``proposed_rule``) ...
    proposed_due: Mapped[date | None]
    proposed_rule: Mapped[str | None] = mapped_column(sa.String(200))
    # ... and the date staff confirmed: the only one lights and reminders run on.
    due_on: Mapped[date | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None]
    status: Mapped[CommitmentStatus] = mapped_column(enum_column(CommitmentStatus, "commitment_status"),
                                                     default=CommitmentStatus.OPEN)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The unit says it has kept it (with evidence); staff then set the final status.
    claimed_kept_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    unit: Mapped[Unit | None] = relationship(lazy="raise")
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id], lazy="raise")

    @property
    def any_due(self) -> date | None:
        """The confirmed date, else the proposed one: what "a commitment with a date" means."""
        return self.due_on or self.proposed_due

    @property
    def short(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 30 else text[:30] + "…"
