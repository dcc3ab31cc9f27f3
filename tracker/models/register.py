"""The 发文登记: every 交办函, 督办函 and 测评结果通报 issued, with its 发文字号.

A number is given once, when a letter is first issued, and the letter's content is
stored with it, so downloading it again gives the same number and the same text
however the records change afterwards.  Numbers run per series (函, 通报) and year;
the unique constraint is what keeps two letters issued at the same moment from
sharing one (the operation retries with the next number).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .base import enum_column, utcnow


class LetterSeries(enum.StrEnum):
    """What the 发文字号 counts: 函 and 通报 have separate prefixes and sequences."""
    LETTER = "letter"
    NOTICE = "notice"

    @property
    def label(self) -> str:
        return {"letter": "函", "notice": "通报"}[self.value]


class LetterKind(enum.StrEnum):
    ASSIGNMENT = "assignment"
    SUPERVISION = "supervision"
    RESULT_NOTICE = "result_notice"

    @property
    def label(self) -> str:
        return {"assignment": "交办函", "supervision": "督办函", "result_notice": "测评结果通报"}[self.value]

    @property
    def series(self) -> LetterSeries:
        return LetterSeries.NOTICE if self is LetterKind.RESULT_NOTICE else LetterSeries.LETTER


class IssuedLetter(db.Model):
    __tablename__ = "issued_letter"
    __table_args__ = (
        sa.UniqueConstraint("series", "year", "number"),
        sa.UniqueConstraint("kind", "subject_key"),
        sa.CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(enum_column(LetterKind, "letter_kind"))
    series: Mapped[LetterSeries] = mapped_column(enum_column(LetterSeries, "letter_series"))
    year: Mapped[int]
    number: Mapped[int]
    doc_number: Mapped[str] = mapped_column(sa.String(64))  # 发文字号 as printed
    # What the letter is about (e.g. "evaluation:12"); the same subject is issued once.
    subject_key: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(300))
    recipient: Mapped[str] = mapped_column(sa.String(200))
    issued_on: Mapped[date]
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("item.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id"), index=True)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # gongwen.letter_to_dict of what was issued

    issued_by: Mapped[User] = relationship(lazy="raise")
