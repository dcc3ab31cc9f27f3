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
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Activity, Item, SearchEntry, Stage, User
from ..params import number
from ..queries import PHASES
from ..visibility import published_activity_ids, unit_item_ids, visible_items
from . import schema
from .segment import alternatives, query_words
from .sources import KINDS

log = logging.getLogger("tracker.search")

PER_PAGE = 20
CANDIDATES = 2000  # best-ranked passages read per query; more only lowers the tail
WINDOW = 5000  # a word matching more passages is ranked among its newest WINDOW only
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
    capped: bool = False
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


def _match(words: list[str], dialect: str, floor: int | None = None):
    """(join target or None, where clause, score column: lower is better). ``floor``: only
    passages with an id from there on (the newest ones, see ``WINDOW``)."""
    terms = [alternatives(w) for w in words]
    if dialect == "sqlite":
        def fts(alts, star=""):
            return "(" + " OR ".join(f'"{a}"{star}' for a in alts) + ")"
        expression = "terms : (" + " AND ".join([fts(a) for a in terms[:-1]] + [fts(terms[-1], "*")]) + ")"
        matched = sa.select(FTS.c.rowid, FTS.c.rank).where(
            sa.literal_column(schema.FTS_TABLE).op("MATCH")(sa.bindparam("fts_query", expression)))
        if floor is not None:
            matched = matched.where(FTS.c.rowid >= floor)
        matched = matched.subquery("m")
        return matched, E.id == matched.c.rowid, matched.c.rank

    def ts(alts, star=""):
        return "(" + " | ".join(" <-> ".join(a.split()) + star for a in alts) + ")"
    text = " & ".join([ts(a) for a in terms[:-1]] + [ts(terms[-1], ":*")])
    tsquery = sa.func.to_tsquery(sa.literal("simple", postgresql.REGCONFIG), sa.bindparam("ts_query", text))
    tsv = sa.literal_column(f"search_entry.{schema.TSV_COLUMN}", postgresql.TSVECTOR)
    clause = tsv.op("@@")(tsquery)
    if floor is not None:
        clause = sa.and_(clause, E.id >= floor)
    return None, clause, -sa.func.ts_rank(tsv, tsquery)


def _filters(filters: SearchFilters) -> list:
    clauses = []
    if filters.kind:
        clauses.append(E.kind == filters.kind)
    if filters.stage in PHASES:
        clauses.append(Item.stage.in_(PHASES[filters.stage]))
    elif filters.stage:
        clauses.append(Item.stage == Stage(filters.stage))
    if filters.unit_id:
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


def _matching(columns: list, words: list[str], filters: SearchFilters, scope: Scope, floor: int | None = None):
    """Passages that match, that the reader may see and that pass the filters."""
    join, matches, score = _match(words, db.engine.dialect.name, floor)
    stmt = sa.select(*columns, score.label("score")).select_from(E)
    stmt = stmt.join(join, matches) if join is not None else stmt.where(matches)
    stmt = stmt.outerjoin(Item, Item.id == E.item_id).where(*scope.clauses(), *_filters(filters))
    return stmt, score


def _floor(words: list[str], filters: SearchFilters, scope: Scope) -> int | None:
    """The id from which the newest ``WINDOW`` matching passages start, or None when
    fewer match. Ranking every passage of a very common word costs time in proportion to
    its matches; both databases find the newest matches without ranking them."""
    join, matches, _ = _match(words, db.engine.dialect.name)
    if join is not None and not scope.clauses() and not _filters(filters):
        # Unrestricted (staff, no filter): FTS5 walks its own rowids newest first and stops.
        newest = sa.select(join.c.rowid).select_from(join).order_by(join.c.rowid.desc())
        return db.session.scalar(newest.offset(WINDOW - 1).limit(1))
    stmt = sa.select(E.id).select_from(E)
    stmt = stmt.join(join, matches) if join is not None else stmt.where(matches)
    stmt = stmt.outerjoin(Item, Item.id == E.item_id).where(*scope.clauses(), *_filters(filters))
    return db.session.scalar(stmt.order_by(E.id.desc()).offset(WINDOW - 1).limit(1))


def _run(filters: SearchFilters, scope: Scope, results: Results) -> None:
    """One ranked query for the best passages; grouping by item, counting and paging are
    done on those rows, and the page's passages are then read by id."""
    words = results.words
    floor = _floor(words, filters, scope)
    stmt, score = _matching([E.id, E.item_id, E.activity_id], words, filters, scope, floor)
    rows = db.session.execute(stmt.order_by(score, E.id).limit(CANDIDATES)).all()
    results.capped = floor is not None or len(rows) >= CANDIDATES
    groups: dict[int, list[int]] = {}
    for row in rows:  # best first: dict order is the ranking of each group's best passage
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
