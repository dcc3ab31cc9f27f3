"""The search index and what feeds it: one row per searchable passage, the admin's
dictionary of terms, and the links that say an item raises an earlier problem again.

``search_entry`` holds the original text (for the highlighted passage) and the same text
segmented by jieba (``terms``, words separated by spaces). The full-text index over
``terms`` is database-specific and lives outside the ORM (see ``tracker.search.schema``):
an FTS5 table kept in step by triggers on SQLite, a generated ``tsvector`` column with a
GIN index on PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class SearchEntry(db.Model):
    __tablename__ = "search_entry"
    __table_args__ = (sa.UniqueConstraint("kind", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # see tracker.search.sources.KINDS
    source_id: Mapped[int]  # the id of the row in its own table
    item_id: Mapped[int | None] = mapped_column(index=True)  # None for an activity
    activity_id: Mapped[int] = mapped_column(index=True)
    # May the public ever see this passage (when its item and activity are published)?
    public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    terms: Mapped[str] = mapped_column(sa.Text)


class SearchTerm(db.Model):
    """An admin-entered word jieba must keep whole (a unit's short name, a local term)."""

    __tablename__ = "search_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(sa.String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecurrenceLink(db.Model):
    """Item ``item_id`` raises again the problem of ``earlier_item_id`` (第N次提出).

    One earlier item per item makes a chain; the chain's length is N."""

    __tablename__ = "recurrence_link"
    __table_args__ = (sa.CheckConstraint("item_id <> earlier_item_id", name="not_self"),)

    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), primary_key=True)
    earlier_item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
