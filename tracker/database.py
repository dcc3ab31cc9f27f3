"""Engine tuning that differs per database.

SQLite serves several gunicorn workers through one file, so it needs WAL (readers never
block the writer), a busy timeout, enforced foreign keys, and write transactions that
take the write lock up front. A deferred ``BEGIN`` that later upgrades to a write fails
immediately with "database is locked" under contention, whatever the busy timeout is;
``BEGIN IMMEDIATE`` waits for the lock instead. Read-only requests keep a deferred BEGIN
so they never queue behind writers.

SQLite also never gathers planner statistics by itself: without ``sqlite_stat1`` the
dashboard's per-unit aggregate picks a scan (60 of its 86 ms at 100k items; 0.2 ms with
statistics). ``PRAGMA optimize`` is SQLite's recommended cure, run on the connection that
did the queries (it only analyzes tables those queries used): we run it when a pooled
connection closes and every ``OPTIMIZE_EVERY`` check-ins, with ``analysis_limit`` so one
run costs milliseconds at any size. ``analyze`` is the explicit variant for after
migrations and bulk seeding, on both databases.
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_CACHE_KB = 32 * 1024  # per pooled connection (PRAGMA cache_size); pages are read lazily
OPTIMIZE_EVERY = 1000  # check-ins of one pooled connection between two ``PRAGMA optimize``
ANALYSIS_LIMIT = 1000  # rows sampled per index by ANALYZE: bounded cost, plans as good as a full scan's


def _wants_write_lock() -> bool:
    if has_request_context():
        # A GET that records an event (a download, a refusal) sets the flag for the
        # short transaction that writes it: see services/audit.log_event.
        return request.method not in SAFE_METHODS or g.get("write_lock", False)
    return True  # CLI commands and jobs write


def configure_engine(app: Flask, engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        _configure_postgresql(app, engine)
        return
    if engine.dialect.name != "sqlite":
        return
    busy_ms = app.config["SQLITE_BUSY_TIMEOUT_MS"]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are zeroed, not left in free space: the ballots rewritten at
        # counting must not survive as old cells in the file (services/ballots.py).
        cursor.execute("PRAGMA secure_delete = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            # SQLite's default page cache is 2 MB per connection: a unit's list reads ~2,500
            # item rows spread over the file (its co-unit items), which then came from the OS
            # on every request. A pooled connection keeps its cache between requests.
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        if dbapi_connection is None:  # invalidated
            return
        record.info["checkins"] = checkins = record.info.get("checkins", 0) + 1
        if checkins % OPTIMIZE_EVERY == 0:
            _sqlite_optimize(dbapi_connection)

    @event.listens_for(engine, "close")
    def _on_close(dbapi_connection, _record):
        _sqlite_optimize(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


# -- PostgreSQL: prepared statements survive a request that only read ---------------------
#
# psycopg prepares a statement on the server after its fifth run on a connection, so parsing
# and planning are skipped from then on (planning alone is 0.2 ms for the smallest statement
# here and 2.4 ms for 我的事项's page). But it forgets every prepared statement at a
# ROLLBACK (an object it prepared may be gone), and every request ended with one: the
# session rolls back at the request's end, and a read-only request has nothing else to end
# with. So no statement was ever prepared. A transaction that ran nothing but SELECTs is
# ended with COMMIT instead — the same for the database — and keeps them. Anything that may
# have written (an INSERT, UPDATE or DELETE, any statement not a SELECT, an ORM object still
# pending) still rolls back unless the view committed it.

def _configure_postgresql(app: Flask, engine: Engine) -> None:
    if not app.config.get("PG_PREPARED_STATEMENTS", True):
        @event.listens_for(engine, "connect")
        def _no_prepared(dbapi_connection, _record):
            dbapi_connection.prepare_threshold = None

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.info["wrote"] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(conn, _cursor, statement, _parameters, context, _executemany):
        if conn.info.get("wrote"):
            return
        first = statement.lstrip()[:6].upper()
        if first.startswith("WITH"):  # a CTE before a SELECT, or before a write
            writes = context is None or bool(context.isinsert or context.isupdate or context.isdelete)
        else:
            writes = first != "SELECT"
        if writes:
            conn.info["wrote"] = True

    from .extensions import db

    @app.teardown_request
    def _end_read_only(exc):
        if exc is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return
        if not session.connection().info.get("wrote", True):
            # Nothing changed, so nothing to expire: objects read stay as read, as after the
            # rollback this replaces (the session is removed right after anyway).
            expire, session.expire_on_commit = session.expire_on_commit, False
            try:
                session.commit()
            finally:
                session.expire_on_commit = expire


def _sqlite_optimize(dbapi_connection) -> None:
    """SQLite's own advice: ``PRAGMA optimize`` before a connection closes. Never fails a request."""
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("PRAGMA optimize")
        cursor.close()
    except Exception:  # noqa: BLE001, S110 - a busy or closed file: statistics can wait for the next time
        return


