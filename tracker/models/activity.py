"""Supervision activities (监督活动): the meeting event that items hang off."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

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
    # The meeting as the document names it; 届 and 次 are often unknown to whoever enters
    # an old document, so both may stay empty and are then left out, never invented.
    meeting_term: Mapped[int | None]  # 第十七届
    meeting_session: Mapped[int | None]  # 常委会第 N 次会议
    meeting_date: Mapped[date] = mapped_column(index=True)  # the (first) day of the meeting
    meeting_end_date: Mapped[date | None]  # a meeting over several days
    # 审议意见 as a document: its number, adoption by the 主任会议, 转达 date, a deadline the
    # document itself sets ("2023年4月底前"), and its preamble (会议认为… and 一是…二是…).
    document_number: Mapped[str | None] = mapped_column(sa.String(64))
    adopted_on: Mapped[date | None]
    conveyed_on: Mapped[date | None]
    document_deadline: Mapped[date | None]
    preamble: Mapped[str | None] = mapped_column(sa.Text)
    # 专题询问: the officials who answered ([{"name", "post"}]) and whether answers were scored on the spot.
    officials: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    scored_on_spot: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
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
    def meeting_name(self) -> str:
        """"第十七届常委会第25次会议", or only the parts that are known ("常委会会议")."""
        name = "常委会"
        if self.meeting_term:
            name = f"第{chinese_number(self.meeting_term)}届{name}"
        return name + (f"第{self.meeting_session}次会议" if self.meeting_session else "会议")

    @property
    def meeting_label(self) -> str:
        """The meeting with its date(s): "常委会第25次会议（2026年3月2日）"."""
        return f"{self.meeting_name}（{self.meeting_dates}）"

    @property
    def meeting_dates(self) -> str:
        start = f"{self.meeting_date.year}年{self.meeting_date.month}月{self.meeting_date.day}日"
        end = self.meeting_end_date
        if not end or end == self.meeting_date:
            return start
        if end.year != self.meeting_date.year:
            return f"{start}至{end.year}年{end.month}月{end.day}日"
        if end.month != self.meeting_date.month:
            return f"{start}至{end.month}月{end.day}日"
        return f"{start}至{end.day}日"

    @property
    def base_date(self) -> date:
        """What deadlines count from: the 转达 date when known, else the meeting."""
        return self.conveyed_on or self.meeting_end_date or self.meeting_date


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals, as in 第十七届."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
