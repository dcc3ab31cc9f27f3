"""The lists' text filter (``?q=``): items whose question or answer contains a text.

A substring test, not the word search of ``/search`` (issue 15): what a clerk types is
found wherever it stands, Chinese or not. Texts of three characters or more are looked up
in a trigram index (migration 0019, ``search.schema``); a search that finds nothing used to
read every item (issue 16).
"""
from __future__ import annotations

import sqlalchemy as sa

from .extensions import db
from .models import Item

ITEM_TEXT = sa.table("item_text", sa.column("rowid", sa.Integer))  # SQLite's FTS5 trigram table (migration 0019)
TRIGRAM = 3  # the shortest text a trigram index can look up


def text_filter(text: str, common: bool = False):
    """Items whose question or answer contains ``text``, ignoring case.

    Texts of three characters or more are looked up in a trigram index (migration 0019):
    on SQLite the FTS5 trigram table, asked for the text as one phrase (its trigrams in a
    row: a substring test, with ``%`` and ``_`` as plain characters); on PostgreSQL the
    pg_trgm indexes, which the planner uses for the LIKE below. Shorter texts read the table.

    ``common``: the text is known to match more items than a list counts. SQLite would
    still start from the matches and sort them all for one page (83k at 1M items: 200 ms);
    written ``id + 0 IN (…)`` the matches are only tested while the list's order is walked
    through its index, which reaches a page after a few hundred items."""
    if len(text) >= TRIGRAM and db.session.get_bind().dialect.name == "sqlite":
        phrase = '"' + text.replace('"', '""') + '"'
        matches = sa.select(ITEM_TEXT.c.rowid).where(sa.text("item_text MATCH :phrase").bindparams(phrase=phrase))
        return (Item.id + 0).in_(matches) if common else Item.id.in_(matches)
    return sa.or_(_contains(Item.question, text), _contains(Item.answer, text))


def _contains(column, text: str):
    """``column`` contains ``text``, ignoring case. A text with no cased letter (Chinese,
    digits) is matched with LIKE, which gives the same rows without lower-casing every row
    read: PostgreSQL's ILIKE lower-cases each UTF-8 value and SQLAlchemy's ILIKE on SQLite
    is ``lower(x) LIKE lower(y)``; a not-found search reads every item (issue 16)."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if text.lower() == text.upper():
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")
