"""Supervision activities (监督活动): the meeting event that items hang off."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Unit
from .base import enum_column, utcnow


class ActivityKind(enum.StrEnum):
    INQUIRY = "inquiry"
    REPORT_REVIEW = "report_review"
    LAW_INSPECTION = "law_inspection"
    AUDIT = "audit"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ACTIVITY_KIND_LABELS[self]


ACTIVITY_KIND_LABELS = {
    ActivityKind.INQUIRY: "专题询问",
    ActivityKind.REPORT_REVIEW: "专项工作报告审议",
    ActivityKind.LAW_INSPECTION: "执法检查",
    ActivityKind.AUDIT: "审计查出问题整改",
    ActivityKind.OTHER: "其他监督活动",
}

TARGET_ORGANS = ["区人民政府", "区监察委员会", "区人民法院", "区人民检察院"]


class Activity(db.Model):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind, "activity_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    meeting_session: Mapped[int]  # 常委会第 N 次会议
    meeting_date: Mapped[date] = mapped_column(index=True)
    report_title: Mapped[str | None] = mapped_column(sa.String(200))  # 听取和审议的报告
    target_organ: Mapped[str] = mapped_column(sa.String(32))
    lead_committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    evaluation_rule_key: Mapped[str] = mapped_column(sa.String(32), default="zhenhai", server_default="zhenhai")
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    lead_committee: Mapped[Unit | None] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    @property
    def year(self) -> int:
        return self.meeting_date.year

    @property
    def meeting_label(self) -> str:
        return f"常委会第{self.meeting_session}次会议（{self.meeting_date:%Y年%m月%d日}）"
