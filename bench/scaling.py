"""Does a page cost the same at 1M items as at 10k? (issue 16: at most 1.3 times, measured.)

Runs ``bench.inproc`` (fastest of ``--runs`` in-process renders per page) on a small and a
big database, alternating them ``--rounds`` times so both sizes see the same machine load,
keeps each page's fastest time per size, and prints the ratio big/small with OK or MISS
against ``--limit``. Each measurement is its own process: no cache or connection pool
carries over from one database to the other. Writes ``bench/results/scaling-<db>.md``.

Usage: ``python -m bench.scaling SMALL_URL BIG_URL [--pages ...] [--runs 20] [--rounds 2]``
(both databases seeded by ``bench.seed``; e.g. ``sqlite:///bench/data/bench-10000.db``).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from .seed import _sqlalchemy_url

RESULTS = Path(__file__).resolve().parent / "results"
PAGES = "item,item_typical,list_all,list,list_unit,list_overdue,my,dashboard,evaluations,activity"


def _loadavg() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


def _items(url: str) -> int:
    engine = sa.create_engine(_sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT COUNT(*) FROM item"))
    finally:
        engine.dispose()


def inproc(url: str, pages: str, runs: int) -> dict:
    """One ``bench.inproc`` run in a fresh process; its per-page figures."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, "-m", "bench.inproc", url, "--pages", pages, "--runs", str(runs),
                        "--json", out.name], check=True, stdout=subprocess.DEVNULL)
        return json.loads(Path(out.name).read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("small")
    parser.add_argument("big")
    parser.add_argument("--pages", default=PAGES)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--limit", type=float, default=1.3)
    args = parser.parse_args()
    sizes = {"small": _items(args.small), "big": _items(args.big)}
    kind = "pg" if args.big.startswith("postgres") else "sqlite"
    started = _loadavg()
    best: dict[str, dict[str, float]] = {"small": {}, "big": {}}
    paths: dict[str, str] = {}
    loads = []
    for round_no in range(args.rounds):
        for which in ("small", "big") if round_no % 2 == 0 else ("big", "small"):
            figures = inproc(getattr(args, which), args.pages, args.runs)
            loads.append(figures["loadavg"][0])
            for name, page in figures["pages"].items():
                best[which][name] = min(best[which].get(name, float("inf")), page["min_ms"])
                paths.setdefault(name, page["path"])
            print(f"  round {round_no + 1} {which:5s} ({sizes[which]} items) done, load {_loadavg()}")
    lines = [f"## {datetime.now():%Y-%m-%d %H:%M} {kind}: {sizes['small']:,} → {sizes['big']:,} items",
             "", f"Fastest of {args.runs} in-process renders × {args.rounds} alternating rounds per size; "
             f"load average {started} at start, {_loadavg()} at end (1-min load during runs "
             f"{min(loads):.2f}–{max(loads):.2f}). Limit: big ≤ {args.limit} × small.", "",
             f"| page | {sizes['small']:,} items ms | {sizes['big']:,} items ms | ratio | verdict |",
             "|---|---:|---:|---:|---|"]
    for name in args.pages.split(","):
        small, big = best["small"].get(name), best["big"].get(name)
        if small is None or big is None:
            continue
        ratio = big / small
        lines.append(f"| {name} | {small:.1f} | {big:.1f} | {ratio:.2f} | {'OK' if ratio <= args.limit else 'MISS'} |")
    report = "\n".join(lines) + "\n"
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / f"scaling-{kind}.md").open("a", encoding="utf-8") as out:
        out.write("\n" + report)


if __name__ == "__main__":
    main()
