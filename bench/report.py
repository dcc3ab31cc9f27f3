"""The markdown table of a benchmark run, with the targets checked against it.

Targets (issue 16): at the largest size, every list (台账 filtered and not, by unit,
overdue, 我的事项) p95 ≤ 25 ms at one client and ≥ 0.8 × the realistic floor's throughput;
the item page (330-entry history) and the dashboard p95 ≤ 30 ms; a page's cost (p50) at the
largest size ≤ 1.3 × its cost at the 10k size (or the smallest measured); query counts
equal at every size. Each page is compared with both floors: the true floor (raw SQL, a
precompiled bare template) and the realistic floor (login, full layout, 50 ORM rows).

The realistic floor is measured at the start of each size and again beside each page, in
turns with it (``run.measure_beside``: six rounds of a floor burst and a page burst): the
machines here change speed by a third within minutes, so the throughput target and the
growth target are checked against the floor beside the page — throughput ÷ the floor's
throughput, and the growth of (page p50 ÷ floor p50) — with the plain figures printed next
to them.
"""
from __future__ import annotations

LABELS = {"floor": "floor (raw SQL, 50 rows)", "floor_real": "realistic floor (login, layout, 50 ORM rows)",
          "list": "事项台账 (stage + unit)", "list_all": "事项台账 (no filter)", "list_unit": "事项台账 (unit)",
          "list_overdue": "事项台账 (overdue)", "list_year_activity": "事项台账 (year + activity + stage)",
          "list_light": "事项台账 (red light)", "list_search2": "事项台账 search, 2 characters (found)",
          "list_search4": "事项台账 search, 4 characters (found)",
          "list_search_none": "事项台账 search, 4 characters, not found",
          "list_search2_none": "事项台账 search, 2 characters, not found",
          "list_year_closed": "事项台账 (year + 办结: a dashboard link)", "list_month": "事项台账 (办结 in a month)",
          "my": "我的事项",
          "item": "item page (long timeline)",
          "item_typical": "item page (typical)", "evaluations": "满意度测评", "activity": "activity page",
          "dashboard": "dashboard"}
LISTS = ("list", "list_all", "list_unit", "list_overdue", "list_year_activity", "list_light", "list_search2",
         "list_search4", "list_search_none", "list_search2_none", "list_year_closed", "list_month", "my")
LIST_P95_MS = 25.0
PAGE_P95_MS = {"item": 30.0, "dashboard": 30.0}
REAL_FLOOR_TPUT = 0.8
GROWTH = 1.3


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "–"


def _load(run: dict, when: str) -> str:
    value = run["machine"].get(f"loadavg_at_{when}")
    return "/".join(f"{v:.1f}" for v in value) if value else "?"


