"""Has this problem been raised before? Suggestions for a new item, the chain of linked
items (第N次提出) and the problems raised most often.

Suggestions compare the telling words of the new text (the rarer a word in jieba's
dictionary, the more it counts: ≈ IDF) with the questions already indexed, across years,
activities and units; staff then decide and link (``services.search.link_recurrence``).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Evaluation, EvaluationStatus, Item, RecurrenceLink, SearchEntry
from ..services.search import MAX_CHAIN, earlier_chain
from ..visibility import public_items
from . import schema
from .query import FTS, index_walk
from .segment import alternatives, normalize, phrases, tokenizer, weight

KEYWORDS = 8
# Questions sharing two telling words that are scored, newest first (scoring is in Python and
# cheap; ranking every match in the database is what grows with the data).
CANDIDATES = 300
MIN_SCORE = 0.3
E = SearchEntry


@dataclass
class Suggestion:
    item: Item
    score: float
    outcome: str


# Words every question uses; they say nothing about which problem it is.
STOP_WORDS = frozenset("""
关于 说明 能够 如何 何时 什么 哪些 问题 情况 工作 进一步 下一步 一步 存在 部分 解决
是否 目前 采取 措施 相关 有关 我们 你们 以及 还有 已经 可以 需要 具体 主要 加强 推进
落实 群众 反映 群众反映 强烈 突出 现象 整改 时间表 请问 多少 今年 明年 去年 年底 计划
方面 这个 那个 为什么 怎么 怎样 什么时候 多久 目标 任务 建议 意见 答复 承诺 切实 有效
进展 缓慢 较大 不足 不够 仍然 依然 还是 一些 一是 二是 三是 全区 我区 区里 政府 部门
单位 责任
""".split())


def keywords(text: str, limit: int = KEYWORDS) -> dict[str, float]:
    """The most telling words of a text (two characters or more), with their weights."""
    words = {}
    for word in phrases(tokenizer().cut(normalize(text)[:2000], HMM=False)):
        if len(word.replace(" ", "")) >= 2 and word not in STOP_WORDS and word not in words:
            words[word] = weight(word)
    best = sorted(words.items(), key=lambda kv: kv[1], reverse=True)[:limit]
    return dict(best)


PAIR_WORDS = 5  # the most telling words, of which a candidate must share two


def _pairs(words: list[str]) -> list[tuple[tuple[str, ...], ...]]:
    """Any two of the most telling words (each with its alternatives), or the one word: a
    candidate sharing only one common word is no candidate, and asking for two keeps the
    matches few enough to rank at any size."""
    terms = [alternatives(w) for w in words[:PAIR_WORDS]]
    if len(terms) == 1:
        return [(terms[0],)]
    return [(a, b) for i, a in enumerate(terms) for b in terms[i + 1:]]


def _candidates(words: list[str], exclude: set[int]) -> list[tuple[int, str]]:
    pairs = _pairs(words)
    if db.engine.dialect.name == "sqlite":
        def alts(term):
            return "(" + " OR ".join(f'"{a}"' for a in term) + ")"
        expression = "kind : question AND terms : (" + " OR ".join(
            "(" + " AND ".join(alts(t) for t in pair) + ")" for pair in pairs) + ")"
        matched = sa.select(FTS.c.rowid).where(
            sa.literal_column(schema.FTS_TABLE).op("MATCH")(sa.bindparam("fts_query", expression)))
        stmt = sa.select(E.item_id, E.terms).where(E.id.in_(matched.order_by(FTS.c.rowid.desc()).limit(CANDIDATES)))
    else:
        def alts(term):
            return "(" + " | ".join(" <-> ".join(a.split()) for a in term) + ")"
        text = " | ".join("(" + " & ".join(alts(t) for t in pair) + ")" for pair in pairs)
        return _pg_candidates(text, exclude)
    if exclude:
        stmt = stmt.where(E.item_id.not_in(exclude))
    return [(row.item_id, row.terms) for row in db.session.execute(stmt)]


NEWEST = 20_000  # questions read first, newest first, for PostgreSQL's candidates


def _pg_candidates(text: str, exclude: set[int]) -> list[tuple[int, str]]:
    """Newest questions first (``kind, source_id``: the question's item id), in two bounded
    steps, because PostgreSQL cannot estimate how many questions share two words and
    otherwise picks the wrong plan either way: among the newest ``NEWEST`` questions first,
    walked newest first through that index;
    only when the words are rarer than that finds ``CANDIDATES``, all questions through
    the GIN index, which is then cheap because the matches are few."""
    tsquery = sa.func.to_tsquery(sa.literal("simple", postgresql.REGCONFIG), sa.bindparam("ts_query", text))
    tsv = sa.literal_column(f"search_entry.{schema.TSV_COLUMN}", postgresql.TSVECTOR)
    stmt = sa.select(E.item_id, E.terms).where(E.kind == "question", tsv.op("@@")(tsquery))
    if exclude:
        stmt = stmt.where(E.source_id.not_in(exclude))
    stmt = stmt.order_by(E.source_id.desc()).limit(CANDIDATES)
    newest = db.session.scalar(sa.select(sa.func.max(E.source_id)).where(E.kind == "question")) or 0
    with index_walk():
        rows = db.session.execute(stmt.where(E.source_id > newest - NEWEST)).all()
    if len(rows) < CANDIDATES and newest > NEWEST:
        rows = db.session.execute(stmt).all()
    return [(row.item_id, row.terms) for row in rows]


def similar_items(text: str, exclude: set[int] | None = None, limit: int = 8) -> list[Suggestion]:
    """Earlier items whose question shares enough telling words with ``text``."""
    words = keywords(text)
    if not words:
        return []
    total = sum(words.values())
    scored = []
    for item_id, terms in _candidates(list(words), exclude or set()):
        padded = f" {terms} "
        score = sum(w for word, w in words.items() if any(f" {a} " in padded for a in alternatives(word))) / total
        if score >= MIN_SCORE:
            scored.append((score, item_id))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    scored = scored[:limit]
    items = load_items([item_id for _, item_id in scored])
    labels = outcomes(list(items.values()))
    return [Suggestion(items[i], s, labels[i]) for s, i in scored if i in items]


def load_items(ids: list[int]) -> dict[int, Item]:
    if not ids:
        return {}
    return {i.id: i for i in db.session.scalars(
        sa.select(Item).where(Item.id.in_(ids)).options(joinedload(Item.activity), joinedload(Item.lead_unit)))}


def outcomes(items: list[Item]) -> dict[int, str]:
    """What became of each item: its stage, and the last evaluation's result."""
    results = {}
    if items:
        rows = db.session.execute(sa.select(Evaluation.item_id, Evaluation.result).where(
            Evaluation.item_id.in_([i.id for i in items]), Evaluation.status == EvaluationStatus.CLOSED)
            .order_by(Evaluation.round))
        for item_id, result in rows:
            results[item_id] = result
    from ..tally import Grade
    labels = {}
    for item in items:
        label = item.stage.label
        if results.get(item.id):
            label += f"（测评：{Grade(results[item.id]).label}）"
        if item.round > 1:
            label += f"，第 {item.round} 轮"
        labels[item.id] = label
    return labels


@dataclass
class Chain:
    items: list[Item]  # earliest first
    position: int  # 第N次提出: this item's place in the chain (1 = first raised)
    later: list[Item]
    outcome: dict[int, str]

    @property
    def first(self) -> Item:
        return self.items[0]


def later_ids(item_id: int) -> list[int]:
    found, frontier = [], [item_id]
    while frontier and len(found) < MAX_CHAIN:
        frontier = list(db.session.scalars(sa.select(RecurrenceLink.item_id)
                                           .where(RecurrenceLink.earlier_item_id.in_(frontier))))
        frontier = [i for i in frontier if i not in found and i != item_id]
        found.extend(frontier)
    return found


def chain_for(item: Item, only_public: bool = False) -> Chain:
    back = list(reversed(earlier_chain(item.id)))  # earliest … this item
    forward = later_ids(item.id)
    loaded = load_items(back + forward)
    if only_public:
        public = set(db.session.scalars(public_items().with_only_columns(Item.id).where(Item.id.in_(list(loaded)))))
        loaded = {i: v for i, v in loaded.items() if i in public}
    items = [loaded[i] for i in back if i in loaded]
    later = [loaded[i] for i in forward if i in loaded]
    position = len(items)
    return Chain(items=items, position=position, later=later, outcome=outcomes(items + later))


REPEATED = sa.text("""
WITH RECURSIVE chain(root, item_id, depth) AS (
  SELECT l.earlier_item_id, l.item_id, 2 FROM recurrence_link l
   WHERE NOT EXISTS (SELECT 1 FROM recurrence_link p WHERE p.item_id = l.earlier_item_id)
  UNION ALL
  SELECT c.root, l.item_id, c.depth + 1 FROM recurrence_link l JOIN chain c ON l.earlier_item_id = c.item_id
   WHERE c.depth < 100
)
SELECT root, max(depth) AS times, max(item_id) AS latest FROM chain
GROUP BY root ORDER BY times DESC, root LIMIT :limit
""")


@dataclass
class Repeated:
    first: Item
    latest: Item
    times: int
    outcome: str


def repeated_problems(limit: int = 50) -> list[Repeated]:
    """Problems raised more than once, the most often first."""
    rows = db.session.execute(REPEATED, {"limit": limit}).all()
    items = load_items([r.root for r in rows] + [r.latest for r in rows])
    labels = outcomes(list(items.values()))
    return [Repeated(items[r.root], items[r.latest], r.times, labels[r.latest])
            for r in rows if r.root in items and r.latest in items]
