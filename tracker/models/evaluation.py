"""满意度测评: one evaluation per item and round, always an entry of a sitting.

The sitting (``sitting.py``) holds the attendance, the voters and the ballots; an
evaluation holds the result of one item in one round.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tally import Consequence, Grade
from .base import enum_column, utcnow


class EvaluationMode(enum.StrEnum):
    ONLINE = "online"
    MEETING = "meeting"
    SPOT = "spot"

    @property
    def label(self) -> str:
        return {"online": "网上测评", "meeting": "会议表决器测评（录入票数）",
                "spot": "现场评定（专题询问）"}[self.value]


class EvaluationStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"open": "测评中", "closed": "已结束"}[self.value]


class ResultSource(enum.StrEnum):
    """Whether the app counted the result or copied one published without counts."""

    COUNTED = "counted"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {"counted": "计票结果", "published": "公布结果"}[self.value]


class Evaluation(db.Model):
    """One entry of a sitting: an item's report in one round, and its result.

    The counts are written once, when the sitting is counted (online: from the ballots;
    表决器: as entered), never incremented per vote. A later report-per-document can hang
    off an entry beside ``report_entry_id`` without changing the sitting.
    """

    __tablename__ = "evaluation"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "round"),
        sa.CheckConstraint("satisfied >= 0 AND basic >= 0 AND unsatisfied >= 0 AND invalid >= 0",
                           name="counts_not_negative"),
        # "Recently closed" lists sort by closing time within a status.
        sa.Index("ix_evaluation_status_closed_at", "status", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(sa.ForeignKey("sitting.id"), index=True)
    position: Mapped[int] = mapped_column(default=1, server_default="1")  # row in the sitting's table
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
    # Staff confirmed a 表决器 row whose votes do not add up to the members present.
    unbalanced_confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    result: Mapped[Grade | None] = mapped_column(enum_column(Grade, "evaluation_grade"))
    consequence: Mapped[Consequence | None] = mapped_column(enum_column(Consequence, "evaluation_consequence"))
    result_source: Mapped[ResultSource | None] = mapped_column(enum_column(ResultSource, "result_source"))
    published_text: Mapped[str | None] = mapped_column(sa.String(200))  # e.g. 满意率 85%
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    new_deadline: Mapped[date | None]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    item = relationship("Item", lazy="raise")
    sitting = relationship("Sitting", lazy="raise", back_populates="entries")

    __mapper_args__ = {"version_id_col": version}

    @property
    def ballots_cast(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied + self.invalid

    @property
    def is_open(self) -> bool:
        return self.status is EvaluationStatus.OPEN

    @property
    def is_online(self) -> bool:
        return self.mode is EvaluationMode.ONLINE

    @property
    def is_published_result(self) -> bool:
        return self.result_source is ResultSource.PUBLISHED

    @property
    def result_label(self) -> str:
        return self.result.label if self.result else "无效（未形成结果）"

