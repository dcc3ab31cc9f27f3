"""The lists' text filter (``?q=``): items whose question or answer contains a text.

A substring test, not the word search of ``/search`` (issue 15): what a clerk types is
found wherever it stands, Chinese or not. Texts of three characters or more are looked up
in a trigram index (migration 0019, ``search.schema``); a search that finds nothing used to
read every item (issue 16).
"""
from __future__ import annotations

import sqlalchemy as sa

from .extensions import db
from .kept import Kept
from .models import Item

ITEM_TEXT = sa.table("item_text", sa.column("rowid", sa.Integer))  # SQLite's FTS5 trigram table (migration 0019)
TRIGRAM = 3  # the shortest text a trigram index can look up
# Trigram matches from which a text is "frequent" (``frequent_text``): reading that many
# matches costs about what testing the rows a list walks to fill a page costs at 1M items.
FREQUENT = 5000


def frequent_text(text: str) -> bool:
    """Whether SQLite's trigram index holds at least ``FREQUENT`` items containing ``text``.

    A common text (``text_filter(common=True)``) is still read as the set of all its matches
    before the list's order is walked: SQLite builds that set whole, so a text in 8 % of the
    items cost 13 ms at 1M items in the count and again in the page. The index gives its
    matches one by one, so asking for the first ``FREQUENT`` stops early; a text that has
    them is tested on each row the list reads instead (``text_filter(frequent=True)``), and
    such a text fills a page within a few hundred rows. PostgreSQL's planner weighs its
    trigram indexes itself: always False there.

    The answer picks a plan, not rows — both plans list the same items (``tests/
    test_list_text_filter.py``) — so it is kept per process: asking cost 0.7 ms of every
    search's 9 ms at 100k items, and the next page of a search, or the same text under
    another filter, asks again. A text's number of matches moves slowly; a stale answer
    costs speed until the store is emptied, never a wrong list."""
    bind = db.session.get_bind()
    if len(text) < TRIGRAM or bind.dialect.name != "sqlite":
        return False

    def ask() -> bool:
        matches = sa.select(ITEM_TEXT.c.rowid).where(_match(text)).limit(FREQUENT).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(matches)) >= FREQUENT
    return _frequent.get((str(bind.url), FREQUENT, text), ask)


_frequent: Kept[bool] = Kept(1024)


def _match(text: str):
    """SQLite's trigram index asked for ``text`` as one phrase, the bound parameter
    ``f_text_phrase`` (``text_params``)."""
    return sa.text("item_text MATCH :f_text_phrase").bindparams(f_text_phrase=phrase(text))


def phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: its trigrams in a row, a substring test with ``%`` and
    ``_`` as plain characters."""
    return '"' + text.replace('"', '""') + '"'


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its ``%``, ``_`` and ``\\`` escaped."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def text_shape(text: str) -> tuple[bool, bool]:
    """All that ``text_filter``'s clause depends on besides its parameters (``text_params``):
    whether the text is long enough for a trigram index and whether it has cased letters."""
    return len(text) >= TRIGRAM, text.lower() != text.upper()


def text_params(text: str) -> dict[str, str]:
    """The values of ``text_filter``'s bound parameters, by their names."""
    return {"f_text_like": like_pattern(text), "f_text_phrase": phrase(text)}


def text_filter(text: str, common: bool = False, frequent: bool = False):
    """Items whose question or answer contains ``text``, ignoring case.

    Texts of three characters or more are looked up in a trigram index (migration 0019):
    on SQLite the FTS5 trigram table; on PostgreSQL the pg_trgm indexes, which the planner
    uses for the LIKE below. Shorter texts read the table.

    The text goes in as the bound parameters ``text_params`` names, and the clause depends
    on ``text_shape(text)`` and the flags only, so a list keeps its statement for every text
    of one shape (``list_page``; ``tests/test_list_plans.py``).

    ``common``: the text is known to match more items than a list counts. SQLite would
    still start from the matches and sort them all for one page (83k at 1M items: 200 ms);
    written ``id + 0 IN (…)`` the matches are only tested while the list's order is walked
    through its index, which reaches a page after a few hundred items.

    ``frequent`` (``frequent_text``): each row read is tested itself, without the index."""
    trigram, cased = text_shape(text)
    if trigram and not frequent and db.session.get_bind().dialect.name == "sqlite":
        matches = sa.select(ITEM_TEXT.c.rowid).where(_match(text))
        return (Item.id + 0).in_(matches) if common else Item.id.in_(matches)
    pattern = sa.bindparam("f_text_like", like_pattern(text), type_=sa.String())
    return sa.or_(_contains(Item.question, pattern, cased), _contains(Item.answer, pattern, cased))


def _contains(column, pattern, cased: bool):
    """``column`` matches the LIKE ``pattern``, ignoring case. A text with no cased letter
    (Chinese, digits) is matched with LIKE, which gives the same rows without lower-casing
    every row read: PostgreSQL's ILIKE lower-cases each UTF-8 value and SQLAlchemy's ILIKE on
    SQLite is ``lower(x) LIKE lower(y)``; a not-found search reads every item (issue 16)."""
    return column.ilike(pattern, escape="\\") if cased else column.like(pattern, escape="\\")
