"""Running a search: who may see what, the match in each database, ranking, grouping by
item and the highlighted passage.

The user's text never reaches the full-text syntax of either database: it is segmented and
reduced to words of letters and digits (``segment.query_words``), and the query is built
from those words here, so quotes, ``*``, ``:``, ``&``, ``|``, ``!``, brackets, SQL and
control characters cannot make a syntax error or change the query's meaning.
"""
from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Activity, Item, SearchEntry, Stage, User
from ..params import number
from ..queries import PHASES
from ..visibility import published_activity_ids, unit_item_ids, unit_scope, visible_items
from . import schema
from .segment import alternatives, query_words, weight
from .sources import KINDS

log = logging.getLogger("tracker.search")

PER_PAGE = 20
# Matching passages read per query, newest first, then ranked: a word matching more is
# ranked among its newest CANDIDATES only (the page says so; more words narrow it down).
CANDIDATES = 300
NEWEST_PASSAGES = 20_000  # PostgreSQL: passages looked at first (see _candidates)
AVERAGE_TERMS = 40  # words in a typical passage, for the length part of the score
HITS_PER_GROUP = 3
E = SearchEntry
FTS = sa.table(schema.FTS_TABLE, sa.column("rowid"), sa.column("rank"))


@dataclass
class SearchFilters:
    q: str = ""
    year: int | None = None
    unit_id: int | None = None
    stage: str = ""
    kind: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> SearchFilters:
        def as_int(name: str) -> int | None:
            return number((args.get(name) or "").strip())
        stage = args.get("stage", "")
        if stage not in PHASES and stage not in {s.value for s in Stage}:
            stage = ""
        kind = args.get("kind", "")
        return cls(q=(args.get("q") or "")[:1000], year=as_int("year"), unit_id=as_int("unit"), stage=stage,
                   kind=kind if kind in KINDS else "", page=max(1, min(as_int("page") or 1, 100)))

    def as_args(self, **changes) -> dict:
        values = {"q": self.q, "year": self.year, "unit": self.unit_id, "stage": self.stage, "kind": self.kind,
                  "page": self.page if self.page > 1 else None}
        values.update(changes)
        return {k: v for k, v in values.items() if v}


@dataclass
class Hit:
    kind: str
    title: str
    passage: Markup

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)


@dataclass
class Group:
    item: Item | None
    activity: Activity
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Results:
    words: list[str]
    groups: list[Group] = field(default_factory=list)
    total: int = 0
    capped: bool = False  # more passages match than were read (the newest CANDIDATES)
    window: int = 0
    has_more: bool = False
    error: str = ""


class Scope:
    """Which passages a reader may find: the same rule as the lists, or the public's."""

    def __init__(self, user: User | None = None, public: bool = False):
        self.user, self.public = user, public

    def clauses(self) -> list:
        if self.public:
            # The public rule of tracker.visibility, applied to passages (is_public).
            return [E.public.is_(True), E.activity_id.in_(published_activity_ids()),
                    sa.or_(E.item_id.is_(None), Item.published.is_(True))]
        if self.user is None or not self.user.is_authenticated:
            return [sa.false()]
        rule = visible_items(self.user).whereclause
        if rule is None:  # staff: everything, activities included
            return []
        return [E.item_id.is_not(None), rule]


def _expression(words: list[str], dialect: str) -> str:
    """The full-text query for ``words`` (all of them; the last also as a prefix, so the
    search responds while a word is being typed), built from clean words only."""
    terms = [alternatives(w) for w in words]
    if dialect == "sqlite":
        def fts(alts, star=""):
            return "(" + " OR ".join(f'"{a}"{star}' for a in alts) + ")"
        return "terms : (" + " AND ".join([fts(a) for a in terms[:-1]] + [fts(terms[-1], "*")]) + ")"

    def ts(alts, star=""):
        return "(" + " | ".join(" <-> ".join(a.split()) + star for a in alts) + ")"
    return " & ".join([ts(a) for a in terms[:-1]] + [ts(terms[-1], ":*")])


def _fts_rowids(expression: str) -> sa.Select:
    """SQLite: the ids of the passages FTS5 matches."""
    return sa.select(FTS.c.rowid).where(
        sa.literal_column(schema.FTS_TABLE).op("MATCH")(sa.bindparam("fts_query", expression)))


def _tsv_match(expression: str):
    """PostgreSQL: the GIN-indexable condition on ``search_entry``."""
    tsquery = sa.func.to_tsquery(sa.literal("simple", postgresql.REGCONFIG), sa.bindparam("ts_query", expression))
    tsv = sa.literal_column(f"search_entry.{schema.TSV_COLUMN}", postgresql.TSVECTOR)
    return tsv.op("@@")(tsquery)