def write_report(run: dict) -> str:
    conc = f"c{run['concurrency']}"
    lines = [f"# Benchmark {run['started']} (database: {run['database']})", "",
             f"gunicorn {run['gunicorn_workers']} sync workers, load client on the same machine "
             f"({run['machine']['cpus']} CPUs, Python {run['machine']['python']}, SQLite {run['machine']['sqlite']}; "
             f"CPU yardstick: 10M-addition Python loop {run['machine'].get('python_loop_s', '?')} s).",
             f"Load average of the machine (other jobs included) at start {_load(run, 'start')}, at end "
             f"{_load(run, 'end')}; the 1-minute load while each page ran, and the CPU yardstick taken right after it "
             "(seconds, scaled to 10M additions: higher is a slower machine at that moment), are the last two "
             "columns. Numbers from a busy or slowed machine are pessimistic.",
             "Latency at 1 client; throughput at 1 and "
             f"{run['concurrency']} clients. Ratios (at {run['concurrency']} clients): page req/s ÷ true floor req/s, "
             "÷ realistic floor req/s (measured at the start of the size), and ÷ the realistic floor measured in "
             "turns with the page, six rounds each (\"beside\").", "",
             f"| items | page | queries | p50 ms | p95 ms | p99 ms | req/s (1) | req/s ({run['concurrency']}) "
             "| tput × floor | tput × real floor | tput × floor beside | HTML KB | load | CPU s |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in run["sizes"]:
        floor = size["pages"]["floor"]
        real = size["pages"].get("floor_real", floor)
        for name, page in size["pages"].items():
            one, many = page["one_client"], page[conc]
            queries = page["queries"] if page["queries"] is not None else "–"
            load = f"{page['loadavg'][0]:.1f}" if page.get("loadavg") else "?"
            cpu = f"{page['python_loop_s']:.2f}" if page.get("python_loop_s") else "?"
            lines.append(
                f"| {size['items']:,} | {LABELS.get(name, name)} | {queries}"
                f" | {one['p50_ms']:.1f} | {one['p95_ms']:.1f} | {one['p99_ms']:.1f} | {one['req_per_s']:.1f}"
                f" | {many['req_per_s']:.1f} | {_ratio(many['req_per_s'], floor[conc]['req_per_s'])}"
                f" | {_ratio(many['req_per_s'], real[conc]['req_per_s'])}"
                f" | {_ratio(many['req_per_s'], _beside(page, real)[conc]['req_per_s'])} | {one.get('html_kb', '?')}"
                f" | {load} | {cpu} |")
    lines += ["", "## Seed", "", "| items | seconds | rows |", "|---:|---:|---|"]
    for size in run["sizes"]:
        rows = ", ".join(f"{k} {v:,}" for k, v in size["seed"]["rows"].items())
        lines.append(f"| {size['items']:,} | {size['seed']['seconds']} | {rows} |")
    lines += ["", "## Targets", ""] + [f"- {line}" for line in check_targets(run)]
    return "\n".join(lines) + "\n"


def _beside(page: dict, start: dict) -> dict:
    """The realistic floor measured beside ``page``, in turns with it (older runs: the one at the start)."""
    return page.get("floor_beside") or start


def _ok(good: bool) -> str:
    return "OK  " if good else "MISS"


def check_targets(run: dict) -> list[str]:
    conc = f"c{run['concurrency']}"
    sizes = {s["items"]: s["pages"] for s in run["sizes"]}
    out = []
    names = sorted({n for pages in sizes.values() for n in pages})
    for name in names:
        counts = {n: pages[name]["queries"] for n, pages in sizes.items() if name in pages}
        if not name.startswith("floor"):
            same = len(set(counts.values())) == 1
            out.append(f"{'OK  ' if same else 'FAIL'} queries of {name} per size: {counts}")
    biggest = max(sizes)
    big = sizes[biggest]
    start = big.get("floor_real", big["floor"])
    for name in LISTS:
        if name not in big:
            continue
        p95 = big[name]["one_client"]["p95_ms"]
        out.append(f"{_ok(p95 <= LIST_P95_MS)} p95 of {name} at {biggest:,}: {p95:.1f} ms (target ≤ {LIST_P95_MS:.0f})")
        tput = big[name][conc]["req_per_s"]
        beside = _beside(big[name], start)[conc]["req_per_s"]
        ratio = tput / beside if beside else 0
        out.append(f"{_ok(ratio >= REAL_FLOOR_TPUT)} throughput of {name} at {biggest:,}: {ratio:.2f} × realistic "
                   f"floor beside it (target ≥ {REAL_FLOOR_TPUT}; × the floor at the start of the size: "
                   f"{tput / start[conc]['req_per_s']:.2f})")
    for name in names:
        kb = big[name]["one_client"].get("html_kb") if name in big else None
        if kb is not None and not name.startswith("floor"):
            out.append(f"{_ok(kb <= 100)} HTML of {name} at {biggest:,}: {kb:.0f} KB (target ≤ 100)")
    for name, target in PAGE_P95_MS.items():
        if name in big:
            p95 = big[name]["one_client"]["p95_ms"]
            out.append(f"{_ok(p95 <= target)} p95 of {name} at {biggest:,}: {p95:.1f} ms (target ≤ {target:.0f})")
    base = 10_000 if 10_000 in sizes and biggest > 10_000 else min(sizes)
    if biggest != base:
        small = sizes[base]
        small_start = small.get("floor_real", small["floor"])
        for name in names:
            if name in small and name in big and not name.startswith("floor"):
                raw = big[name]["one_client"]["p50_ms"] / small[name]["one_client"]["p50_ms"]
                growth = (big[name]["one_client"]["p50_ms"] / _beside(big[name], start)["one_client"]["p50_ms"]) / (
                    small[name]["one_client"]["p50_ms"] / _beside(small[name], small_start)["one_client"]["p50_ms"])
                out.append(f"{_ok(growth <= GROWTH)} cost of {name} at {biggest:,} vs {base:,}: "
                           f"{growth:.2f} × in realistic floors measured beside it (target ≤ {GROWTH}; "
                           f"p50 alone {raw:.2f} ×)")
    return out
