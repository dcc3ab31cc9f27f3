"""The item page shows each round's newest progress entries and loads the older ones on
demand (issue 16: a 330-entry item rendered ~150 entries on every view). Nothing may be
lost: the page plus the fragments hold every entry exactly once, in order, and the
no-JavaScript link gives the page with all of them; other units get 404."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bench.querycount import counting
from bench.seed import seed_items
from tests.conftest import login_as
from tracker.extensions import db
from tracker.models import Evaluation, ExtensionRequest, Item, ProgressEntry, User, item_co_unit, local_today

PROGRESS_RECENT = 10  # tracker.items.detail.PROGRESS_RECENT (checked below; importing it here is circular)
ENTRY = re.compile(r'<article id="entry-(\d+)">')
EARLIER = re.compile(r'hx-get="/items/(\d+)/progress/earlier\?round=(\d+)&amp;before=(\d+)"')


@pytest.fixture
def long_item(app, demo):
    from tracker.items.detail import PROGRESS_RECENT as configured
    assert configured == PROGRESS_RECENT
    with app.app_context():
        meta = seed_items(40, rng_seed=11, open_evaluations=2, long_timeline=60, progress=None)
        item_id = meta["long_item_id"]
        rows = db.session.execute(sa.select(ProgressEntry.round, ProgressEntry.id)
                                  .where(ProgressEntry.item_id == item_id)
                                  .order_by(ProgressEntry.round, ProgressEntry.id)).all()
        own = {db.session.scalar(sa.select(Item.lead_unit_id).where(Item.id == item_id))}
        own |= set(db.session.scalars(sa.select(item_co_unit.c.unit_id).where(item_co_unit.c.item_id == item_id)))
        lead = db.session.scalar(sa.select(User.username).where(User.unit_id.in_(own), User.active.is_(True)))
        stranger = db.session.scalar(sa.select(User.username).where(
            User.unit_id.is_not(None), User.unit_id.not_in(own), User.active.is_(True)))
    by_round: dict[int, list[int]] = {}
    for number, entry_id in rows:
        by_round.setdefault(number, []).append(entry_id)
    assert max(len(ids) for ids in by_round.values()) > PROGRESS_RECENT + 5  # the seed makes one long round
    return {"id": item_id, "by_round": by_round, "lead": lead, "stranger": stranger}


def _ids(html: str) -> list[int]:
    return [int(i) for i in ENTRY.findall(html)]


@pytest.mark.parametrize("who", ["staff", "lead"])
def test_page_plus_fragments_hold_every_entry_once(app, long_item, who):
    client = login_as(app, "staff" if who == "staff" else long_item["lead"])
    item_id, by_round = long_item["id"], long_item["by_round"]
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    shown = _ids(page)
    assert len(shown) == sum(min(len(ids), PROGRESS_RECENT) for ids in by_round.values())
    links = {int(number): int(before) for _item, number, before in EARLIER.findall(page)}
    assert set(links) == {n for n, ids in by_round.items() if len(ids) > PROGRESS_RECENT}
    for number, ids in by_round.items():
        on_page = [i for i in shown if i in set(ids)]
        assert on_page == ids[-PROGRESS_RECENT:]  # the round's newest, oldest first
        if number in links:
            assert links[number] == on_page[0]
            assert f"显示本轮更早的 {len(ids) - PROGRESS_RECENT} 条报送" in page
            fragment = client.get(f"/items/{item_id}/progress/earlier?round={number}&before={links[number]}",
                                  headers={"HX-Request": "true"})
            assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
            body = fragment.get_data(as_text=True)
            assert "<html" not in body
            assert _ids(body) + on_page == ids  # the older ones, in order, then the page's: all of them
    full = client.get(f"/items/{item_id}/progress/earlier?round=1").get_data(as_text=True)
    assert sorted(_ids(full)) == sorted(i for ids in by_round.values() for i in ids)
    assert "显示本轮更早的" not in full and "<html" in full


def test_bad_cursor_never_500(app, long_item):
    client = login_as(app, "staff")
    item_id = long_item["id"]
    for query in ("round=abc", "round=1&before=x", "round=²", "round=" + "9" * 30, "before=" + "9" * 30, ""):
        response = client.get(f"/items/{item_id}/progress/earlier?{query}", headers={"HX-Request": "true"})
        assert response.status_code == 200, query
    everything = client.get(f"/items/{item_id}/progress/earlier?round=1", headers={"HX-Request": "true"})
    assert _ids(everything.get_data(as_text=True)) == long_item["by_round"].get(1, [])


def test_other_units_get_404(app, long_item):
    stranger = login_as(app, long_item["stranger"])
    item_id = long_item["id"]
    number = max(long_item["by_round"])
    assert stranger.get(f"/items/{item_id}/progress/earlier?round={number}",
                        headers={"HX-Request": "true"}).status_code == 404
    assert stranger.get(f"/items/{item_id}/progress/earlier?round={number}").status_code == 404
    # The form's POST address keeps no GET: a refused progress report still lands on the item page.
    assert login_as(app, "staff").get(f"/items/{item_id}/progress").status_code == 405
    assert login_as(app, "staff").get("/items/999999/progress/earlier?round=1",
                                      headers={"HX-Request": "true"}).status_code == 404


def test_records_an_item_does_not_have_are_not_read_and_one_it_gains_is_shown(app, long_item):
    """The item page asks once which of its rarer records exist (notices, 退办, declared dates,
    commitments, verdicts, closures, look-backs) and reads only those: none are read for an
    item with none, and a 督办 notice posted later is read and shown on the next view."""
    item_id = long_item["id"]
    staff = login_as(app, "staff")
    staff.get(f"/items/{item_id}")
    with app.app_context():
        engine = db.engine
    with counting(engine) as statements:
        assert staff.get(f"/items/{item_id}").status_code == 200
    tables = ("notice", "handback_request", "declared_date", "commitment", "verdict", "closure", "lookback",
              "evaluation", "extension_request")
    flat = [" ".join(s.split()) for s in statements]
    assert any("FROM item_co_unit" in s for s in flat)  # the statements are read as one line each
    read = [t for t in tables if any(s.startswith(f"SELECT {t}.id") for s in flat)]  # the probe is SELECT EXISTS
    with app.app_context():
        has = [t for t in tables if db.session.scalar(sa.text(f"SELECT count(*) FROM {t} WHERE item_id = :i"),  # noqa: S608
                                                      {"i": item_id})]
    assert read == has, (read, has)
    with app.app_context():  # an item without evaluations or extensions: neither is read
        bare = db.session.scalar(sa.select(Item.id).where(
            ~sa.exists().where(Evaluation.item_id == Item.id),
            ~sa.exists().where(ExtensionRequest.item_id == Item.id)).order_by(Item.id).limit(1))
    assert bare is not None
    with counting(engine) as statements:
        assert staff.get(f"/items/{bare}").status_code == 200
    flat = [" ".join(s.split()) for s in statements]
    assert not [s for s in flat if s.startswith(("SELECT evaluation.id", "SELECT extension_request.id"))]
    reply_by = (local_today() + timedelta(days=7)).isoformat()
    assert staff.post(f"/items/{item_id}/notice", {"kind": "supervise", "text": "请说明进度滞后原因",
                                                   "reply_by": reply_by}).status_code == 303
    with counting(engine) as statements:
        page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    assert "请说明进度滞后原因" in page
    assert any(s.lstrip().startswith("SELECT notice.id") for s in statements)
