"""Row writing for ``bench.seed``: the cheapest way each database takes millions of rows.

At 1M items the seed writes ~16M rows. Through SQLAlchemy Core ``insert`` of dict lists
most of the time went into SQLAlchemy building parameters per row (``construct_params``,
type processors), not into the database. Here rows are plain tuples in a fixed column
order and go straight to the DB-API connection under the session's transaction:

- SQLite: ``executemany`` of one prepared ``INSERT``, with a large page cache while the
  load runs (restored afterwards). Datetimes are bound in the text
  form SQLAlchemy's SQLite ``DateTime`` writes (``YYYY-MM-DD HH:MM:SS.ffffff``), so rows
  compare and sort exactly like rows the app inserts.
- PostgreSQL: ``COPY ... FROM STDIN`` through psycopg 3 (``write_row``).

Columns a table has but the seed does not list get the table's server default or NULL;
:func:`check_columns` refuses a column list that misses a NOT NULL column without one
(a later migration adding such a column must show up here, not as a half-filled table).
"""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

SQLITE_CACHE_KIB = 512 * 1024  # page cache during the load: index pages stay in memory


def check_columns(table: sa.Table, columns: Sequence[str]) -> None:
    missing = [c.name for c in table.c if not c.nullable and c.server_default is None and c.name not in columns]
    unknown = [name for name in columns if name not in table.c]
    if missing or unknown:
        raise ValueError(f"{table.name}: seed columns miss {missing} / name unknown {unknown}")


def _sqlite_datetime(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")


class BulkWriter:
    """Writes tuples into tables on the connection of the caller's open transaction."""

    def __init__(self, connection: sa.Connection) -> None:
        self.dialect = connection.dialect.name
        self.raw = connection.connection.driver_connection

    def write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self.dialect == "postgresql":
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        key = (datetime, sqlite3.PrepareProtocol)
        previous = sqlite3.adapters.get(key)
        sqlite3.adapters[key] = _sqlite_datetime  # only for this statement: restored below
        try:
            self.raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
        finally:
            if previous is None:
                del sqlite3.adapters[key]
            else:
                sqlite3.adapters[key] = previous

    @contextmanager
    def tuned(self, tables: Sequence[str], *, bulk: bool = False) -> Iterator[None]:
        """Settings for the load's duration, all inside the caller's transaction.

        Always (SQLite): a big page cache, so the index pages being filled stay in memory.
        ``synchronous`` cannot change inside a transaction, and under WAL one long
        transaction costs no fsyncs anyway.

        ``bulk`` (a fresh benchmark database, nobody else connected): the plain indexes of
        ``tables`` are dropped and built again after the load, which sorts once instead of
        descending a B-tree per row (1.5x faster for ``audit_entry`` on SQLite, measured);
        primary keys and unique indexes stay. On SQLite the triggers that feed an FTS5 index
        from a loaded table are dropped too and the index rebuilt from its table afterwards:
        fed row by row, the trigram index of ``item`` made each 40k items slower than the last
        (200k items: 62 s of 102 s in ``item``; a rebuild of 200k items takes 1.2 s).

        On PostgreSQL the foreign-key triggers are off for the transaction
        (``session_replication_role = replica``, superuser only): they cost one index probe
        per key per row, and the same rows pass SQLite's enforced foreign keys.
        ``maintenance_work_mem`` lets the index builds sort in memory.
        """
        cursor = self.raw.cursor()
        cache_size = None
        if self.dialect == "sqlite":
            cache_size = cursor.execute("PRAGMA cache_size").fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        indexes = self._plain_indexes(cursor, tables) if bulk else []
        if bulk and self.dialect == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {name}")
        text_indexes = self._sqlite_text_indexes(cursor, tables) if bulk else []
        for _fts, trigger, _sql in text_indexes:
            cursor.execute(f"DROP TRIGGER {trigger}")
        try:
            yield
            for _name, sql in indexes:
                cursor.execute(sql)
            for fts, _trigger, sql in text_indexes:
                cursor.execute(sql)
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
            if bulk and self.dialect == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = origin")
        finally:
            if cache_size is not None:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
            cursor.close()

    def _sqlite_text_indexes(self, cursor, tables: Sequence[str]) -> list[tuple[str, str, str]]:
        """(FTS5 table, its insert trigger, the trigger's CREATE statement) for each external-content
        FTS5 index over one of ``tables`` (SQLite only; PostgreSQL's are plain GIN indexes)."""
        if self.dialect != "sqlite":
            return []
        found = []
        for fts, sql in cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                       "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'").fetchall():
            content = re.search(r"content\s*=\s*'(\w+)'", sql)
            if not content or content.group(1) not in tables:
                continue
            for trigger, trigger_sql in cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                    [content.group(1)]).fetchall():
                if re.search(rf"AFTER\s+INSERT\s+ON\s+{content.group(1)}\b.*INSERT\s+INTO\s+{fts}\s*\(",
                             trigger_sql, re.IGNORECASE | re.DOTALL):
                    found.append((fts, trigger, trigger_sql))
        return found

    def _plain_indexes(self, cursor, tables: Sequence[str]) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the non-unique indexes of ``tables``, as the database has them."""
        if self.dialect == "sqlite":
            marks = ", ".join("?" * len(tables))
            rows = cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                  f"AND tbl_name IN ({marks}) ORDER BY name", list(tables)).fetchall()
        else:
            rows = cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                                  "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint) "
                                  "ORDER BY indexname", [list(tables)]).fetchall()
        return [(name, sql) for name, sql in rows if sql.upper().startswith("CREATE INDEX")]
