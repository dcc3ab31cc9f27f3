"""After the vote: staff's verdict on implementation, how an item was closed, and 回头看.

The members' vote (满意度测评) says whether they were satisfied with a report; audit
offices grade implementation separately, and close some matters as "closed, not
implemented". These rows keep both apart, per round, so a later round never overwrites
what an earlier one found. Labels live here once; pages, exports and the dashboard ask
the enums.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .base import enum_column, utcnow


class VerdictGrade(enum.StrEnum):
    """工作机构's grade of implementation, given when it accepts a report."""

    FULL = "full"
    MOSTLY = "mostly"
    PARTLY = "partly"
    NONE = "none"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]

    @property
    def needs_reason(self) -> bool:
        return self in (VerdictGrade.PARTLY, VerdictGrade.NONE)


VERDICT_LABELS = {VerdictGrade.FULL: "全部落实", VerdictGrade.MOSTLY: "基本落实", VerdictGrade.PARTLY: "部分落实",
                  VerdictGrade.NONE: "未落实"}


class ClosureKind(enum.StrEnum):
    """How a closed item ended: never a bare "closed"."""

    IMPLEMENTED = "implemented"
    PARTLY_TRACKED = "partly_tracked"
    TERMINATED = "terminated"

    @property
    def label(self) -> str:
        return CLOSURE_LABELS[self]

    @property
    def counts_as_done(self) -> bool:
        """办结 in the rates; 终止跟踪 is closed but not done."""
        return self is not ClosureKind.TERMINATED


CLOSURE_LABELS = {ClosureKind.IMPLEMENTED: "办结（已落实）", ClosureKind.PARTLY_TRACKED: "办结（部分落实，转入跟踪）",
                  ClosureKind.TERMINATED: "终止跟踪（未落实）"}


class TerminationCause(enum.StrEnum):
    """Why an item stops being tracked although it was not implemented."""

    SUPERSEDED = "superseded"
    MERGED = "merged"
    BEYOND_POWER = "beyond_power"
    OTHER = "other"

    @property
    def label(self) -> str:
        return TERMINATION_LABELS[self]


TERMINATION_LABELS = {TerminationCause.SUPERSEDED: "情况变化，已被新的部署取代",
                      TerminationCause.MERGED: "并入其他事项办理",
                      TerminationCause.BEYOND_POWER: "超出承办单位职权", TerminationCause.OTHER: "其他原因"}


class LookbackFinding(enum.StrEnum):
    CONSOLIDATED = "consolidated"
    REBOUND = "rebound"
    UNKEPT = "unkept"

    @property
    def label(self) -> str:
        return FINDING_LABELS[self]


FINDING_LABELS = {LookbackFinding.CONSOLIDATED: "已巩固", LookbackFinding.REBOUND: "出现反弹",
                  LookbackFinding.UNKEPT: "承诺未兑现"}


def status_label(stage, closure_kind: ClosureKind | None) -> str:
    """The one status text of an item: a closed item says how it was closed."""
    from .item import Stage
    if stage is Stage.CLOSED and closure_kind is not None:
        return closure_kind.label
    return stage.label


class Verdict(db.Model):
    """落实评定 of one item in one round (given when staff accept that round's report)."""

    __tablename__ = "verdict"
    __table_args__ = (sa.UniqueConstraint("item_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    round: Mapped[int]
    grade: Mapped[VerdictGrade] = mapped_column(enum_column(VerdictGrade, "verdict_grade"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"))
    graded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    graded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Closure(db.Model):
    """How one round of an item ended. A reopened item keeps its earlier closures; the
    item's ``closure_kind`` copies the current round's kind for lists and exports."""

    __tablename__ = "closure"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "round"),
        sa.CheckConstraint("cause IS NULL OR kind = 'terminated'", name="cause_only_when_terminated"),
        sa.CheckConstraint("merged_into_id IS NULL OR cause = 'merged'", name="merged_into_only_when_merged"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    round: Mapped[int]
    kind: Mapped[ClosureKind] = mapped_column(enum_column(ClosureKind, "closure_kind"))
    cause: Mapped[TerminationCause | None] = mapped_column(enum_column(TerminationCause, "termination_cause"))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("item.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    # True when the kind was derived from the vote and verdict at counting, not chosen.
    derived: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class Lookback(db.Model):
    """回头看: a later check that a closed item's promises held.

    Due on ``due_on``; the daily job tells the lead unit once (``notified_at``); the
    unit answers with a progress entry (text and evidence); staff record the finding and
    may reopen the item as a new round (``reopened_round``)."""

    __tablename__ = "lookback"
    __table_args__ = (sa.Index("ix_lookback_open_due", "finding", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    round: Mapped[int]  # the round whose closure is checked
    due_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(sa.Text)  # what staff want to know
    scheduled_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    scheduled_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None]
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_entry.id"))  # the unit's update
    answered_at: Mapped[datetime | None]
    finding: Mapped[LookbackFinding | None] = mapped_column(enum_column(LookbackFinding, "lookback_finding"))
    finding_note: Mapped[str | None] = mapped_column(sa.Text)
    found_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    found_at: Mapped[datetime | None]
    reopened_round: Mapped[int | None]

    scheduled_by: Mapped[User] = relationship(foreign_keys=[scheduled_by_id], lazy="raise")

    def is_due(self, today: date) -> bool:
        return self.finding is None and self.due_on <= today

    def status_label(self, today: date) -> str:
        if self.finding is not None:
            return f"已完成：{self.finding.label}"
        if self.answered_at is not None:
            return "单位已报送，待记录结论"
        return "已到期，待单位报送" if self.due_on <= today else "未到期"
