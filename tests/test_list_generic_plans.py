"""PostgreSQL plans a list's statements once per connection, not on every request.

psycopg prepares a statement after its fifth run on a connection; PostgreSQL then uses one
generic plan unless its estimate is worse than the custom plans' made for each run's
values. A row limit or a rare code value (作废, 办结, a returned report) sent as a parameter
made the generic plan look worse, so every request planned the list again — for a unit's
list 0.7 ms of planning for as much running. The limits, the unit of a unit's arms and the
code's own values are written into the statement (``list_page._window_params``,
``database.constant``); a searched text stays a parameter (its plan depends on it).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.seed import seed_items
from tests.conftest import login_as, make_config
from tracker import create_app
from tracker.database import analyze
from tracker.extensions import db

from .test_list_plans import seed_with_statistics


def _seed_10k(app) -> None:
    with app.app_context():
        seed_items(10_000, rng_seed=3, open_evaluations=5, long_timeline=20, progress=None)
        analyze(db.session.connection())
        db.session.commit()


@pytest.mark.postgres_only
@pytest.mark.parametrize("seed", [seed_with_statistics, _seed_10k], ids=["400", "10k"])
def test_list_statements_get_a_generic_plan(database_uri, demo, seed, monkeypatch):
    """At 10k items (a district's size) the stage of 我的事项's 待签收 and of a 改 filter,
    sent as parameters, kept two statements custom-planned on every request (0 generic of
    55 on the bench database): their values are the code's and the filter's shape, now
    written into the statement (``database.constant``).

    A frequent text of three characters or more is tested with strpos, not LIKE
    (``text_filter.frequent_text``): with its LIKE pattern as a parameter, pg_trgm's
    estimate moved with the text and the bench's 4-character search was planned on every
    request (0 generic of 15 at 100k items; 10 of 15 with strpos)."""
    from tracker import text_filter
    monkeypatch.setattr(text_filter, "FREQUENT", 5)  # the bench's common text, at 400 items too
    app = create_app(make_config(database_uri, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0}))
    seed(app)
    with app.app_context():
        unit = db.session.scalar(sa.select(sa.text("lead_unit_id FROM item WHERE lead_unit_id IS NOT NULL "
                                                   "GROUP BY lead_unit_id ORDER BY count(*) DESC LIMIT 1")))
        year = db.session.scalar(sa.text("SELECT max(meeting_year) FROM item"))
        db.session.remove()
    staff, unit_user = login_as(app, "staff"), login_as(app, "unit_edu")
    pages = [(staff, "/items"), (staff, f"/items?unit={unit}"), (staff, f"/items?unit={unit}&stage=改"),
             (staff, f"/items?year={year}&basis=closed"), (staff, "/items?overdue=1"), (unit_user, "/my"),
             (staff, "/items?q=老旧小区")]
    for _ in range(12):
        for client, path in pages:
            assert client.get(path).status_code == 200
    with app.app_context():
        plans = db.session.execute(sa.text(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%FROM item%'")).all()
        db.session.remove()
        db.engine.dispose()
    assert len(plans) >= len(pages), plans
    replanned = [(p.statement[:300], p.custom_plans) for p in plans if p.generic_plans == 0 and p.custom_plans > 5]
    assert not replanned, replanned
