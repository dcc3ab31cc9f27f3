"""A request that only read ends its transaction with COMMIT on PostgreSQL, so psycopg keeps
the statements it prepared (a ROLLBACK makes it forget them all: ``database._configure_
postgresql``); anything that may have written is still rolled back unless the view
committed it. The writing cases run on both databases: the rule "one transaction per
request, nothing half-written" must hold whatever the engine."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort

from tests.conftest import make_config
from tracker import create_app
from tracker.extensions import db
from tracker.models import Item, Setting, utcnow

KEY = "read_only_commit_probe"


@pytest.fixture
def probe_app(database_uri, app):
    """The suite's app (its database emptied and migrated) and a second app on the same
    database with views that read, or write and then fail without committing."""
    with app.app_context():
        db.session.add(Setting(key=KEY, value="before", updated_at=utcnow()))
        db.session.commit()
    probe = create_app(make_config(database_uri))

    @probe.get("/_probe/read")
    def read():
        return str(db.session.scalar(sa.select(sa.func.count()).select_from(Item)))

    @probe.get("/_probe/flushed")
    def flushed():
        db.session.get(Setting, KEY).value = "flushed"
        db.session.flush()
        return "refused", 400

    @probe.get("/_probe/pending")
    def pending():
        db.session.get(Setting, KEY).value = "pending"
        return "ok"

    @probe.get("/_probe/raw")
    def raw():
        db.session.execute(sa.text("UPDATE setting SET updated_at = updated_at, value = :v WHERE key = :k")
                           .bindparams(sa.bindparam("v", type_=Setting.value.type)), {"k": KEY, "v": "raw"})
        abort(404)

    @probe.get("/_probe/cte")
    def cte():
        keys = sa.select(sa.literal(KEY).label("k")).cte("probe_keys")  # "WITH probe_keys AS (…) UPDATE …"
        db.session.execute(sa.update(Setting).where(Setting.key.in_(sa.select(keys.c.k)))
                           .values(value="cte").add_cte(keys))
        return "refused", 409

    yield probe
    with probe.app_context():
        db.session.remove()
        db.engine.dispose()


def _value(app) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Setting.value).where(Setting.key == KEY))


@pytest.mark.parametrize("path", ["/_probe/flushed", "/_probe/pending", "/_probe/raw", "/_probe/cte"])
def test_a_request_that_wrote_and_did_not_commit_leaves_nothing(probe_app, path):
    client = probe_app.test_client()
    response = client.get(path)
    assert response.status_code in (200, 400, 404, 409)
    assert _value(probe_app) == "before"


@pytest.mark.postgres_only
def test_a_read_only_request_keeps_the_statements_psycopg_prepared(probe_app):
    client = probe_app.test_client()
    for _ in range(8):  # psycopg prepares a statement at its sixth run on one connection
        assert client.get("/_probe/read").status_code == 200
    with probe_app.app_context():
        prepared = db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared >= 1
    client.get("/_probe/flushed")  # rolled back: psycopg forgets what it prepared
    with probe_app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements")) == 0


@pytest.mark.postgres_only
def test_prepared_statements_can_be_turned_off(database_uri, app):
    off = create_app(make_config(database_uri, PG_PREPARED_STATEMENTS=False))
    with off.app_context():
        for _ in range(3):
            for _ in range(8):
                db.session.scalar(sa.select(sa.func.count()).select_from(Item))
            db.session.commit()
        assert db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements")) == 0
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres_only
def test_a_batch_of_ids_is_looked_up_not_scanned_under_a_generic_plan(app):
    """Prepared statements may run generic plans (``database.in_ids``): there a batch of ids
    given as one array must still be hashed or looked up, not compared element by element
    with every row (``= ANY(:ids)`` did that: 25 ms a batch of the ledger export)."""
    from sqlalchemy.dialects import postgresql

    from tracker.database import in_ids
    from tracker.models import Evaluation
    stmt = sa.select(Evaluation.id).where(in_ids("postgresql")(Evaluation.item_id))
    sql = str(stmt.compile(dialect=postgresql.dialect())).replace("%(ids)s::INTEGER[]", "$1")
    with app.app_context():
        conn = db.session.connection()
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql(f"PREPARE probe_ids(int[]) AS {sql}")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN EXECUTE probe_ids('{1,2,3}')"))
        conn.exec_driver_sql("DEALLOCATE probe_ids")
        db.session.rollback()
    assert "ANY" not in plan, plan