def analyze(connection: Connection) -> None:
    """Gather planner statistics now: after migrations and after bulk loads (seeding, imports),
    when a fresh connection's ``PRAGMA optimize`` would not know the tables were used."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        connection.exec_driver_sql("ANALYZE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE")


def vacuum_after_migrations(connection: Connection) -> None:
    """PostgreSQL: ``VACUUM`` once migrations have changed the schema. A migration that
    rewrites a table — a stored generated column (0029), a column's type — leaves the
    table's visibility map empty, and autovacuum does not come for a rewritten table with no
    dead rows: every count the lists answer from an index alone read the table instead
    (我的事项 at 100k items: 0.76 -> 0.53 x the realistic floor after 0029). ``VACUUM``
    skips the pages already all-visible, so it costs little when nothing was rewritten. It
    cannot run in a transaction: ``connection`` must have none open."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")


def after_bulk_load(engine: Engine) -> None:
    """What a database needs after a bulk load (the benchmark seed, a large import): planner
    statistics and, on PostgreSQL, a ``VACUUM`` — it sets the visibility map without which a
    count cannot be answered from an index alone (a unit's capped count at 100k items: an
    index-only scan in 0.26 ms instead of 2.3 ms reading 418 heap pages). Autovacuum does
    the same some time after a load, and never where it is turned off; ``VACUUM`` cannot run
    inside a transaction, so this takes its own autocommit connection."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
    else:
        with engine.begin() as connection:
            analyze(connection)


def in_ids(dialect: str) -> Callable[[sa.ColumnElement], sa.ColumnElement]:
    """``column IN :ids`` for a statement built once and run with ``{"ids": [...]}``.

    On PostgreSQL the ids go as ONE array parameter (``= ANY(:ids)``): an expanding ``IN``
    binds each id apart, and rendering, casting and planning 50–500 placeholders cost more
    than the lookup (the export: ~40 % of its CPU; a list page's co-unit lookup: 0.5 ms of
    planning for 0.1 ms of work). SQLite keeps the expanding ``IN``: cheaper there, and its
    one-parameter form (``json_each``) misleads its planner.

    Written ``IN (SELECT unnest(:ids))``, not ``= ANY(:ids)``: once psycopg has prepared
    the statement, PostgreSQL may run a generic plan, in which ``= ANY`` of a parameter is
    tested element by element on every row (the export's latest-evaluation query: 500 ids ×
    every evaluation, 25 ms a batch); the unnested ids are hashed or looked up in an index."""
    if dialect == "postgresql":
        ids = sa.select(sa.func.unnest(sa.bindparam("ids", type_=ARRAY(sa.Integer)))).scalar_subquery()
        return lambda column: column.in_(ids)
    listed = sa.bindparam("ids", expanding=True)
    return lambda column: column.in_(listed)


def constant(value) -> sa.BindParameter:
    """A value of the code itself (a stage, an entry kind), written into the statement's text
    when it runs instead of being sent as a parameter (``literal_execute``; the statement
    stays cached as compiled). psycopg prepares a statement after its fifth run; PostgreSQL
    then plans it once — a generic plan — unless that plan's estimate is worse than the
    custom plans made for the actual values. A parameter in place of a rare value (作废, a
    returned report) gets an average value's share in the generic plan, which then never
    won: every request planned the statement again (a unit's list: 0.7 ms of planning for
    as much running). ``list_page._window_params`` does the same for the row limits."""
    return sa.literal(value, literal_execute=True)


class likely(sa.sql.functions.GenericFunction):  # noqa: N801 - used like the SQL function it renders
    """``likely(condition, probability)``: how often ``condition`` holds, for SQLite's planner.

    SQLite keeps no histograms: it guesses a quarter of the table for each bound of a range,
    so a month's 交办 or 办结 (a few hundred items) looked as large as a unit's 办结 items
    (10k at 100k) and "no progress since" (every old item) as small as one stage. On SQLite
    this renders ``likelihood(condition, probability)``, which its planner reads as the
    fraction of rows; elsewhere the bare condition (PostgreSQL estimates ranges itself)."""

    type = sa.types.NullType()  # typed Boolean, SQLAlchemy would add "= 1" on SQLite, hiding it
    inherit_cache = True


@compiles(likely)
def _likely_elsewhere(element, compiler, **kw):
    condition, _probability = element.clauses.clauses
    return compiler.process(condition.self_group(), **kw)


@compiles(likely, "sqlite")
def _likely_sqlite(element, compiler, **kw):
    condition, probability = element.clauses.clauses
    return f"likelihood({compiler.process(condition, **kw)}, {float(probability.value)!r})"