def _filters(filters: SearchFilters, walk_unit: bool = False) -> list:
    """Clauses for the filters; ``walk_unit``: the unit filter is the walk itself."""
    clauses = []
    if filters.kind:
        clauses.append(E.kind == filters.kind)
    if filters.stage in PHASES:
        clauses.append(Item.stage.in_(PHASES[filters.stage]))
    elif filters.stage:
        clauses.append(Item.stage == Stage(filters.stage))
    if filters.unit_id and not walk_unit:
        clauses.append(E.item_id.in_(unit_item_ids(filters.unit_id)))
    if filters.year:
        start, end = date(filters.year, 1, 1), date(filters.year + 1, 1, 1)
        clauses.append(E.activity_id.in_(
            sa.select(Activity.id).where(Activity.meeting_date >= start, Activity.meeting_date < end)))
    return clauses


def search(filters: SearchFilters, scope: Scope) -> Results:
    words = query_words(filters.q)
    results = Results(words=words)
    if not words:
        return results
    try:
        _run(filters, scope, results)
    except sa.exc.DBAPIError:
        db.session.rollback()
        log.exception("search failed for %r", filters.q[:100])
        results.groups, results.error = [], "无法完成这次搜索，请换个说法再试。"
    return results


COLUMNS = (E.id, E.item_id, E.activity_id, E.terms)


def _candidates(words: list[str], filters: SearchFilters, scope: Scope) -> list:
    """The newest ``CANDIDATES`` passages that match, that the reader may see and that pass
    the filters, newest first. Reading them stops at ``CANDIDATES``: neither database counts
    or ranks all the matches of a common two-character word (tens of thousands at 100k items).

    Who may see what is applied inside that walk, by the cheapest indexed path: for a unit
    user (``unit_scope``) and for the unit filter, the walk goes through that unit's items
    (``unit_item_ids``, the lists' rule), newest item first, and reads each item's passages
    by the ``item_id`` index; otherwise it goes through the passages newest first."""
    dialect = db.engine.dialect.name
    expression = _expression(words, dialect)
    unit_id = unit_scope(scope.user) if scope.user is not None and not scope.public else None
    if unit_id is not None:  # a unit user: walking its unit's items is the visibility rule itself
        clauses = _filters(filters, walk_unit=filters.unit_id == unit_id)
    elif filters.unit_id:
        unit_id = filters.unit_id
        clauses = [*scope.clauses(), *_filters(filters, walk_unit=True)]
    else:
        clauses = [*scope.clauses(), *_filters(filters)]
    if unit_id is not None:
        return _unit_walk(unit_id, expression, clauses, dialect)
    if dialect == "sqlite":
        newest = _fts_rowids(expression).order_by(FTS.c.rowid.desc())
        if not clauses:  # FTS5 walks its own rowids newest first and stops
            matched = newest.limit(CANDIDATES).subquery("m")
            stmt = sa.select(*COLUMNS).select_from(matched).join(E, E.id == matched.c.rowid)
            return db.session.execute(stmt.order_by(matched.c.rowid.desc())).all()
        matched = newest.subquery("m")
        stmt = sa.select(*COLUMNS).select_from(matched).join(E, E.id == matched.c.rowid)
        order = matched.c.rowid.desc()
    else:
        stmt = sa.select(*COLUMNS).where(_tsv_match(expression))
        order = E.id.desc()
    if clauses:
        stmt = stmt.outerjoin(Item, Item.id == E.item_id).where(*clauses)
    stmt = stmt.order_by(order).limit(CANDIDATES)
    if dialect == "sqlite":
        return db.session.execute(stmt).all()
    # PostgreSQL cannot estimate how many passages a phrase of single characters (老 <-> 旧)
    # matches; guessing few, it reads every match through GIN and sorts them (40k rows for
    # a common word). So first the newest NEWEST_PASSAGES only, walked newest first
    # (``index_walk``): bounded, and it stops at CANDIDATES; all
    # passages through GIN only when fewer match there, that is when the words are rare.
    newest = db.session.scalar(sa.select(sa.func.max(E.id))) or 0
    with index_walk():
        rows = db.session.execute(stmt.where(E.id > newest - NEWEST_PASSAGES)).all()
    if len(rows) < CANDIDATES and newest > NEWEST_PASSAGES:
        rows = db.session.execute(stmt).all()
    return rows


@contextmanager
def index_walk():
    """PostgreSQL, for the statements inside: walk a b-tree index in order (no bitmap or
    sequential scan), for a LIMITed query over a bounded range whose matches the planner
    cannot estimate. ``SET LOCAL`` is undone at the end, inside the same transaction."""
    db.session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    try:
        yield
    finally:
        db.session.execute(sa.text("SET LOCAL enable_bitmapscan = on"))
        db.session.execute(sa.text("SET LOCAL enable_seqscan = on"))


