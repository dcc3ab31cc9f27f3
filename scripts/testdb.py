"""Throw-away PostgreSQL databases for test runs, load runs and the live e2e server.

Usage: python scripts/testdb.py check|create NAME|drop NAME
Connects with TEST_PG_ADMIN_URL (default: postgres on 127.0.0.1:5432, trust auth).
The functions are imported by the e2e fixtures and ``bench.scratch`` too, so every
throw-away database is made the one way the project requires (C.UTF-8, template0).
"""
from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def sibling(url: str, name: str) -> tuple[str, str]:
    """(admin URL, URL of database ``name``) on the same server as ``url``."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{name}"))


def create_database(admin_url: str, name: str) -> None:
    """Drop ``name`` if a crashed run left it, then create it empty."""
    drop_database(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} LOCALE 'C.UTF-8' TEMPLATE template0 ENCODING 'UTF8'")
                     .format(sql.Identifier(name)))


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    try:
        psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        print(f"PostgreSQL not reachable at {ADMIN_URL}: {error}".strip(), file=sys.stderr)
        return 1
    if command == "create":
        create_database(ADMIN_URL, argv[2])
    elif command == "drop":
        drop_database(ADMIN_URL, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
