"""``list_rows``: the item lists' cells, computed once per page, are the macros' own output.

The rows reuse one macro result per distinct stage, light, unit set and deadline; these tests
prove no row shows another row's cell, whatever mix of stages, co-units and deadlines a page has.
"""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from bench.seed import seed_items
from tests.conftest import login_as
from tests.helpers import make_activity, make_item
from tracker.extensions import db
from tracker.ledger.export import _ROWS, item_number
from tracker.lights import light_for, silent_for
from tracker.list_items import read_list_items
from tracker.list_rows import list_rows
from tracker.models import Item, Unit, local_today


def test_each_row_shows_its_own_items_cells(app, demo):
    today = local_today()
    with app.app_context():
        seed_items(120, rng_seed=5, open_evaluations=2, long_timeline=5, progress=None)
        db.session.commit()
    with app.test_request_context():
        # Some deadlines moved, so "原 …" shows on some rows and not on others with the same deadline.
        first = db.session.scalar(sa.select(Item).order_by(Item.id).limit(1))
        first.original_deadline = (first.deadline or today) - timedelta(days=3)
        db.session.flush()
        items = read_list_items(sa.select(Item).order_by(Item.id))
        macros = app.jinja_env.get_template("_macros.html").module
        rows = list_rows(items, today)
        assert len(rows) == len(items) > 100
        assert len({(i.stage, i.closure_kind) for i in items}) > 3, "the page mixes stages"
        assert any(i.co_units for i in items) and any(not i.co_units for i in items)
        for row, item in zip(rows, items, strict=True):
            assert row.item is item and row.id == item.id
            assert row.url == f"/items/{item.id}"
            assert (row.number, row.title, row.activity) == (item.number, item.title, item.activity_title)
            assert row.stage == macros.stage_tag(item)
            assert row.units == macros.units(item)
            assert row.deadline == macros.deadline(item)
            assert row.light == macros.light_tag(light_for(item, today))
            assert row.silent == silent_for(item, today)
        db.session.rollback()


def test_a_list_item_reads_what_the_item_says(app, demo):
    """``ListItem`` (plain columns) and the ORM ``Item`` agree on everything a row shows, the
    co-units in the unit list's order."""
    with app.app_context():
        seed_items(120, rng_seed=7, open_evaluations=2, long_timeline=5, progress=None)
        db.session.commit()
        listed = read_list_items(sa.select(Item).order_by(Item.id))
        items = db.session.scalars(sa.select(Item).options(selectinload(Item.co_units), selectinload(Item.activity),
                                                           selectinload(Item.lead_unit)).order_by(Item.id)).all()
        assert len(listed) == len(items) > 100 and any(i.co_units for i in items)
        for row, item in zip(listed, items, strict=True):
            assert (row.id, row.number, row.title, row.activity_title, row.stage, row.closure_kind, row.status_label,
                    row.deadline, row.original_deadline, row.round, row.supervised, row.last_activity_on) == (
                item.id, item.number, item.title, item.activity.title, item.stage, item.closure_kind, item.status_label,
                item.deadline, item.original_deadline, item.round, item.supervised, item.last_activity_on)
            assert (row.lead_unit.name if row.lead_unit else None) == (item.lead_unit.name if item.lead_unit else None)
            assert [u.name for u in row.co_units] == [u.name for u in sorted(item.co_units,
                                                                               key=lambda u: (u.sort_order, u.id))]


def test_the_list_numbers_items_as_their_document_does(app, demo):
    """编号 is the document's numbering — "二", a sub-point "二-（一）", the entry order where
    the document numbers nothing — as the item page and the 台账 print it, never the
    database's activity-seq."""
    with app.app_context():
        activity = make_activity()
        point, sub, plain, under_plain = (make_item(activity, stage="assigned") for _ in range(4))
        point.ref, sub.ref, sub.parent_id = "二", "（一）", point.id
        under_plain.ref, under_plain.parent_id = "1", plain.id  # a parent the document left unnumbered
        db.session.commit()
        expected = {point.id: "二", sub.id: "二-（一）", plain.id: str(plain.seq), under_plain.id: f"{plain.seq}-1"}
        wrong = f"{activity.id}-{sub.seq}"  # the database's activity-seq
        pages = db.session.scalars(sa.select(Item).where(Item.id.in_(expected)).options(selectinload(Item.parent)))
        assert {i.id: i.number for i in pages} == expected  # as the item page numbers them
        listed = read_list_items(sa.select(Item).where(Item.id.in_(expected)))
        assert {i.id: i.number for i in listed} == expected
        ledger = db.session.execute(_ROWS.where(Item.id.in_(expected))).all()  # the exported 台账's 序号
        assert {row.id: item_number(row) for row in ledger} == expected
    page = login_as(app, "staff").get("/items").get_data(as_text=True)
    row = r'<td data-label="编号" class="nowrap">([^<]*)</td>\s*<td data-label="事项"><a href="/items/(\d+)"'
    cells = dict(re.findall(row, page))
    assert {int(i): number for number, i in cells.items()} == expected
    assert wrong not in cells


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


def test_kept_cells_follow_a_renamed_unit(app, demo):
    """Row cells are kept by the process, keyed by what they show: after a unit is renamed
    the lists name it anew (in co-unit cells too), never with the kept old name."""
    with app.app_context():
        seed_items(40, rng_seed=5, open_evaluations=1, long_timeline=5, progress=None)
        db.session.commit()
        lead_id = db.session.scalar(sa.select(Item.lead_unit_id).where(Item.stage != "withdrawn")
                                    .order_by(Item.urgency, Item.deadline, Item.id))
    client = login_as(app, "staff")
    before = client.get("/items").get_data(as_text=True)
    with app.app_context():
        unit = db.session.get(Unit, lead_id)
        old, unit.name = unit.name, "区改名后的单位"
        db.session.commit()
    after = client.get("/items").get_data(as_text=True)
    assert old in before and "区改名后的单位" not in before
    assert "区改名后的单位" in after and old not in after
