"""Admin-editable settings and the holiday-calendar overrides."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class Setting(db.Model):
    """Admin-editable settings stored as JSON (rules, thresholds, calendars)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CalendarOverride(db.Model):
    """Admin-entered 节假日/调休 days; they win over the chinesecalendar package."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    note: Mapped[str | None] = mapped_column(sa.String(100))
