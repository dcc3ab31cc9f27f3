"""Server-side records behind signing in: sessions, login throttles, password history,
forms parked when a session ended under a user's hands.

A signed cookie alone cannot be revoked: a copy taken before logout kept working. The
cookie now carries only a random session id; the record here decides, is checked on
every request and is deleted at logout ("退出所有设备" deletes them all).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class UserSession(db.Model):
    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the cookie's token: a database reader cannot replay a session.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))


class LoginThrottle(db.Model):
    """Failed sign-ins per typed name and address. Keyed by the name as typed (lower-cased),
    not by account, so unknown names behave exactly like real ones; keyed by address too,
    so a stranger cannot lock the real administrator out from elsewhere."""

    __tablename__ = "login_throttle"
    __table_args__ = (sa.UniqueConstraint("name_key", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    address: Mapped[str] = mapped_column(sa.String(64))
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    locks: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    last_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordHistory(db.Model):
    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ParkedForm(db.Model):
    """The fields of a form submitted after the session had ended, kept for its author
    until they sign in again and return to the page (then put back into the form)."""

    __tablename__ = "parked_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    page: Mapped[str] = mapped_column(sa.String(500))
    action: Mapped[str] = mapped_column(sa.String(500))
    fields: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditChainHead(db.Model):
    """The newest link of the audit hash chain, one row. Locked while a row is appended
    (so links never fork) and kept apart from the rows, so emptying ``audit_entry`` —
    even with its triggers disabled — leaves a head that no longer matches."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    row_hash: Mapped[str] = mapped_column(sa.String(64))
