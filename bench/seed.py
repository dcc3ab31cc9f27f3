"""Realistic bulk data for benchmarks and load tests.

Rows are built as tuples with explicit ids and written by ``bench.bulkload`` (SQLite
``executemany``, PostgreSQL ``COPY``): the ORM and the operations layer would take hours
at 100k items, and SQLAlchemy Core's per-row parameter processing alone made 1M items take
a quarter of an hour. Proportions follow
how a district actually works: ~20 items per activity, old activities mostly 办结,
recent ones spread over every stage, ~3 progress entries and ~8 history rows per item,
~30 % with a 满意度测评 (5 reviewers online, or meeting tallies), ~15 % in round 2+.
Open online evaluations are capped (a 常委会 votes on a handful at a time), so the
reviewer's page stays realistic at every size. One item gets a long timeline
(≥ 300 history rows) for the item-page benchmark.

What one item's rows look like lives in ``bench.seed_rows``; this module walks the
activities, writes in batches and builds the database.

Usage: ``python -m bench.seed --items 10000 --url sqlite:////tmp/bench.db``
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Role, Unit, UnitKind, User

from .bulkload import BulkWriter, check_columns
from .seed_rows import (
    COLUMNS,
    CST,
    ORDER,
    TABLES,
    TODAY,
    TOPICS,
    Ctx,
    add_item,
    at,
    history,
    long_tail,
    new_item,
)

BATCH = 50000  # audit rows per write: big enough that per-statement costs vanish
HISTORY_DAYS = 20 * 365  # the oldest meeting at most ~20 years back (up to ~15k items: every 10 days)
KINDS = ["inquiry", "report_review", "law_inspection", "audit"]


def _context() -> Ctx:
    from tracker.services.settings import get_rule, get_setting
    from tracker.tally import rule_to_dict

    for name, table in TABLES.items():
        check_columns(table, COLUMNS[name])
    users = db.session.scalars(sa.select(User)).all()
    staff = next(u for u in users if u.role is Role.STAFF)
    organs = db.session.scalars(sa.select(Unit.id).where(Unit.kind != UnitKind.COMMITTEE)
                                .order_by(Unit.sort_order)).all()
    unit_users = {u.unit_id: (u.id, u.display_name) for u in users if u.role is Role.UNIT}
    rule = get_rule(get_setting("default_rule_key"))
    long_unit = next((u.unit_id for u in users if u.username == "unit_edu"), None) or organs[0]
    ctx = Ctx(staff.id, staff.display_name, list(organs), unit_users,
              sorted(u.id for u in users if u.role is Role.REVIEWER), rule.key,
              json.dumps(rule_to_dict(rule)), long_unit, BulkWriter(db.session.connection()))
    for name, table in TABLES.items():
        if "id" in table.c:
            ctx.ids[name] = itertools.count((db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1)
        ctx.rows[name], ctx.counts[name] = [], 0
    return ctx


def _flush(ctx: Ctx, force: bool = False) -> None:
    if not force and len(ctx.rows["audit_entry"]) < BATCH:
        return
    for name in ORDER:
        ctx.writer.write(name, COLUMNS[name], ctx.rows[name])
        ctx.counts[name] += len(ctx.rows[name])
        ctx.rows[name] = []


def seed_items(n_items: int, *, rng_seed: int = 7, open_evaluations: int = 30, long_timeline: int = 300,
               progress: Callable[[str], None] | None = None, bulk: bool = False) -> dict:
    """Add ``n_items`` items (and their history) to the current app's database, which
    must already hold the demo units and accounts. Returns row counts and the ids the
    benchmarks use. Commits. ``bulk``: a fresh database nobody else uses, loaded with
    its indexes rebuilt afterwards (``BulkWriter.tuned``)."""
    rng = random.Random(rng_seed)
    ctx = _context()
    with ctx.writer.tuned(ORDER, bulk=bulk):
        long_item = _seed_activities(ctx, rng, n_items, open_evaluations, long_timeline, progress)
    _fix_sequences()
    from tracker.services.versioned import FAMILIES
    for family in FAMILIES:  # rows went in behind the ORM's back: what the nodes keep is stale
        family.bump()
    db.session.commit()
    return {"items": n_items, "seconds": round(time.perf_counter() - ctx.started, 1), "rows": dict(ctx.counts),
            "long_item_id": long_item["id"] if long_item else None}


def _seed_activities(ctx: Ctx, rng: random.Random, n_items: int, open_evaluations: int, long_timeline: int,
                     progress: Callable[[str], None] | None) -> dict | None:
    """The activities with their items, oldest first; returns the long-timeline item."""
    open_budget = [open_evaluations]
    n_activities = max(1, round(n_items / 20))
    long_item = None
    made = 0
    for a in range(n_activities):
        # Oldest first; one 常委会 meeting about every 10 days backwards from today, closer
        # together beyond HISTORY_DAYS (1M items at 10 days apart went back 1,370 years:
        # 1,370 options in the year filter of every list page).
        age_days = round((n_activities - a) * min(10.0, HISTORY_DAYS / n_activities))
        meeting = TODAY - timedelta(days=age_days)
        recent = age_days <= 400
        activity_id = ctx.new_id("activity")
        topic = rng.choice(TOPICS)
        ctx.add("activity", {
            "id": activity_id, "kind": rng.choice(KINDS), "title": f"关于{topic}情况的专题询问",
            "meeting_session": a + 1, "meeting_date": meeting, "report_title": f"区人民政府关于{topic}情况的报告",
            "target_organ": "区人民政府", "lead_committee_id": None, "evaluation_rule_key": ctx.rule_key,
            "published": False, "published_at": None, "created_at": at(meeting), "created_by_id": ctx.staff_id,
            "version": 1})
        count = _activity_size(rng, n_items, n_activities, a, made)
        for seq in range(1, count + 1):
            item, topic = new_item(ctx, rng, activity_id, seq, meeting, recent, open_budget)
            if long_item is None and a == n_activities - 1:
                long_item = item
                item.update(stage="rectifying", round=3, lead_unit_id=ctx.long_unit_id,
                            asked_unit_id=ctx.long_unit_id, deadline=TODAY + timedelta(days=30),
                            original_deadline=TODAY, assigned_at=at(meeting), acknowledged_at=at(meeting),
                            closed_at=None, closed_on_time=None, respondent_name="王局长", answer="认真落实。",
                            urgency=0, last_activity_on=(at(meeting) + CST).date())
                history(ctx, rng, item, topic, meeting, open_budget, extra_progress=long_timeline // 2)
                long_tail(ctx, item, long_timeline)
            else:
                history(ctx, rng, item, topic, meeting, open_budget)
            add_item(ctx, item)
            made += 1
        _flush(ctx)
        if progress and a % 2000 == 0:
            progress(f"  {made}/{n_items} items, {time.perf_counter() - ctx.started:.1f}s")
    _flush(ctx, force=True)
    return long_item


def _activity_size(rng: random.Random, n_items: int, n_activities: int, a: int, made: int) -> int:
    """Items of activity ``a``: ~20 give or take 8, steered towards an even share so the
    total lands on ``n_items`` with every activity non-empty. (Independent 12–28 draws
    drift by ~√n: at 1M the items ran out 8 activities early — the newest meetings empty,
    no long-timeline item — and at 10k the last activity took 224.)"""
    left_after = n_activities - a - 1
    if left_after == 0:
        return n_items - made
    steered = round(n_items * (a + 1) / n_activities) - made + rng.randint(-8, 8)
    return max(1, min(steered, n_items - made - left_after))


def _progress(line: str) -> None:
    print(line, flush=True)  # a 1M seed runs for minutes, often with its output in a pipe


def _fix_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the new rows."""
    if db.engine.dialect.name != "postgresql":
        return
    for name, table in TABLES.items():
        if "id" in table.c:
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 1))"))


