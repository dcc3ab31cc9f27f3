"""The lists' text filter (``?q=``): items whose question or answer contains a text.

A substring test, not the word search of ``/search`` (issue 15): what a clerk types is
found wherever it stands, Chinese or not. No text reads every item to find its matches:

- three characters or more are looked up in a trigram index (migration 0019: SQLite's
  FTS5 trigram table, PostgreSQL's pg_trgm indexes);
- two characters — most Chinese words — in a bigram index (migration 0024): on PostgreSQL
  GIN indexes of each text's two-character pieces (``item_bigrams``); on SQLite the
  trigram table's terms that begin with the text, and an index of each text's last two
  characters, where no trigram begins with them. A two-character search that found little
  read every item: 45–130 ms at 100k items, ten times that at 1M (issue 16);
- one character (migration 0027) in PostgreSQL's GIN indexes of each text's characters
  (``item_chars``); on SQLite the trigram terms that begin with it, and indexes of each
  text's last two characters;
- one or two characters with a cased letter outside ASCII (whose case the indexes and LIKE
  fold differently) are tested on each row read.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from .extensions import db
from .kept import Kept
from .models import Item

ITEM_TEXT = sa.table("item_text", sa.column("rowid", sa.Integer))  # SQLite's FTS5 trigram table (migration 0019)
# Its terms (the trigrams), one row each: an fts5vocab table (migration 0024).
ITEM_TEXT_TERMS = sa.table("item_text_terms", sa.column("term", sa.String))
TRIGRAM, BIGRAM = 3, 2  # the lengths the indexes look up
BYTE_SEARCH = {"sqlite": "instr", "postgresql": "strpos"}  # a text's position in another, 0 if absent
# How a text is looked up (``lookup``).
TRIGRAMS, BIGRAMS, CHARS, SCAN = "trigrams", "bigrams", "chars", "scan"
SHORT = (BIGRAMS, CHARS)  # looked up by what begins with them (SQLite), in the pieces of each text (PostgreSQL)
LAST_CHAR = "\U0010ffff"
# Trigram matches from which a text is "frequent" (``frequent_text``): reading that many
# matches costs about what testing the rows a list walks to fill a page costs at 1M items.
FREQUENT = 5000


def lookup(text: str) -> str:
    """How ``text`` is found: ``TRIGRAMS``, ``BIGRAMS``, ``CHARS`` or ``SCAN`` (every row
    read tested).

    A one- or two-character text with a cased letter outside ASCII is scanned: SQLite's FTS5
    folds such a letter's case and SQLite's LIKE does not, so the lookup could find rows the
    LIKE test would not (a three-character one already does: unchanged here)."""
    if len(text) >= TRIGRAM:
        return TRIGRAMS
    if not text or not all(c.isascii() or c.lower() == c.upper() for c in text):
        return SCAN
    return BIGRAMS if len(text) == BIGRAM else CHARS


def frequent_text(text: str) -> bool:
    """Whether at least ``FREQUENT`` items contain ``text``, as an index tells.

    A common text (``text_filter(common=True)``) is still read as the set of all its matches
    before the list's order is walked: SQLite builds that set whole, so a text in 8 % of the
    items cost 13 ms at 1M items in the count and again in the page. The index gives its
    matches one by one, so asking for the first ``FREQUENT`` stops early; a text that has
    them is tested on each row the list reads instead (``text_filter(frequent=True)``), and
    such a text fills a page within a few hundred rows. On PostgreSQL a text of three
    characters or more is asked too, through its trigram indexes: its rows' LIKE is the test
    those indexes answer, so a rare text keeps it, and the planner picks the index; a
    frequent one is tested with ``strpos`` instead (``_contains``), and a statement without a
    LIKE pattern — whose estimate moved with each text — gets one generic plan: a 4-character
    text in 10 % of 100k items was planned on every request (0.56 ms) and tested with LIKE
    on ~1,600 rows (count and page). Its bigram and character indexes answer a function of
    the text, which a row read would have to compute: shorter texts are asked as well.

    The answer picks a plan, not rows — both plans list the same items (``tests/
    test_list_text_filter.py``) — so it is kept per process: asking cost 0.7 ms of every
    search's 9 ms at 100k items, and the next page of a search, or the same text under
    another filter, asks again. A text's number of matches moves slowly; a stale answer
    costs speed until the store is emptied, never a wrong list."""
    bind = db.session.get_bind()
    kind, dialect = lookup(text), bind.dialect.name
    if kind == SCAN or dialect not in ("sqlite", "postgresql"):
        return False

    def ask() -> bool:
        matches = _indexed_matches(kind, dialect, text_params(text)).limit(FREQUENT).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(matches)) >= FREQUENT
    return _frequent.get((str(bind.url), FREQUENT, text), ask)


_frequent: Kept[bool] = Kept(1024)
# The items a two-character text is looked up in, apart from the list's own row (``_indexed_matches``).
_TEXT_MATCH = sa.orm.aliased(Item, name="text_match")


def probe_phrase(text: str) -> str:
    """The FTS5 query whose first matches a frequent text's count reads on SQLite
    (``probe_matches``): the text's own phrase, or for one or two characters the phrase
    OR'ed with the trigram terms beginning with it (``prefix_phrase``). Those terms are
    read from the vocabulary, which reads each term's rows (0.3–0.8 ms at 100k items, ten
    times that at 1M), so they are kept per process: the probe finds a lower bound of the
    count, and a term added since only lowers it — the full count then runs, never a wrong
    number."""
    if lookup(text) == TRIGRAMS:
        return phrase(text)

    def ask() -> str:
        return db.session.scalar(sa.select(prefix_phrase(
            sa.literal(phrase(text), sa.String), sa.literal(text, sa.String))))
    return _probe.get((str(db.session.get_bind().url), text), ask)


_probe: Kept[str] = Kept(1024)


def probe_matches() -> sa.Subquery:
    """The first ``probe_limit`` rows of SQLite's trigram table matching ``f_text_probe``
    (``probe_phrase``; both bound parameters), read in the table's order and stopping there —
    FTS5 gives a phrase's matches one by one, so a text in 8 % of 100k items yields its first
    800 in 0.2 ms where testing rows until 201 matched read ~2,500 of them (1.3 ms)."""
    probe = _fts_matches(sa.bindparam("f_text_probe", type_=sa.String()))
    return probe.with_only_columns(ITEM_TEXT.c.rowid.label("id")).limit(
        sa.bindparam("probe_limit", type_=sa.Integer())).subquery("probe")


def _fts_matches(query) -> sa.Select:
    """The rowids of SQLite's trigram table (migration 0019) matching the FTS5 ``query``."""
    return sa.select(ITEM_TEXT.c.rowid).where(sa.literal_column("item_text").op("MATCH")(query))


def phrase(text: str) -> str:
    """``text`` as one FTS5 phrase: its trigrams in a row, a substring test with ``%`` and
    ``_`` as plain characters."""
    return '"' + text.replace('"', '""') + '"'


def prefix_phrase(phrase_param, text_param):
    """An FTS5 query of SQLite's trigram table for the rows where the one or two characters
    of ``text_param`` begin a trigram: its own phrase (``phrase_param``; too short to hold a
    trigram it matches nothing, and stands alone when no term does) OR'ed with each of the
    table's terms that begin with them (folded as the tokenizer folds ASCII; ``lookup``
    leaves other cased letters out). A text's last two characters begin no trigram:
    ``_indexed_matches`` finds those rows.

    Written in SQL, so the terms are read by the statement that uses them: asked from Python
    first, they made one statement more for a text found in fewer than ``FREQUENT`` items —
    a page's number of statements then depended on the data (issue 16). (The vocabulary
    reads each term's rows to count them: a common character costs that once per process,
    in ``frequent_text``, and is then tested row by row.)"""
    folded = sa.func.lower(text_param)
    term = ITEM_TEXT_TERMS.c.term
    quoted = sa.literal_column("' OR \"'", sa.String) + sa.func.replace(term, '"', '""', type_=sa.String) \
        + sa.literal_column("'\"'", sa.String)
    terms = sa.select(sa.func.group_concat(quoted, sa.literal_column("''"))).where(
        term >= folded, term <= folded + LAST_CHAR,
        sa.func.substr(term, 1, sa.func.length(folded)) == folded).scalar_subquery()
    return phrase_param + sa.func.coalesce(terms, sa.literal_column("''"))


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its ``%``, ``_`` and ``\\`` escaped."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def text_shape(text: str) -> tuple[str, bool]:
    """All that ``text_filter``'s clause depends on besides its parameters (``text_params``):
    how the text is looked up and whether it has cased letters."""
    return lookup(text), text.lower() != text.upper()