def _unit_walk(unit_id: int, expression: str, clauses: list, dialect: str) -> list:
    """The unit's items newest first, each item's matching passages read by the ``item_id``
    index, until ``CANDIDATES``. The plan is forced to be that nested loop, not a scan of
    every match: PostgreSQL gets a LATERAL subquery kept apart by OFFSET 0; SQLite a CROSS
    JOIN (its planner keeps the left side as the outer loop, in the walk's order) and the
    FTS5 matches as a set to test (``+id``: not an index to drive the loop)."""
    walk = unit_item_ids(unit_id).order_by(sa.literal_column("id").desc())
    if dialect == "sqlite":
        # SQLite drops the ORDER BY of a subquery in FROM unless it has a LIMIT (-1: none).
        walk = walk.limit(-1)
    walk = walk.subquery("walk")
    if dialect == "sqlite":
        stmt = (sa.select(*COLUMNS).select_from(CrossJoin(walk, E, E.item_id == walk.c.id))
                .where(sa.literal_column("+search_entry.id").in_(_fts_rowids(expression))))
        order = []  # the CROSS JOIN keeps the walk's order; an ORDER BY would sort every match
        if clauses:
            stmt = stmt.join(Item, Item.id == walk.c.id).where(*clauses)
    else:
        passages = sa.select(*COLUMNS).where(E.item_id == walk.c.id, _tsv_match(expression))
        if clauses:
            passages = passages.join(Item, Item.id == E.item_id).where(*clauses)
        passages = passages.offset(0).lateral("passages")
        stmt = sa.select(*passages.c).select_from(walk).join(passages, sa.true())
        order = [walk.c.id.desc()]
    return db.session.execute(stmt.order_by(*order).limit(CANDIDATES)).all()


class CrossJoin(sa.sql.selectable.Join):
    """``left CROSS JOIN right ON …``: SQLite then never reorders the two."""
    inherit_cache = True


@compiles(CrossJoin)
def _cross_join(join: CrossJoin, compiler, **kw) -> str:
    kw["asfrom"] = True
    return (join.left._compiler_dispatch(compiler, **kw) + " CROSS JOIN "
            + join.right._compiler_dispatch(compiler, **kw) + " ON "
            + join.onclause._compiler_dispatch(compiler, **kw))


def score(terms: str, words: list[tuple[tuple[str, ...], float, bool]]) -> float:
    """How well a passage matches: for each query word (its alternatives, its weight, and
    whether it is the last word, matched also as the start of a longer word), its
    occurrences, saturated and divided by the passage's length like BM25, times the weight
    (rarer words count more). Computed here over the bounded candidates, the same way on
    both databases."""
    padded = f" {terms} "
    length = terms.count(" ") + 1
    total = 0.0
    for alts, weight_, prefix in words:
        end = "" if prefix else " "
        tf = sum(padded.count(f" {a}{end}") for a in alts)
        total += weight_ * tf / (tf + 1.2 * (0.25 + 0.75 * length / AVERAGE_TERMS))
    return total


def _run(filters: SearchFilters, scope: Scope, results: Results) -> None:
    """The newest matching passages, ranked here; grouping by item, counting and paging
    are done on those rows, and the page's passages are then read by id."""
    words = results.words
    rows = _candidates(words, filters, scope)
    scoring = [(alternatives(w), max(weight(w), 1.0), w == words[-1]) for w in words]
    ranked = sorted(rows, key=lambda r: (-score(r.terms, scoring), -r.id))
    results.capped, results.window = len(rows) >= CANDIDATES, CANDIDATES
    groups: dict[int, list[int]] = {}
    for row in ranked:  # best first: dict order is the ranking of each group's best passage
        groups.setdefault(row.item_id if row.item_id is not None else -row.activity_id, []).append(row.id)
    results.total = len(groups)
    keys = list(groups)[(filters.page - 1) * PER_PAGE:filters.page * PER_PAGE + 1]
    results.has_more = len(keys) > PER_PAGE
    keys = keys[:PER_PAGE]
    if not keys:
        return
    wanted = [entry_id for k in keys for entry_id in groups[k][:HITS_PER_GROUP]]
    passages = {row.id: row for row in db.session.execute(
        sa.select(E.id, E.kind, E.title, E.body).where(E.id.in_(wanted)))}
    item_ids = [k for k in keys if k > 0]
    activity_ids = [-k for k in keys if k < 0]
    items = {i.id: i for i in db.session.scalars(
        sa.select(Item).where(Item.id.in_(item_ids))
        .options(joinedload(Item.activity), joinedload(Item.lead_unit), selectinload(Item.co_units))).unique()}
    activities = {a.id: a for a in db.session.scalars(sa.select(Activity).where(Activity.id.in_(activity_ids)))}
    for k in keys:
        item = items.get(k) if k > 0 else None
        activity = item.activity if item else activities.get(-k)
        if activity is None:
            continue
        hits = [Hit(p.kind, p.title, highlight(p.body, words))
                for p in (passages[i] for i in groups[k][:HITS_PER_GROUP])]
        results.groups.append(Group(item=item, activity=activity, hits=hits))


def highlight(body: str, words: list[str], width: int = 120) -> Markup:
    """The passage around the first match, escaped, with every match in <mark>."""
    if not words:
        return escape(body[:width])
    words = [w.replace(" ", "") for w in words]
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(body)
    start = max(0, (first.start() if first else 0) - width // 4)
    snippet = body[start:start + width]
    out = [Markup("…") if start else Markup("")]
    position = 0
    for match in pattern.finditer(snippet):
        out.append(escape(snippet[position:match.start()]))
        out.append(Markup("<mark>%s</mark>") % snippet[match.start():match.end()])
        position = match.end()
    out.append(escape(snippet[position:]))
    if start + width < len(body):
        out.append(Markup("…"))
    return Markup("").join(out)
