"""测评会议 (evaluation sitting): one vote over one or many reports, and its secret ballots.

A committee tests several reports in one sitting and publishes one table. The sitting
owns what is said once: the members total, the attendance, the rule, the mode, who
may vote. Each report is an entry (``Evaluation``) with its own result.

Secret ballot: a ``Ballot`` row holds only the sitting, the entry and the grade, under a
random key, with no time and no order (``WITHOUT ROWID`` on SQLite, so not even a row
number). ``SittingParticipant`` holds only who took part. Nothing joins the two; at
counting the ballots are rewritten in shuffled order (see ``services/ballots.py``).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tally import Grade
from .base import enum_column, utcnow
from .evaluation import EvaluationMode


class SittingStatus(enum.StrEnum):
    OPEN = "open"  # voting / entering tallies
    STOPPED = "stopped"  # no more ballots; nothing computed yet
    COUNTED = "counted"  # results final

    @property
    def label(self) -> str:
        return {"open": "测评中", "stopped": "已停止投票，待计票", "counted": "已计票"}[self.value]


class Sitting(db.Model):
    __tablename__ = "sitting"
    __table_args__ = (
        sa.CheckConstraint("members_total > 0", name="members_total_positive"),
        sa.CheckConstraint("members_present IS NULL OR (members_present >= 0 AND members_present <= members_total)",
                           name="present_within_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    meeting_date: Mapped[date]
    mode: Mapped[EvaluationMode] = mapped_column(enum_column(EvaluationMode, "sitting_mode"))
    status: Mapped[SittingStatus] = mapped_column(enum_column(SittingStatus, "sitting_status"),
                                                  default=SittingStatus.OPEN)
    members_total: Mapped[int]
    members_present: Mapped[int | None]  # entered once (表决器/现场); online: participants at counting
    rule_key: Mapped[str] = mapped_column(sa.String(32))
    rule: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # snapshot taken at opening
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    counted_at: Mapped[datetime | None]
    counted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    entries = relationship("Evaluation", lazy="raise", back_populates="sitting", order_by="Evaluation.position")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status is SittingStatus.OPEN

    @property
    def is_online(self) -> bool:
        return self.mode is EvaluationMode.ONLINE

    @property
    def is_spot(self) -> bool:
        return self.mode is EvaluationMode.SPOT

    @property
    def is_counted(self) -> bool:
        return self.status is SittingStatus.COUNTED


class SittingVoter(db.Model):
    """The eligible voters, snapshotted when an online sitting opens."""

    __tablename__ = "sitting_voter"

    sitting_id: Mapped[int] = mapped_column(sa.ForeignKey("sitting.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True, index=True)


class SittingParticipant(db.Model):
    """Who has voted in a sitting: no grade, no time, on purpose."""

    __tablename__ = "sitting_participant"

    sitting_id: Mapped[int] = mapped_column(sa.ForeignKey("sitting.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True, index=True)


class Ballot(db.Model):
    """One grade for one entry: no voter, no time, no sequence; a random key."""

    __tablename__ = "ballot"
    __table_args__ = {"sqlite_with_rowid": False}

    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    sitting_id: Mapped[int] = mapped_column(sa.ForeignKey("sitting.id"), index=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id"))
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade, "ballot_grade"))  # None: 无效/弃权
