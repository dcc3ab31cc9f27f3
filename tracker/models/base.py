"""Shared column helpers and time functions.

Times are stored as naive UTC in the database (SQLite has no time zones) and shown in
China Standard Time; dates such as deadlines are local calendar dates.
"""
from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# China Standard Time has been UTC+8 without daylight saving since 1991: the database's own
# local months (``Item.assigned_month``, migration 0029) add this to the stored UTC time.
LOCAL_UTC_OFFSET = timedelta(hours=8)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum: VARCHAR plus a named CHECK constraint on both databases.

    Native PostgreSQL enums make later migrations painful; a CHECK gives the same safety.
    """
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )
