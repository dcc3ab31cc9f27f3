"""Every list filter, and pairs of them, timed in process: the slowest first.

The benchmark pages are a handful of lists; a clerk can combine stage, unit, year, activity,
light, 督办, 无进展, text and the dashboard's narrow filters (lead unit, basis, month) freely.
This tries each value alone and each pair of the common filters (~230 lists), renders each
in process (fastest of ``--runs``) and prints the slowest beside the unfiltered list. Issue 16
found here: one-/two-character searches, one stage, a month, a year's 办结 — lists whose
cost grew with the table although no benchmark page showed it.

Usage: ``python -m bench.filter_matrix URL [--runs 3] [--top 30]``.
"""
from __future__ import annotations

import argparse
import gc
import itertools
import time
from urllib.parse import urlencode

from .querycount import logged_in
from .seed import _sqlalchemy_url


def _values(url: str) -> dict[str, list]:
    """The values tried per filter, taken from the database: the busiest and quietest lead
    units, the first and last years, the busiest activity, a committee, a month."""
    import sqlalchemy as sa
    engine = sa.create_engine(_sqlalchemy_url(url))
    with engine.connect() as conn:
        units = list(conn.scalars(sa.text("SELECT lead_unit_id FROM item WHERE lead_unit_id IS NOT NULL "
                                          "GROUP BY lead_unit_id ORDER BY COUNT(*) DESC")))
        first, last = conn.execute(sa.text("SELECT MIN(meeting_date), MAX(meeting_date) FROM activity")).one()
        activity = conn.scalar(sa.text("SELECT activity_id FROM item GROUP BY activity_id ORDER BY COUNT(*) DESC "
                                       "LIMIT 1"))
        committee = conn.scalar(sa.text("SELECT lead_committee_id FROM activity WHERE lead_committee_id IS NOT NULL "
                                        "LIMIT 1"))
    engine.dispose()
    years = [int(str(last)[:4]), int(str(first)[:4])]
    return {
        "stage": ["问", "答", "改", "评", "办结", "asked", "answered", "assigned", "rectifying", "reported", "accepted",
                  "evaluating", "closed", "withdrawn"],
        "unit": [units[0], units[-1]], "year": years, "activity": [activity],
        "light": ["red", "yellow", "green"], "overdue": ["1"], "supervised": ["1"], "silent": ["1"],
        "q": ["养老", "造工", "噪音", "老旧小区", "无此词语", "a", "养"],
        "lead": [units[0]], "committee": [committee] if committee else [],
        "basis": ["assigned", "closed", "closed_on_time", "due", "evaluated", "satisfied", "rerectified", "verdicted",
                  "terminated"],
        "assigned_in": [f"{years[0]}-03"], "closed_in": [f"{years[0]}-03"], "page": ["2", "20"],
    }


PAIRED = ("stage", "unit", "year", "light", "q", "overdue", "silent", "supervised", "basis", "lead")


def combinations(values: dict[str, list]) -> list[dict]:
    combos: list[dict] = [{}]
    combos += [{name: value} for name, options in values.items() for value in options]
    for a, b in itertools.combinations(PAIRED, 2):
        combos += [{a: va, b: vb} for va in values[a][:3] for vb in values[b][:3]]
    year, lead = values["year"][0], values["lead"][0]
    combos += [{"year": year, "lead": lead, "basis": basis} for basis in values["basis"]]
    return combos


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    from tracker import create_app
    from tracker.config import Config
    app = create_app(type("C", (Config,), {"SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(args.url),
                                           "ENV_NAME": "bench"}))
    client = logged_in(app, "staff")
    gc.collect()
    gc.freeze()
    results = []
    for combo in combinations(_values(args.url)):
        path = "/items?" + urlencode(combo) if combo else "/items"
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        results.append((min(times), path))
    base = results[0][0]
    print(f"{len(results)} lists; /items {base:.1f} ms (fastest of {args.runs})")
    for ms, path in sorted(results, reverse=True)[:args.top]:
        print(f"{ms:8.1f} ms {ms / base:5.1f}x  {path}")


if __name__ == "__main__":
    main()
