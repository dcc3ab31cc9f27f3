"""Search figures at N items (issue 15), on SQLite and/or PostgreSQL.

Builds a database with ``bench.seed`` (items with their progress posts and reports), then
measures: the jieba start-up cost, ``reindex`` time, index size per 10k items, the first
page of a 2- and a 4-character query (p50/p95, in-process through the Flask test client
as staff and as a unit user, fragment rendered), the extra time the index adds to saving
an item and a progress post, and similar-item suggestions. The machine's load average is
printed with the figures: the machine is shared, and the numbers move with it.

Usage: ``python -m bench.search_bench --items 100000 [--sqlite] [--pg postgresql://postgres@127.0.0.1/x]``,
or ``python -m bench.search_bench --url URL [--no-reindex]`` to measure a copy of a database seeded
before (``bench.seed``; the bench adds a few items to it).
Results are appended to ``bench/results/search.md``.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from tracker.extensions import db

TWO = ["医疗", "资金", "河道", "养老", "社区"]
FOUR = ["食品安全", "老旧小区", "营商环境", "农村饮水", "大气污染"]
SIMILAR = ["关于基层医疗卫生服务，群众反映强烈的问题何时能够解决？", "老旧小区改造资金使用效益不高的问题如何整改？",
           "请说明河道综合治理相关承诺的落实时间表。", "营商环境优化工作中存在哪些突出问题？",
           "农村饮水安全问题下一步有何具体措施？", "养老服务体系建设资金缺口如何解决？"]
RESULTS = Path(__file__).resolve().parent / "results" / "search.md"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def _client(app, username: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'"X-CSRFToken": "([^"]+)"', page)
    response = client.post("/login", data={"username": username, "password": "demo-password",
                                           "csrf_token": token.group(1)})
    assert response.status_code == 303, response.status_code
    return client


CPU: dict[str, list[float]] = {}  # this process's CPU time per request, by label (load-independent)


def _timed_queries(client, words: list[str], rounds: int, label: str = "") -> tuple[list[float], int]:
    times, found = [], 0
    for _ in range(rounds):
        for word in words:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get("/search", query_string={"q": word}, headers={"HX-Request": "true"})
            times.append((time.perf_counter() - started) * 1000)
            CPU.setdefault(label, []).append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200
            found += response.get_data(as_text=True).count("<mark>") > 0
    return times, found


def _save_overhead(app, rounds: int) -> dict[str, float]:
    """Median time to add an item (and a progress post) with the index hook, and without it."""
    from flask_sqlalchemy.session import Session
    from sqlalchemy import event

    from tracker.models import Activity, EntryKind, Item, Origin, Stage, User
    from tracker.search import index
    from tracker.services import items as ops

    def run() -> tuple[float, float]:
        item_times, post_times = [], []
        with app.test_request_context():
            staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
            unit_user = db.session.scalar(sa.select(User).where(User.username == "unit_edu"))
            activity = db.session.scalar(sa.select(Activity).order_by(Activity.id.desc()).limit(1))
            target = db.session.scalar(sa.select(Item).where(Item.stage == Stage.RECTIFYING,
                                                             Item.lead_unit_id == unit_user.unit_id).limit(1))
            for n in range(rounds):
                started = time.perf_counter()
                ops.add_item(activity, ops.ItemData(origin=Origin.QUESTION, question=f"{SIMILAR[n % 6]}（{n}）",
                                                    answer="已制定整改方案，年底前完成。"), staff)
                db.session.commit()
                item_times.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                ops.post_progress(target, EntryKind.PROGRESS, f"召开专题推进会，协调解决资金和用地问题。第{n}次", [],
                                  unit_user)
                db.session.commit()
                post_times.append((time.perf_counter() - started) * 1000)
        return statistics.median(item_times), statistics.median(post_times)

    run()  # warm up
    with_index = run()
    for name, fn in (("before_flush", index.before_flush), ("after_flush", index.after_flush)):
        event.remove(Session, name, fn)
    try:
        without = run()
    finally:
        index.install()
    return {"item_with": with_index[0], "item_without": without[0], "post_with": with_index[1],
            "post_without": without[1]}


def _index_size(app, url: str) -> int:
    """Bytes of ``search_entry`` with its indexes: PostgreSQL's total relation size (TOAST and
    the GIN index included); on SQLite the pages of search_entry, its indexes and the FTS5
    tables, read from ``dbstat``."""
    with app.app_context():
        if url.startswith("postgresql"):
            return db.session.scalar(sa.text("SELECT pg_total_relation_size('search_entry')"))
        names = [r[0] for r in db.session.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'search_entry' OR name LIKE 'search_fts%'"))]
        marks = ", ".join(f":n{i}" for i in range(len(names)))
        return db.session.scalar(sa.text(f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({marks})"),
                                 {f"n{i}": n for i, n in enumerate(names)}) or 0


def measure(url: str, items: int, rounds: int, seed: bool = True, rebuild: bool = True) -> dict:
    from bench.seed import _sqlalchemy_url, create_database
    from tracker import create_app
    from tracker.config import Config
    from tracker.models import Item, SearchEntry
    from tracker.search import segment
    from tracker.search.index import reindex
    from tracker.search.recurrence import similar_items

    out = {"url": url.split("@")[-1], "items": items, "load_start": load()}
    started = time.perf_counter()
    if seed:
        create_database(url, items, progress=None)
    out["seed_s"] = time.perf_counter() - started
    config = type("BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(url), "ENV_NAME": "bench"})
    app = create_app(config)
    sqlite = url.startswith("sqlite")
    with app.app_context():
        if not seed:
            items = out["items"] = db.session.scalar(sa.select(sa.func.count()).select_from(Item))
        started = time.perf_counter()
        segment.refresh_user_words()
        out["jieba_init_s"] = segment.init_seconds
        if rebuild:
            reindex(workers=min(2, os.cpu_count() or 1))
            db.session.commit()
        out["reindex_s"] = time.perf_counter() - started if rebuild else float("nan")
        out["entries"] = db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry))
        if not sqlite:
            db.session.execute(sa.text("ANALYZE search_entry"))
            db.session.commit()
    out["index_mb_per_10k"] = _index_size(app, url) / 1024 / 1024 * 10_000 / items
    out["load_after_reindex"] = load()
    for role in ("staff", "unit_edu"):
        client = _client(app, role)
        _timed_queries(client, TWO[:1], 1)  # warm
        for label, words in (("2char", TWO), ("4char", FOUR)):
            times, found = _timed_queries(client, words, rounds, f"{role}_{label}")
            out[f"{role}_{label}_p50"], out[f"{role}_{label}_p95"] = pct(times, 50), pct(times, 95)
            out[f"{role}_{label}_cpu50"] = pct(CPU[f"{role}_{label}"], 50)
            out[f"{role}_{label}_found"] = f"{found}/{len(times)}"
        # The request's own floor (login session, page render) with a word found nowhere.
        times, _ = _timed_queries(client, ["qzxjv"], rounds * 5)
        out[f"{role}_none_p50"], out[f"{role}_none_p95"] = pct(times, 50), pct(times, 95)
    with app.test_request_context():
        similar_items(SIMILAR[0])
        times = []
        for _ in range(rounds):
            for text in SIMILAR:
                started = time.perf_counter()
                similar_items(text)
                times.append((time.perf_counter() - started) * 1000)
        out["similar_p50"], out["similar_p95"] = pct(times, 50), pct(times, 95)
    out.update(_save_overhead(app, max(10, rounds * 4)))
    out["load_end"] = load()
    with app.app_context():
        db.engine.dispose()
    return out


def report(results: list[dict]) -> str:
    lines = [f"## Search bench, {datetime.now():%Y-%m-%d %H:%M}, {results[0]['items']:,} items", "",
             "| database | seed s | jieba init s | reindex s (entries) | index MB / 10k items | "
             "2-char p50/p95 ms (staff) | 4-char p50/p95 ms (staff) | 2-char p95 (unit) | 4-char p95 (unit) | "
             "no-match p50/p95 (staff; the request's floor) | CPU ms p50 staff 2/4-char, unit 2/4-char | "
             "similar p50/p95 ms | item save ms with/without index | progress post ms with/without | load avg |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(
            f"| {'SQLite' if 'sqlite' in r['url'] else 'PostgreSQL'} | {r['seed_s']:.0f} | {r['jieba_init_s']:.2f} | "
            f"{r['reindex_s']:.1f} ({r['entries']:,}) | {r['index_mb_per_10k']:.1f} | "
            f"{r['staff_2char_p50']:.1f}/{r['staff_2char_p95']:.1f} | "
            f"{r['staff_4char_p50']:.1f}/{r['staff_4char_p95']:.1f} | "
            f"{r['unit_edu_2char_p95']:.1f} | {r['unit_edu_4char_p95']:.1f} | "
            f"{r['staff_none_p50']:.1f}/{r['staff_none_p95']:.1f} | "
            f"{r['staff_2char_cpu50']:.1f}/{r['staff_4char_cpu50']:.1f}, "
            f"{r['unit_edu_2char_cpu50']:.1f}/{r['unit_edu_4char_cpu50']:.1f} | "
            f"{r['similar_p50']:.1f}/{r['similar_p95']:.1f} | {r['item_with']:.1f}/{r['item_without']:.1f} | "
            f"{r['post_with']:.1f}/{r['post_without']:.1f} | {r['load_start']} → {r['load_end']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--pg", default="", help="URL of a PostgreSQL database to create and drop")
    parser.add_argument("--url", default="", help="measure this already seeded database (no seed; it gets "
                        "a few bench items) instead")
    parser.add_argument("--no-reindex", action="store_true", help="with --url: keep its index as it is")
    args = parser.parse_args()
    results = []
    if args.url:
        results.append(measure(args.url, 0, args.rounds, seed=False, rebuild=not args.no_reindex))
        print(results[-1], flush=True)
    if args.sqlite:
        with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
            results.append(measure(f"sqlite:///{Path(tmp) / 'bench.db'}", args.items, args.rounds))
            print(results[-1], flush=True)
    if args.pg:
        from scripts.testdb import create_database, drop_database, sibling
        name = f"search_bench_{os.getpid()}"
        admin, url = sibling(args.pg, name)
        create_database(admin, name)
        try:
            results.append(measure(url, args.items, args.rounds))
            print(results[-1], flush=True)
        finally:
            drop_database(admin, name)
    text = report(results)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write("\n" + text)


if __name__ == "__main__":
    main()
