"""Each page costs the same number of SQL statements whatever the amount of data.

The data comes from the benchmark's seeder (realistic stages, rounds, ballots and
history); the page is measured once with a small database and again after ten times
more items were added, and the two counts must be equal. A difference is an N+1.
"""
from __future__ import annotations

import sqlalchemy as sa

from bench.querycount import page_queries
from bench.seed import seed_items
from tests.conftest import login_as
from tracker.extensions import db


def _pages(app, long_item_id: int) -> dict[str, tuple[str, str]]:
    with app.app_context():
        unit_id = db.session.scalar(sa.text("SELECT unit_id FROM user_account WHERE username = 'unit_edu'"))
        activity_id = db.session.scalar(sa.text("SELECT activity_id FROM item WHERE id = :i"), {"i": long_item_id})
        month, year = db.session.execute(sa.text(
            "SELECT substr(CAST(closed_at AS VARCHAR(30)), 1, 7), meeting_year FROM item WHERE closed_at IS NOT NULL "
            "ORDER BY id LIMIT 1")).one()
    pages = {
        "list": ("staff", f"/items?stage=改&unit={unit_id}&page=1"),
        "list_search": ("staff", "/items?q=整改&stage=办结"),
        # Two characters: looked up (SQLite: the trigram terms read inside the statement)
        # or, found often, tested row by row — the same statements either way.
        "list_search2": ("staff", "/items?q=养老"),
        # The dashboard's drill-down lists — a light, a month's 办结, a year's 办结 — for
        # values the small data holds (a list that finds nothing skips its page statement).
        "list_light": ("staff", "/items?light=green"),
        "list_month": ("staff", f"/items?closed_in={month}"),
        "list_year_closed": ("staff", f"/items?year={year}&basis=closed"),
        "my": ("unit_edu", "/my"),
        "item": ("staff", f"/items/{long_item_id}"),
        "item_as_unit": ("unit_edu", f"/items/{long_item_id}"),
        "evaluations": ("reviewer1", "/evaluations"),
        "activity": ("staff", f"/activities/{activity_id}"),
        # The home pages' to-do counts: one query of counts plus a few short lists.
        "home_staff": ("staff", "/"),
        "home_unit": ("unit_edu", "/"),
        "home_reviewer": ("reviewer1", "/"),
    }
    if "dashboard.index" in app.view_functions:
        pages["dashboard"] = ("staff", "/dashboard")
    return pages


def _measure(app, long_item_id: int) -> dict[str, int]:
    clients, counts = {}, {}
    for name, (user, path) in _pages(app, long_item_id).items():
        if user not in clients:
            clients[user] = login_as(app, user)
        status, count = page_queries(app, clients[user].http, path)
        assert status == 200, (name, path, status)
        if name.startswith("list"):  # each list finds rows at both sizes
            assert "没有符合条件的事项" not in clients[user].http.get(path).get_data(as_text=True), name
        counts[name] = count
    return counts


def test_query_counts_do_not_grow_with_data(app, demo):
    with app.app_context():
        small = seed_items(60, rng_seed=1, open_evaluations=3, long_timeline=20)
    before = _measure(app, small["long_item_id"])
    with app.app_context():
        big = seed_items(600, rng_seed=2, open_evaluations=25, long_timeline=300)
        assert db.session.scalar(sa.text("SELECT COUNT(*) FROM audit_entry WHERE item_id = :i"),
                                 {"i": big["long_item_id"]}) >= 300
    after = _measure(app, big["long_item_id"])
    assert after == before
    # Issue 16: no page above 100 KB of HTML, the long item page included (its history
    # shows the recent part and loads the rest on demand).
    clients, sizes = {}, {}
    for name, (user, path) in _pages(app, big["long_item_id"]).items():
        if user not in clients:
            clients[user] = login_as(app, user)
        sizes[name] = len(clients[user].http.get(path).get_data())
    assert max(sizes.values()) <= 100 * 1024, sizes
    assert sizes["item"] > 10 * 1024, sizes  # the page measured is the real one, not an error page
