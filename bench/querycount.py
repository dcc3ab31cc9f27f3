"""Counting the SQL statements one page costs, in process, through the Flask test client.

A page whose count grows with the data has an N+1 somewhere; the benchmark reports the
count at every size and ``tests/test_query_counts.py`` asserts it stays the same.
"""
from __future__ import annotations

import re
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from .loadlib import PASSWORD

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


@contextmanager
def counting(engine):
    statements: list[str] = []

    def before(_conn, _cursor, statement, _params, _context, _executemany):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def logged_in(app: Flask, username: str):
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 303:
        raise RuntimeError(f"login {username}: HTTP {response.status_code}")
    return client


def page_queries(app: Flask, client, path: str) -> tuple[int, int]:
    """(status, number of SQL statements) for one GET, after a warm-up request so
    per-process caches (settings, calendar) do not count."""
    from tracker.extensions import db

    client.get(path)
    with app.app_context():
        engine = db.engine
    with counting(engine) as statements:
        response = client.get(path)
    return response.status_code, len(statements)
