"""``list_rows``: the item lists' cells, computed once per page, are the macros' own output.

The rows reuse one macro result per distinct stage, light, unit set and deadline; these tests
prove no row shows another row's cell, whatever mix of stages, co-units and deadlines a page has.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bench.seed import seed_items
from tests.conftest import login_as
from tracker.extensions import db
from tracker.lights import light_for, silent_for
from tracker.list_rows import list_rows
from tracker.models import Item, local_today
from tracker.queries import with_list_loads


def test_each_row_shows_its_own_items_cells(app, demo):
    today = local_today()
    with app.app_context():
        seed_items(120, rng_seed=5, open_evaluations=2, long_timeline=5, progress=None)
        db.session.commit()
    with app.test_request_context():
        items = db.session.scalars(with_list_loads(sa.select(Item)).order_by(Item.id)).unique().all()
        # Some deadlines moved, so "原 …" shows on some rows and not on others with the same deadline.
        items[0].original_deadline = (items[0].deadline or today) - timedelta(days=3)
        macros = app.jinja_env.get_template("_macros.html").module
        rows = list_rows(items, today)
        assert len(rows) == len(items) > 100
        assert len({(i.stage, i.closure_kind) for i in items}) > 3, "the page mixes stages"
        assert any(i.co_units for i in items) and any(not i.co_units for i in items)
        for row, item in zip(rows, items, strict=True):
            assert row.item is item and row.id == item.id
            assert row.url == f"/items/{item.id}"
            assert (row.code, row.title, row.activity) == (item.code, item.title, item.activity.title)
            assert row.stage == macros.stage_tag(item)
            assert row.units == macros.units(item)
            assert row.deadline == macros.deadline(item)
            assert row.light == macros.light_tag(light_for(item, today))
            assert row.silent == silent_for(item, today)
        db.session.rollback()


def test_list_links_open_the_item(app, demo):
    """The one URL prefix + id is the item page's address (the link a user follows)."""
    with app.app_context():
        seed_items(20, rng_seed=5, open_evaluations=1, long_timeline=5, progress=None)
    client = login_as(app, "staff")
    page = client.get("/items").get_data(as_text=True)
    with app.app_context():
        first = db.session.scalar(sa.select(Item.id).where(Item.stage != "withdrawn")
                                  .order_by(Item.urgency, Item.deadline, Item.id))
    assert first is not None and f'href="/items/{first}"' in page
    assert client.get(f"/items/{first}").status_code == 200
