"""The production PostgreSQL roles (scripts/pg_roles.sql): the migration role owns the
tables, the application's role has row rights only. Played on a scratch database of
its own, in both test passes (PostgreSQL is part of the test machine)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from scripts.testdb import ADMIN_URL, create_database, drop_database, sibling
from tracker import create_app
from tracker.extensions import db
from tracker.search.schema import TRIGRAM_INDEXES

from .conftest import Client, _upgrade, make_config

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg_roles.sql"


def _reachable() -> bool:
    try:
        psycopg.connect(ADMIN_URL, connect_timeout=3).close()
        return True
    except psycopg.OperationalError:
        return False


@pytest.fixture
def roles():
    if not _reachable():
        if os.environ.get("CI") == "true":
            raise AssertionError(f"PostgreSQL is required in CI ({ADMIN_URL})")
        pytest.skip("no PostgreSQL on this machine")
    tag = uuid.uuid4().hex[:8]
    owner, app_role, name = f"tracker_owner_{tag}", f"tracker_app_{tag}", f"tracker_roles_{tag}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        for role in (owner, app_role):
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    create_database(ADMIN_URL, name)
    admin_db = sibling(ADMIN_URL, name)[1]
    with psycopg.connect(admin_db, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(owner)))
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(owner)))
    url = lambda role: admin_db.replace("postgres@", f"{role}@").replace(  # noqa: E731
        "postgresql://", "postgresql+psycopg://")
    yield {"owner": url(owner), "app": url(app_role), "admin": admin_db, "names": (owner, app_role)}
    drop_database(ADMIN_URL, name)
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        for role in (app_role, owner):
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.mark.slow
def test_the_application_role_cannot_rewrite_or_empty_the_history(roles):
    owner_app = create_app(make_config(roles["owner"]))
    _upgrade(owner_app)  # the migration role builds and owns the schema
    with owner_app.app_context():
        assert _trigram_indexes() == TRIGRAM_INDEXES  # the database's owner may create pg_trgm (migration 0019)
        from tracker.demo import load_demo
        load_demo()
        db.session.commit()
        db.engine.dispose()
    owner, app_role = roles["names"]
    script = SCRIPT.read_text().replace("tracker_owner", owner).replace("tracker_app", app_role)
    with psycopg.connect(roles["admin"], autocommit=True) as conn:
        conn.execute(script)

    app = create_app(make_config(roles["app"]))  # the running application
    Client(app).login("staff")  # reads, writes sessions, appends history
    Client(app).login("staff", "wrong-guess-123", expect_ok=False)
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM audit_entry")) >= 2
        for statement in ("TRUNCATE audit_entry", "UPDATE audit_entry SET summary = 'x'", "DELETE FROM audit_entry",
                          "ALTER TABLE audit_entry DISABLE TRIGGER ALL", "DELETE FROM audit_chain_head",
                          "SET session_replication_role = replica"):
            with pytest.raises(sa.exc.DatabaseError) as error:
                db.session.execute(sa.text(statement))
            db.session.rollback()
            assert any(word in str(error.value.orig) for word in ("permission denied", "must be owner")), statement
        db.engine.dispose()
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "哈希链完整" in result.output


def _trigram_indexes() -> set[str]:
    return set(db.session.scalars(sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'item'"))) \
        & TRIGRAM_INDEXES


@pytest.mark.slow
def test_without_the_right_to_create_pg_trgm_the_migration_goes_on_without_its_indexes(roles):
    """A migration role that owns the schema but not the database may not create the
    extension: migration 0019 warns, leaves its indexes out, and the list's text filter
    still finds what it should (only without an index)."""
    owner, _ = roles["names"]
    with psycopg.connect(roles["admin"], autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO postgres").format(sql.Identifier(name)))
        conn.execute(sql.SQL("REVOKE CREATE ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
    owner_app = create_app(make_config(roles["owner"]))
    _upgrade(owner_app)
    with owner_app.app_context():
        assert _trigram_indexes() == set()
        from tests.helpers import make_item
        from tracker.demo import load_demo
        from tracker.list_page import list_page
        from tracker.models import User, local_today
        from tracker.queries import ItemFilters
        load_demo()
        item = make_item()
        db.session.commit()
        staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
        found = list_page(staff, ItemFilters(q="大班额问题"), 1, 50, local_today()).items
        assert [i.id for i in found] == [item.id]
        db.engine.dispose()
