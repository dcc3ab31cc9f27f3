"""The database's share of each page, measured so that a busy machine distorts it least.

For each page of ``make bench`` (``run.pages_for``), one GET through the Flask test client
records the page's SQL statements with their parameters; each statement is then run again
``--repeat`` times on a raw connection and its fastest run kept. The minimum of several
runs is the figure least moved by other processes on a shared 2-core machine (latencies
under load grow with the load; a minimum mostly does not). Prints and appends a markdown
table: per page, the number of statements, the summed minimum SQL time, and the slowest
statement.

Usage: ``python -m bench.sqlcost URL [--label before] [--pages dashboard] [--each]``
(``--each`` prints every statement's minimum too)
(the database must have been seeded by ``bench.seed``/``make bench``).
"""
from __future__ import annotations

import argparse
import os
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from .querycount import logged_in
from .run import pages_for
from .seed import _sqlalchemy_url

RESULTS = Path(__file__).resolve().parent / "results" / "sqlcost.md"


def _long_item(url: str) -> int:
    """The item with the longest timeline. ``bench.seed`` gives it to the first item of the
    newest activity with items, so only that activity's items are counted (a GROUP BY over
    every history row takes tens of seconds at 1M items)."""
    engine = sa.create_engine(_sqlalchemy_url(url))
    with engine.connect() as conn:
        found = conn.scalar(sa.text(
            "SELECT item_id FROM audit_entry WHERE item_id IN "
            "(SELECT id FROM item WHERE activity_id = (SELECT MAX(activity_id) FROM item)) "
            "GROUP BY item_id ORDER BY COUNT(*) DESC, item_id LIMIT 1"))
    engine.dispose()
    return found


def measure(url: str, repeat: int, only: set[str] | None = None, each: bool = False) -> dict[str, dict]:
    from tracker import create_app
    from tracker.config import Config
    from tracker.extensions import db

    app = create_app(type("C", (Config,), {"SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(url), "ENV_NAME": "bench"}))
    pages = pages_for(url, {"long_item_id": _long_item(url)})
    with app.app_context():
        engine = db.engine
    clients, out = {}, {}
    for name, (user, path) in pages.items():
        if name.startswith("floor") or (only and name not in only):
            continue
        if user not in clients:
            clients[user] = logged_in(app, user)
        clients[user].get(path)  # warm caches
        captured: list[tuple[str, object]] = []

        def capture(_conn, _cursor, statement, params, _context, _many, captured=captured):
            captured.append((statement, params))
        sa.event.listen(engine, "before_cursor_execute", capture)
        try:
            status = clients[user].get(path).status_code
        finally:
            sa.event.remove(engine, "before_cursor_execute", capture)
        raw = engine.raw_connection()
        times = []
        try:
            for statement, params in captured:
                if statement.split(None, 1)[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
                    continue
                best = float("inf")
                for _ in range(repeat):
                    cursor = raw.cursor()
                    started = time.perf_counter()
                    cursor.execute(statement, params)
                    if cursor.description is not None:
                        cursor.fetchall()
                    best = min(best, (time.perf_counter() - started) * 1000)
                    cursor.close()
                times.append((best, " ".join(statement.split())[:90]))
            raw.rollback()
        finally:
            raw.close()
        if each:
            for best, text in times:
                print(f"    {best:8.2f} ms  {text}")
        slowest = max(times, default=(0.0, ""))
        out[name] = {"status": status, "statements": len(times), "sql_ms": round(sum(t for t, _ in times), 2),
                     "slowest_ms": round(slowest[0], 2), "slowest": slowest[1]}
        print(f"  {name:<13} {status} {len(times):>3} statements  {sum(t for t, _ in times):7.2f} ms  "
              f"slowest {slowest[0]:6.2f} ms  {slowest[1][:60]}")
    with app.app_context():
        db.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--label", default="")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--each", action="store_true", help="also print every statement's minimum")
    args = parser.parse_args()
    load = "/".join(f"{v:.1f}" for v in os.getloadavg())
    kind = "PostgreSQL" if args.url.startswith("postgres") else "SQLite"
    print(f"{kind} {args.label} load {load}")
    result = measure(args.url, args.repeat, set(filter(None, args.pages.split(","))), args.each)
    lines = [f"## {datetime.now():%Y-%m-%d %H:%M} {kind} {args.label} (load {load} → "
             f"{'/'.join(f'{v:.1f}' for v in os.getloadavg())}, min of {args.repeat} runs)", "",
             "| page | statements | SQL ms (sum of minima) | slowest statement ms | slowest statement |",
             "|---|---:|---:|---:|---|"]
    for name, r in result.items():
        lines.append(f"| {name} | {r['statements']} | {r['sql_ms']:.2f} | {r['slowest_ms']:.2f} | `{r['slowest']}` |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
