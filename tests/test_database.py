"""Migrations, model/migration agreement, SQLite tuning, the append-only history, CLI."""
from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tracker.extensions import db
from tracker.models import AuditEntry
from tracker.search.schema import include_object


def test_migrations_build_the_schema_and_match_the_models(app):
    """The test database was built by ``alembic upgrade`` from empty (see conftest)."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                          "include_object": include_object})
        diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate  # noqa: F401 - configured by the app
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config() if hasattr(app.extensions["migrate"], "migrate") \
            else None
    script = ScriptDirectory("migrations") if config is None else ScriptDirectory.from_config(config)
    assert version == script.get_current_head()


def test_downgrade_and_upgrade_again(app):
    from flask_migrate import downgrade, upgrade
    with app.app_context():
        downgrade(directory="migrations", revision="base")
        names = sa.inspect(db.engine).get_table_names()
        assert "item" not in names and "audit_entry" not in names
        upgrade(directory="migrations")
        assert "item" in sa.inspect(db.engine).get_table_names()


def test_audit_history_cannot_be_changed_by_orm_or_sql(app, demo):
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).limit(1)) or AuditEntry(
            actor_name="x", action="t", object_type="t", summary="s")
        if entry.id is None:
            db.session.add(entry)
            db.session.commit()
        entry.summary = "篡改"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        for statement in ("UPDATE audit_entry SET summary = 'x'", "DELETE FROM audit_entry"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                db.session.execute(sa.text(statement))
            db.session.rollback()


@pytest.mark.sqlite_only
def test_sqlite_is_tuned_for_several_workers(app):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]


@pytest.mark.sqlite_only
def test_sqlite_write_requests_take_the_write_lock_up_front(app, demo):
    """A POST starts with BEGIN IMMEDIATE: while another connection holds the write lock,
    it waits (busy_timeout) instead of failing at once with "database is locked"."""
    statements = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda conn, cursor, statement, *args: statements.append(statement))
    from .conftest import login_as
    client = login_as(app, "admin")
    statements.clear()
    client.post("/admin/units/new", {"name": "区统计局", "kind": "government"})
    assert "BEGIN IMMEDIATE" in statements
    statements.clear()
    client.get("/admin/units")
    assert "BEGIN" in statements and "BEGIN IMMEDIATE" not in statements


def test_cli_backup_creates_a_consistent_copy(app, db_backend, demo, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "backup.db"
    result = runner.invoke(args=["backup", str(target)])
    if db_backend != "sqlite":
        assert "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM user_account").fetchone()[0] == 11  # 三员: admin, secadmin, auditor
    copy.close()
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "已存在" in again.output


def test_cli_create_admin_and_seed_demo_only_into_empty_database(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--username", "root2", "--name", "管理员二",
                                 "--password", "Root-pass-2026"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "不为空" in refused.output
    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert skipped.exit_code == 0 and "跳过" in skipped.output


def test_seed_demo_has_items_in_every_stage(app):
    from tracker.models import Item, Stage
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo-password" in result.output and "reviewer5" in result.output
    with app.app_context():
        stages = set(db.session.scalars(sa.select(Item.stage)))
        assert stages == set(Stage)
        assert db.session.scalar(sa.select(sa.func.max(Item.round))) == 2


def test_seed_demo_refused_in_production(app):
    app.config["ENV_NAME"] = "production"
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code != 0 and "生产模式" in result.output


def test_migrations_run_over_a_populated_database(app):
    """The demo (every stage, reports, sittings, letters) survives going down to 0005 and back
    up: SQLite's batch mode recreates tables that other rows reference."""
    from flask_migrate import downgrade, upgrade

    from tracker.models import Item
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Item))
        db.session.remove()
        downgrade(directory="migrations", revision="0005")
        upgrade(directory="migrations")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == before


@pytest.mark.postgres_only
def test_an_upgrade_that_rewrites_a_table_leaves_it_all_visible(app):
    """Migration 0029's stored columns rewrite ``item``, which empties its visibility map;
    autovacuum does not come for a table with no dead rows, so every index-only count read
    the table (我的事项 at 100k items: 0.76 -> 0.53 x the realistic floor). Migrations that
    change the schema end with a ``VACUUM`` (``database.vacuum_after_migrations``)."""
    from flask_migrate import downgrade, upgrade

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output

    def pages() -> tuple[int, int]:
        return db.session.execute(sa.text(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'item'")).one()
    with app.app_context():
        db.session.remove()
        downgrade(directory="migrations", revision="0028")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM item")
        assert pages()[1] > 0, "vacuumed: every page all-visible"
        db.session.remove()
        upgrade(directory="migrations")
        total, visible = pages()
        assert total > 0 and visible == total, (total, visible)


def test_downgrade_below_documents_refuses_rather_than_invent_a_meeting_number(app, capfd):
    """0006 made the meeting number optional (a 审议意见 entered without a known meeting);
    going back to 0005, which requires it, would have to invent one: it stops, says why,
    and leaves 0006's data as it was."""
    from flask_migrate import downgrade, upgrade

    from tracker.models import Activity
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        activity = db.session.scalar(sa.select(Activity).limit(1))
        activity.meeting_session = None
        db.session.commit()
        activity_id = activity.id
        db.session.remove()
        # Down to 0006 first: on SQLite DDL is not transactional, so the refusal is checked
        # where 0006's own downgrade starts, with nothing of it done yet.
        downgrade(directory="migrations", revision="0006")
        with pytest.raises(SystemExit):  # flask-migrate logs the error and exits 1
            downgrade(directory="migrations", revision="0005")
        assert "1 个活动没有会议次数" in capfd.readouterr().err  # alembic logs to stderr
        # Read through a plain DB-API connection: on SQLite the interrupted migration's
        # connection may still hold the write lock until it is collected.
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(f"SELECT meeting_session FROM activity WHERE id = {int(activity_id)}")
            assert cursor.fetchone()[0] is None
            cursor.execute("SELECT COUNT(*) FROM report")  # 0006's tables are still there
            cursor.fetchone()
        finally:
            raw.close()
        if db.engine.dialect.name == "postgresql":
            # The PostgreSQL database is the worker's, shared with the tests that follow: back to
            # the head. (Each SQLite test has a file of its own, thrown away after it.)
            db.session.remove()
            upgrade(directory="migrations")
            assert "audit_chain_head" in sa.inspect(db.engine).get_table_names()


def test_after_a_bulk_load_counts_read_an_index_only(app, demo):
    """The benchmark seed (and any large import) ends with ``after_bulk_load``: planner
    statistics on both databases and, on PostgreSQL, a VACUUM that marks the pages
    all-visible, without which a unit's capped count reads the table's heap pages."""
    from tracker.database import after_bulk_load
    from tracker.demo import load_demo_items
    with app.app_context():
        load_demo_items()
        db.session.commit()
        after_bulk_load(db.engine)
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                visible = conn.scalar(sa.text("SELECT relallvisible FROM pg_class WHERE relname = 'item'"))
                pages = conn.scalar(sa.text("SELECT relpages FROM pg_class WHERE relname = 'item'"))
                assert pages > 0 and visible == pages
                conn.exec_driver_sql("SET enable_bitmapscan = off")
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = "\n".join(conn.scalars(sa.text(
                    "EXPLAIN (ANALYZE) SELECT count(*) FROM item WHERE lead_unit_id = 1")))
                assert "Index Only Scan" in plan and "Heap Fetches: 0" in plan, plan
            else:
                stats = conn.scalar(sa.text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'item'"))
                assert stats > 0
