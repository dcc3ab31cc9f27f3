"""Before/after table of two ``make bench`` runs (``bench/results/*.json``), page by page.

Usage: ``python -m bench.compare BEFORE.json AFTER.json [--size 100000]``. Prints markdown:
p50/p95 at one client, req/s at the run's concurrency, the page's throughput as a share of
each run's own realistic floor (the fair way to compare runs made under different machine
load), and the 1-minute load average while each page ran.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from .report import LABELS


def _pages(path: str, size: int | None) -> tuple[dict, dict]:
    run = json.loads(Path(path).read_text())
    sizes = {s["items"]: s["pages"] for s in run["sizes"]}
    return run, sizes[size or max(sizes)]


def _real_share(pages: dict, name: str, conc: str) -> str:
    real = pages.get("floor_real")
    if not real or name not in pages:
        return "–"
    return f"{pages[name][conc]['req_per_s'] / real[conc]['req_per_s']:.2f}"


def compare(before: str, after: str, size: int | None = None) -> str:
    run_b, pb = _pages(before, size)
    run_a, pa = _pages(after, size)
    conc = f"c{run_a['concurrency']}"
    lines = [f"database: {run_a['database']}; before {run_b['started']}, after {run_a['started']}", "",
             "| page | p50 ms before → after | p95 ms before → after | req/s (4) before → after "
             "| × realistic floor before → after | load before / after |",
             "|---|---|---|---|---|---|"]
    for name in pa:
        b, a = pb.get(name), pa[name]

        def cell(key, page):
            return f"{page['one_client'][key]:.1f}" if page else "–"
        load = "/".join(f"{p['loadavg'][0]:.1f}" if p and p.get("loadavg") else "?" for p in (b, a))
        lines.append(f"| {LABELS.get(name, name)} | {cell('p50_ms', b)} → {cell('p50_ms', a)} "
                     f"| {cell('p95_ms', b)} → {cell('p95_ms', a)} "
                     f"| {b[conc]['req_per_s'] if b else '–'} → {a[conc]['req_per_s']} "
                     f"| {_real_share(pb, name, conc)} → {_real_share(pa, name, conc)} | {load} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--size", type=int)
    args = parser.parse_args()
    print(compare(args.before, args.after, args.size))


if __name__ == "__main__":
    main()
