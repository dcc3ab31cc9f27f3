"""Engine tuning that differs per database.

SQLite serves several gunicorn workers through one file, so it needs WAL (readers never
block the writer), a busy timeout, enforced foreign keys, and write transactions that
take the write lock up front. A deferred ``BEGIN`` that later upgrades to a write fails
immediately with "database is locked" under contention, whatever the busy timeout is;
``BEGIN IMMEDIATE`` waits for the lock instead. Read-only requests keep a deferred BEGIN
so they never queue behind writers.
"""
from __future__ import annotations

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _wants_write_lock() -> bool:
    if has_request_context():
        # A GET that records an event (a download, a refusal) sets the flag for the
        # short transaction that writes it: see services/audit.log_event.
        return request.method not in SAFE_METHODS or g.get("write_lock", False)
    return True  # CLI commands and jobs write


def configure_engine(app: Flask, engine: Engine) -> None:
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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")
