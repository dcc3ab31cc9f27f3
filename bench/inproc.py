"""In-process page timing and profiling through the Flask test client.

On a shared machine gunicorn latencies swing with the load; the fastest of many
in-process renders of one page is the steadier figure for "what does this page cost in
Python", and ``--profile`` shows where that time goes (cProfile, sorted by own time).

Usage: ``python -m bench.inproc URL [--pages item,list_all,my,dashboard,dashboard_cold,dashboard_new_day,…] [--runs 30]
[--profile item] [--interleave] [--json FILE]``. Prints ``uptime`` with the numbers: they mean nothing
without it. ``--json`` also writes the figures for ``bench.scaling``.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import os
import pstats
import statistics
import time
from datetime import timedelta
from functools import partial

from .querycount import logged_in
from .run import pages_for
from .seed import _sqlalchemy_url
from .sqlcost import _long_item


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _busiest_unit(url: str) -> int:
    """The lead unit with the most items: its change costs the dashboard the most."""
    import sqlalchemy as sa
    engine = sa.create_engine(_sqlalchemy_url(url))
    with engine.connect() as conn:
        unit = conn.scalar(sa.text("SELECT lead_unit_id FROM item WHERE lead_unit_id IS NOT NULL "
                                   "GROUP BY lead_unit_id ORDER BY COUNT(*) DESC LIMIT 1"))
    engine.dispose()
    return unit


def _busiest_activity_units(url: str) -> set[int]:
    """The lead units of this year's activity with the most items: the parts an activity's
    move to another year or committee renews (``services.versioned.Partitions``)."""
    import sqlalchemy as sa

    from tracker.models import local_today
    today = local_today()
    engine = sa.create_engine(_sqlalchemy_url(url))
    with engine.connect() as conn:
        activity = conn.scalar(sa.text(
            "SELECT item.activity_id FROM item JOIN activity ON activity.id = item.activity_id "
            "WHERE activity.meeting_date >= :start AND activity.meeting_date < :end "
            "GROUP BY item.activity_id ORDER BY COUNT(*) DESC LIMIT 1"),
            {"start": today.replace(month=1, day=1), "end": today.replace(year=today.year + 1, month=1, day=1)})
        units = set(conn.scalars(sa.text("SELECT DISTINCT lead_unit_id FROM item WHERE activity_id = :a"),
                                 {"a": activity}))
    engine.dispose()
    return units


def _next_day():
    """Each call moves the dashboard's today on by a day (from tomorrow)."""
    from tracker.dashboard import routes
    days = itertools.count(1)
    real = routes.local_today

    def advance():
        routes.local_today = partial(lambda n: real() + timedelta(days=n), next(days))
    return advance


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--pages", default="item,item_typical,list_all,list,list_unit,my,dashboard")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", default="")
    parser.add_argument("--profile-match", default="",
                        help="with --profile: only functions whose file matches this (e.g. 'tracker|templates')")
    parser.add_argument("--interleave", action="store_true", help="request the pages in turns, one each per round")
    parser.add_argument("--json", default="", help="write {page: {min_ms, median_ms, kb, path}} here")
    args = parser.parse_args()

    from tracker import create_app
    from tracker.config import Config

    app = create_app(type("C", (Config,), {"SQLALCHEMY_DATABASE_URI": _sqlalchemy_url(args.url),
                                           "ENV_NAME": "bench"}))
    if "floor_real" in args.pages.split(","):  # the realistic floor the list pages are held to
        from .floor import floor_bp
        app.register_blueprint(floor_bp)
    pages = pages_for(args.url, {"long_item_id": _long_item(args.url)})
    # The dashboard as the first view after a change computes it (``dashboard.scope.kept_parts``):
    # after an activity's change every kept figure is dropped before each request; after a
    # change to one unit's items, that unit's (the busiest's) kept figures.
    # After an activity's move to another year or committee, the lead units of its items.
    # On a new day (each run the next day: the lights change, no row does).
    pages["dashboard_cold"] = pages["dashboard_one_unit"] = pages["dashboard_activity"] = pages["dashboard"]
    pages["dashboard_new_day"] = pages["dashboard"]
    from tracker.services.versioned import FIGURES

    def forget_units(units):
        store = app.extensions.get(FIGURES.key, {})
        for key in [k for k in store if k[1] in units]:
            del store[key]
    wanted = args.pages.split(",")
    forget = {"dashboard_cold": lambda: app.extensions.pop(FIGURES.key, None)}
    if "dashboard_one_unit" in wanted:
        forget["dashboard_one_unit"] = partial(forget_units, {_busiest_unit(args.url)})
    if "dashboard_activity" in wanted:
        forget["dashboard_activity"] = partial(forget_units, _busiest_activity_units(args.url))
    if "dashboard_new_day" in wanted:
        forget["dashboard_new_day"] = _next_day()
    clients: dict = {}
    gc.collect()
    gc.freeze()  # as in production (gunicorn.conf.py): no full collections of the app's objects
    print(load())
    figures = {}
    names = args.pages.split(",")
    sizes, times, cpu = {}, {name: [] for name in names}, {name: [] for name in names}

    def get(name):
        user, path = pages[name]
        if user not in clients:
            clients[user] = logged_in(app, user)
        forget.get(name, lambda: None)()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = clients[user].get(path)
        times[name].append((time.perf_counter() - started) * 1000)
        cpu[name].append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        sizes[name] = len(response.get_data())

    for name in names:  # warm: the first view fills the caches a page keeps
        get(name)
        times[name].clear()
        cpu[name].clear()
    # --interleave: every page once per round, so a machine slowed for a while slows all alike
    turns = [n for _ in range(args.runs) for n in names] if args.interleave else \
        [n for n in names for _ in range(args.runs)]
    for name in turns:
        get(name)
    floor = min(times["floor_real"]) if "floor_real" in times else None
    for name in names:
        path, size = pages[name][1], sizes[name]
        ratio = f"  × real floor {floor / min(times[name]):.2f}" if floor else ""
        print(f"{name:14s} min {min(times[name]):7.1f}  median {statistics.median(times[name]):7.1f} ms  "
              f"CPU min {min(cpu[name]):6.1f} median {statistics.median(cpu[name]):6.1f} ms  "
              f"{size / 1024:6.1f} KB{ratio}  {path}")
        figures[name] = {"min_ms": round(min(times[name]), 2), "median_ms": round(statistics.median(times[name]), 2),
                         "cpu_min_ms": round(min(cpu[name]), 2),
                         "cpu_median_ms": round(statistics.median(cpu[name]), 2), "kb": round(size / 1024, 1),
                         "path": path}
    for name in names:
        if name in args.profile.split(","):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(10):
                clients[pages[name][0]].get(pages[name][1])
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            if args.profile_match:
                stats.sort_stats("cumulative").print_stats(args.profile_match, 60)
            else:
                stats.sort_stats("tottime").print_stats(25)
                stats.sort_stats("cumulative").print_stats(40)
            print(out.getvalue())
    print(load())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"pages": figures, "loadavg": os.getloadavg()}, out)


if __name__ == "__main__":
    main()
