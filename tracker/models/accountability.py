"""What keeps an assignment honest after 交办: a unit contesting it (退办), asking for more
time (延期申请), and the date a unit declares when its deadline has slipped (承办单位预计完成
日期, shown publicly)."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Unit, User
from .base import enum_column, utcnow


class HandbackStatus(enum.StrEnum):
    PENDING = "pending"
    REASSIGNED = "reassigned"  # staff agreed and gave the item to another lead unit
    REFUSED = "refused"  # staff kept the assignment, with a note

    @property
    def label(self) -> str:
        return {"pending": "待处理", "reassigned": "已同意并改交办", "refused": "未同意"}[self.value]


class HandbackRequest(db.Model):
    """退办申请: the lead unit says the item is not its business, within a few working days
    of 交办. One pending request per item at a time (a partial unique index)."""

    __tablename__ = "handback_request"
    __table_args__ = (
        sa.Index("ix_handback_request_pending_item", "item_id", unique=True,
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
        sa.Index("ix_handback_request_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    round: Mapped[int]
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))  # the unit handing back
    reason: Mapped[str] = mapped_column(sa.Text)
    suggested_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    status: Mapped[HandbackStatus] = mapped_column(enum_column(HandbackStatus, "handback_status"),
                                                   default=HandbackStatus.PENDING)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    new_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id], lazy="raise")
    suggested_unit: Mapped[Unit | None] = relationship(foreign_keys=[suggested_unit_id], lazy="raise")
    new_unit: Mapped[Unit | None] = relationship(foreign_keys=[new_unit_id], lazy="raise")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="raise")


class DeclaredDate(db.Model):
    """承办单位预计完成日期: stated by the lead unit once its deadline has passed, with why.
    Every declaration is kept; the newest is the one shown ("期限 X，承办单位预计 Y")."""

    __tablename__ = "declared_date"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    round: Mapped[int]
    deadline: Mapped[date]  # the deadline that had slipped when the unit declared
    expected_on: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.Text)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    declared_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExtensionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {"pending": "待审批", "approved": "已批准", "refused": "未批准"}[self.value]


class ExtensionRequest(db.Model):
    """延期申请: only with a written reason, decided by staff."""

    __tablename__ = "extension_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    round: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.Text)
    current_deadline: Mapped[date]
    requested_deadline: Mapped[date]
    status: Mapped[ExtensionStatus] = mapped_column(
        enum_column(ExtensionStatus, "extension_status"), default=ExtensionStatus.PENDING)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.Text)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="raise")