def migrate_to_head(url: str) -> None:
    """An already seeded database brought to the current schema (``bench.run.seeded`` reuses
    databases across runs): a migration added since (an index, a function's properties) is
    measured instead of the schema the database was seeded with."""
    from flask_migrate import upgrade

    with _bench_app(url).app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()


MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def _bench_app(url: str):
    """The app on ``url`` as the bench runs it (production configuration, the bench's name)."""
    from tracker import create_app
    from tracker.config import Config

    return create_app(type("SeedConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(url),
                                                      "ENV_NAME": "bench"}))


def create_database(url: str, n_items: int, *, progress: Callable[[str], None] | None = _progress,
                    **kwargs) -> dict:
    """A fresh migrated database at ``url`` with the demo accounts and ``n_items`` items."""
    from flask_migrate import upgrade

    from tracker.database import after_bulk_load
    from tracker.demo import load_demo

    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    with _bench_app(url).app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade(directory=MIGRATIONS)
        load_demo()  # production-strength password hashes: no rehash on the benchmark's logins
        db.session.commit()
        result = seed_items(n_items, progress=progress, bulk=True, **kwargs)
        db.session.commit()
        started = time.perf_counter()
        # Planner statistics, as `flask db upgrade` leaves them, and on PostgreSQL the VACUUM its
        # autovacuum would run after such a load (it is off on some servers, this one included).
        after_bulk_load(db.engine)
        result["analyze_seconds"] = round(time.perf_counter() - started, 1)
        db.engine.dispose()
    return result


def _sqlalchemy_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--url", default="sqlite:////tmp/tracker-bench.db")
    args = parser.parse_args()
    result = create_database(args.url, args.items)
    print(result)


if __name__ == "__main__":
    main()
