"""Many-row INSERTs (the daily job's notices, inbox lines, mail and history rows), as one
statement of fixed size on PostgreSQL.

SQLAlchemy sends a list of rows to PostgreSQL as ``INSERT … VALUES (…), (…), …`` pages of
up to a thousand rows: each page is a new statement text, tens of kilobytes long, that
psycopg re-parses on the client (too long for its cache) and the server plans afresh —
most of the job's time at 30,000 notices. ``INSERT … SELECT * FROM unnest(array, …)``
binds one array per column instead: one short statement per batch, whatever its size.
SQLite keeps the ordinary multi-row INSERT (a local file, nothing to parse over a wire).
"""
from __future__ import annotations

import json

import sqlalchemy as sa

from ..extensions import db


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def unnest_insert(table: sa.Table, rows: list[dict], suffix: str = "") -> sa.CursorResult:
    """``INSERT INTO table (cols) SELECT * FROM unnest(:col::type[], …) <suffix>`` on
    PostgreSQL; every row must have the same keys. ``suffix`` is literal SQL such as
    ``ON CONFLICT … RETURNING …`` (never user input)."""
    dialect = db.session.get_bind().dialect
    defaults = _python_defaults(table, set(rows[0]))
    if defaults:
        rows = [defaults | row for row in rows]
    columns = list(rows[0])
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(f"CAST(:{name} AS {table.c[name].type.compile(dialect=dialect)}[])" for name in columns)
    # Names and types come from the table's metadata, ``suffix`` from our code; values are bound.
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "  # noqa: S608
           f"SELECT * FROM unnest({arrays}) {suffix}")
    return db.session.execute(sa.text(sql), {name: _array(table.c[name], [row[name] for row in rows])
                                             for name in columns})


def _array(column: sa.Column, values: list) -> list:
    """JSON values go as their text (cast to json[] by the statement); SQL NULL stays NULL."""
    if isinstance(column.type, sa.JSON):
        return [None if value is None else json.dumps(value, ensure_ascii=False) for value in values]
    return values


def _python_defaults(table: sa.Table, given: set[str]) -> dict:
    """The model's Python-side defaults (``default=utcnow``) for the columns a row leaves
    out: a textual INSERT does not apply them as ``sa.insert`` would. One value per batch."""
    found = {}
    for column in table.c:
        default = column.default
        if column.name in given or default is None or not getattr(default, "is_scalar", False) and \
                not getattr(default, "is_callable", False):
            continue
        found[column.name] = default.arg(None) if default.is_callable else default.arg
    return found


def insert_rows(table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (same keys each) in as few statements as the database allows."""
    if not rows:
        return
    if is_postgresql():
        unnest_insert(table, rows)
    else:
        db.session.execute(sa.insert(table), rows)
