"""满意度测评: one evaluation per item and round.

Secret ballot by construction: online votes only increment the counters on the
evaluation row, and who took part is a separate table with no grade and no time, so
nothing the app stores can link a reviewer to a grade.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_column, utcnow


class EvaluationMode(enum.StrEnum):
    ONLINE = "online"
    MEETING = "meeting"

    @property
    def label(self) -> str:
        return {"online": "网上测评", "meeting": "会议表决器测评（录入票数）"}[self.value]


class EvaluationStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"open": "测评中", "closed": "已结束"}[self.value]


class Evaluation(db.Model):
    __tablename__ = "evaluation"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "round"),
        sa.CheckConstraint("satisfied >= 0 AND basic >= 0 AND unsatisfied >= 0 AND invalid >= 0",
                           name="counts_not_negative"),
        # "Recently closed" lists sort by closing time within a status.
        sa.Index("ix_evaluation_status_closed_at", "status", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    round: Mapped[int]
    report_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_entry.id"))
    mode: Mapped[EvaluationMode] = mapped_column(enum_column(EvaluationMode, "evaluation_mode"))
    status: Mapped[EvaluationStatus] = mapped_column(
        enum_column(EvaluationStatus, "evaluation_status"), default=EvaluationStatus.OPEN)
    rule_key: Mapped[str] = mapped_column(sa.String(32))
    rule: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # snapshot of the rule used
    members_total: Mapped[int] = mapped_column(default=0)
    members_present: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    basic: Mapped[int] = mapped_column(default=0)
    unsatisfied: Mapped[int] = mapped_column(default=0)
    invalid: Mapped[int] = mapped_column(default=0)
    result: Mapped[str | None] = mapped_column(sa.String(16))  # tally.Grade value
    consequence: Mapped[str | None] = mapped_column(sa.String(16))  # tally.Consequence value
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    new_deadline: Mapped[date | None]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    item = relationship("Item", lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    @property
    def ballots_cast(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied + self.invalid

    @property
    def is_open(self) -> bool:
        return self.status is EvaluationStatus.OPEN

    @property
    def result_label(self) -> str:
        from ..tally import Grade
        return Grade(self.result).label if self.result else "无效（未形成结果）"


class EvaluationParticipant(db.Model):
    """Who has voted in an evaluation: no grade, no timestamp, on purpose."""

    __tablename__ = "evaluation_participant"

    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True, index=True)