def text_params(text: str) -> dict[str, str]:
    """The values of ``text_filter``'s bound parameters, by their names: computed from the
    text alone, without asking the database (``prefix_phrase``)."""
    return {"f_text_like": like_pattern(text), "f_text_phrase": phrase(text), "f_text_gram": text}


def looked_up(kind: str, dialect: str) -> bool:
    """Whether a text of ``kind`` (``lookup``) is found through an index on ``dialect``
    unless it is frequent — then how often it is found picks the statement (``common``,
    ``frequent``). Otherwise each row read is tested (PostgreSQL's trigram indexes answer
    the LIKE itself): one statement whatever the text."""
    return kind in SHORT and dialect in ("sqlite", "postgresql") or kind == TRIGRAMS and dialect == "sqlite"


def text_filter(text: str, params: dict | None = None, common: bool = False, frequent: bool = False):
    """Items whose question or answer contains ``text``, ignoring the case of ASCII letters.

    Texts are looked up in an index (``lookup``, ``_indexed_matches``) unless ``frequent``
    or cased outside ASCII: those are tested on each row read with LIKE.

    The text goes in as the bound parameters ``text_params`` names — ``params`` holds their
    values or ``sa.bindparam`` objects (``queries.apply_filters``); without it they are
    made here (``_param``) — and the
    clause depends on ``text_shape(text)`` and the flags only, so a list keeps its statement
    for every text of one shape (``list_page``; ``tests/test_list_plans.py``).

    ``common``: the text is known to match more items than a list counts. SQLite would
    still start from the matches and sort them all for one page (83k at 1M items: 200 ms);
    written ``id + 0 IN (…)`` the matches are only tested while the list's order is walked
    through its index, which reaches a page after a few hundred items.

    ``frequent`` (``frequent_text``): each row read is tested itself, without the index."""
    params = params if params is not None else text_params(text)
    kind, cased = text_shape(text)
    dialect = db.session.get_bind().dialect.name
    if not frequent and looked_up(kind, dialect):
        matches = _indexed_matches(kind, dialect, params)
        if dialect == "postgresql":
            return _fenced(matches, common)
        return (Item.id + 0).in_(matches) if common else Item.id.in_(matches)
    pattern, text = _param(params, "f_text_like"), _param(params, "f_text_gram")
    # PostgreSQL's trigram indexes answer LIKE: a longer text that is not frequent keeps it
    # for the planner to weigh.
    search = BYTE_SEARCH.get(dialect) if dialect == "sqlite" or kind != TRIGRAMS or frequent else None
    return sa.or_(*(_contains(column, text, pattern, cased, search) for column in (Item.question, Item.answer)))


