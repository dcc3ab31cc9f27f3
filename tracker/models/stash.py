"""Short-lived server-side copies kept for one person between two requests."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class Stash(db.Model):
    """A refused form's page (so Reload and Back never land on a POST address) or an
    uploaded workbook waiting for its import to be confirmed. Found by an unguessable
    token held in the owner's session, bounded in size (``tracker/stash.py``), deleted when
    taken or when it expires."""

    __tablename__ = "stash"
    __table_args__ = (sa.Index("ix_stash_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(32))  # "page", "import"
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(500))
    name: Mapped[str | None] = mapped_column(sa.String(255))  # the uploaded file's name
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
