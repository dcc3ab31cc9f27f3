"""The markdown table of a benchmark run, with the targets checked against it.

Targets (from the issue): at 100k items, p95 ≤ 50 ms at one client for the list,
我的事项 and the item page; list throughput ≥ 0.5 × the floor's; a page's cost at 100k
≤ 1.5 × its cost at 1k (cost = p50 at one client); query counts equal at every size.
"""
from __future__ import annotations

LABELS = {"floor": "floor (raw SQL, 50 rows)", "list": "事项台账 (filtered)", "list_all": "事项台账 (no filter)",
          "my": "我的事项", "item": "item page (long timeline)", "item_typical": "item page (typical)",
          "evaluations": "满意度测评", "activity": "activity page", "dashboard": "dashboard"}
P95_TARGET_MS = 50.0


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "–"


def _load(run: dict, when: str) -> str:
    value = run["machine"].get(f"loadavg_at_{when}")
    return "/".join(f"{v:.1f}" for v in value) if value else "?"


def write_report(run: dict) -> str:
    conc = f"c{run['concurrency']}"
    lines = [f"# Benchmark {run['started']} ({run['database']})", "",
             f"gunicorn {run['gunicorn_workers']} sync workers, load client on the same machine "
             f"({run['machine']['cpus']} CPUs, Python {run['machine']['python']}, SQLite {run['machine']['sqlite']}).",
             f"Load average of the machine (other jobs included) at start {_load(run, 'start')}, at end "
             f"{_load(run, 'end')}: numbers from a busy machine are pessimistic.",
             "Latency at 1 client; throughput at 1 and "
             f"{run['concurrency']} clients. Ratios: cost = page p50 ÷ floor p50, tput = page req/s ÷ floor req/s "
             f"(both at {run['concurrency']} clients).", "",
             f"| items | page | queries | p50 ms | p95 ms | p99 ms | req/s (1) | req/s ({run['concurrency']}) "
             "| cost × floor | tput × floor |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in run["sizes"]:
        floor = size["pages"]["floor"]
        for name, page in size["pages"].items():
            one, many = page["one_client"], page[conc]
            queries = page["queries"] if page["queries"] is not None else "–"
            lines.append(
                f"| {size['items']:,} | {LABELS.get(name, name)} | {queries}"
                f" | {one['p50_ms']:.1f} | {one['p95_ms']:.1f} | {one['p99_ms']:.1f} | {one['req_per_s']:.1f}"
                f" | {many['req_per_s']:.1f} | {_ratio(one['p50_ms'], floor['one_client']['p50_ms'])}"
                f" | {_ratio(many['req_per_s'], floor[conc]['req_per_s'])} |")
    lines += ["", "## Seed", "", "| items | seconds | rows |", "|---:|---:|---|"]
    for size in run["sizes"]:
        rows = ", ".join(f"{k} {v:,}" for k, v in size["seed"]["rows"].items())
        lines.append(f"| {size['items']:,} | {size['seed']['seconds']} | {rows} |")
    lines += ["", "## Targets", ""] + [f"- {line}" for line in check_targets(run)]
    return "\n".join(lines) + "\n"


def check_targets(run: dict) -> list[str]:
    conc = f"c{run['concurrency']}"
    sizes = {s["items"]: s["pages"] for s in run["sizes"]}
    out = []
    names = sorted({n for pages in sizes.values() for n in pages})
    for name in names:
        counts = {n: pages[name]["queries"] for n, pages in sizes.items() if name in pages}
        if name != "floor":
            same = len(set(counts.values())) == 1
            out.append(f"{'OK ' if same else 'FAIL'} queries of {name} per size: {counts}")
    biggest, smallest = max(sizes), min(sizes)
    for name in ("list", "my", "item"):
        p95 = sizes[biggest][name]["one_client"]["p95_ms"]
        out.append(f"{'OK ' if p95 <= P95_TARGET_MS else 'MISS'} p95 of {name} at {biggest:,}: {p95:.1f} ms "
                   f"(target ≤ {P95_TARGET_MS:.0f})")
    big = sizes[biggest]
    ratio = big["list"][conc]["req_per_s"] / big["floor"][conc]["req_per_s"]
    out.append(f"{'OK ' if ratio >= 0.5 else 'MISS'} list throughput at {biggest:,}: {ratio:.2f} × floor "
               "(target ≥ 0.5)")
    if biggest != smallest:
        for name in names:
            if name in sizes[smallest] and name in big:
                growth = big[name]["one_client"]["p50_ms"] / sizes[smallest][name]["one_client"]["p50_ms"]
                out.append(f"{'OK ' if growth <= 1.5 else 'MISS'} cost of {name} at {biggest:,} vs {smallest:,}: "
                           f"{growth:.2f} × (target ≤ 1.5)")
    return out