def _indexed_matches(kind: str, dialect: str, params: dict) -> sa.Select | sa.CompoundSelect:
    """The ids of the items containing the text, from the indexes (``text_filter``).

    Three characters or more on PostgreSQL (asked by ``frequent_text`` only): ILIKE, which
    its trigram indexes answer. A two- or one-character text on PostgreSQL: the items whose texts' pieces
    (``item_bigrams``, ``item_chars``; lower-cased) hold it lower-cased — exactly ILIKE's
    answer, and LIKE's for a text with no cased letter. On SQLite: the FTS5 rows where it
    begins a trigram (``prefix_phrase``) and the items where it is among the last two
    characters of the question or the answer, each through its index (two characters: the
    last two, ``ix_item_*_tail``; one: the first of the last two by range, or the last,
    ``ix_item_*_last``; ``lower`` folds ASCII as LIKE does). The subqueries read another
    alias of ``item``: the list's own row is not theirs."""
    text, other = _param(params, "f_text_gram"), _TEXT_MATCH
    folded = sa.func.lower(text)
    if dialect == "postgresql" and kind == TRIGRAMS:  # pg_trgm answers the LIKE (``frequent_text`` asks it)
        pattern = _param(params, "f_text_like")
        return sa.select(other.id).where(sa.or_(other.question.ilike(pattern, escape="\\"),
                                                other.answer.ilike(pattern, escape="\\")))
    if dialect == "postgresql":
        gram = postgresql.array([folded])
        return sa.select(other.id).where(sa.or_(_pieces(kind, other.question).contains(gram),
                                                _pieces(kind, other.answer).contains(gram)))
    query = _param(params, "f_text_phrase")
    match = _fts_matches(prefix_phrase(query, text) if kind in SHORT else query)
    if kind == TRIGRAMS:
        return match
    if kind == BIGRAMS:
        ends = [_tail(column) == folded for column in (other.question, other.answer)]
    else:
        ends = [clause for column in (other.question, other.answer) for clause in (
            sa.and_(_tail(column) >= folded, _tail(column) <= folded + LAST_CHAR), _last(column) == folded)]
    return sa.union_all(match, *(sa.select(other.id).where(end) for end in ends))


def _fenced(matches: sa.Select, common: bool):
    """PostgreSQL's bigram or character matches, read through their indexes only and before
    the list's rows.

    Those indexes answer a function of each text: a plan that tests rows against it
    computes it on every row read (2.3 s at 100k items for a text found nowhere, where
    PostgreSQL merged ``id IN (…)`` into a nested loop over the list's order). Neither
    form here can be merged: ``id = ANY(ARRAY(…))`` reads the matches once and then their
    rows by primary key (the count, and a page of a text found in fewer items than a list
    counts); for a ``common`` text, ``(id + 0 IN (…)) IS TRUE`` hashes them once and tests
    each row the list's order walks against the hash."""
    if common:
        return (Item.id + 0).in_(matches).self_group().is_(sa.true())
    return Item.id == sa.any_(sa.func.array(matches.scalar_subquery()))


def _param(params: dict, name: str):
    """``params[name]`` as the bound parameter of that name (it may be one already)."""
    value = params[name]
    return value if isinstance(value, sa.BindParameter) else sa.bindparam(name, value, type_=sa.String())


def _pieces(kind: str, column):
    """``item_bigrams(column)`` or ``item_chars(column)``: the text's distinct two-character
    pieces, or characters, lower-cased — the expressions PostgreSQL's GIN indexes hold
    (migrations 0024 and 0027)."""
    function = sa.func.item_bigrams if kind == BIGRAMS else sa.func.item_chars
    return function(column, type_=postgresql.ARRAY(sa.Text()))


def _tail(column):
    """The text's last two characters, lower-cased as SQLite's ``lower`` does (ASCII only) —
    written as SQLite's tail indexes are (migration 0024), the ``-2`` a literal, not a parameter."""
    return sa.func.lower(sa.func.substr(column, sa.literal_column("-2")))


def _last(column):
    """The text's last character, lower-cased, as SQLite's last-character indexes hold it (0027)."""
    return sa.func.lower(sa.func.substr(column, sa.literal_column("-1")))


def _contains(column, text, pattern, cased: bool, search: str | None):
    """``column`` holds ``text`` (matches the LIKE ``pattern``), ignoring case, tested on the
    row. A text with no cased letter (Chinese, digits) needs no case folding: where no index
    answers the test it is a byte search (``search``, the function's name) — SQLite's ``instr``, PostgreSQL's
    ``strpos`` — 30–40 % cheaper per row than LIKE's character-by-character match (a
    frequent text's count read ~2,500 rows at 100k items: SQLite 1.49 -> 0.88 ms,
    PostgreSQL 1.90 -> 1.21 ms); otherwise LIKE, which PostgreSQL's trigram indexes answer
    (ILIKE lower-cases each UTF-8 value; SQLAlchemy's ILIKE on SQLite is
    ``lower(x) LIKE lower(y)``). A cased text is matched with ILIKE (issue 16)."""
    if cased:
        return column.ilike(pattern, escape="\\")
    if search:
        return getattr(sa.func, search)(column, text) > 0
    return column.like(pattern, escape="\\")
