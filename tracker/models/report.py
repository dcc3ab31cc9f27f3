"""One report answers one document: a unit's 研究处理情况报告 (or 整改情况报告) for all of
its items of an activity in a round, reviewed once by staff.

Each covered item still gets a report entry (``ProgressEntry`` with ``report_id``) holding
its own line — status and promised date — so item pages, evaluations and the public pages
read reports the same way whether a unit reported on one item or on a whole document.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Unit, User
from .activity import Activity
from .base import enum_column, utcnow
from .item import Attachment, ProgressEntry, ReviewStatus


class Report(db.Model):
    __tablename__ = "report"
    __table_args__ = (sa.Index("ix_report_activity_unit_round", "activity_id", "unit_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    round: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ReviewStatus] = mapped_column(enum_column(ReviewStatus, "report_status"),
                                                 default=ReviewStatus.PENDING)
    return_reason: Mapped[str | None] = mapped_column(sa.Text)  # 退回理由
    review_opinion: Mapped[str | None] = mapped_column(sa.Text)  # 审查意见 on 受理 ("总体同意…")
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"))  # the returned version
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None]

    activity: Mapped[Activity] = relationship(lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id], lazy="raise")
    entries: Mapped[list[ProgressEntry]] = relationship(lazy="raise", order_by=ProgressEntry.id,
                                                        foreign_keys=[ProgressEntry.report_id],
                                                        back_populates="report")
    attachments: Mapped[list[Attachment]] = relationship(lazy="raise", order_by=Attachment.id,
                                                         foreign_keys=[Attachment.report_id])
