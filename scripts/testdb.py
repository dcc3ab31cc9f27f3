"""Create or drop a throw-away PostgreSQL database for one test run.

Usage: python scripts/testdb.py check|create NAME|drop NAME
Connects with TEST_PG_ADMIN_URL (default: postgres on 127.0.0.1:5432, trust auth).
"""
from __future__ import annotations

import os
import sys

import psycopg
from psycopg import sql

ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    try:
        conn = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        print(f"PostgreSQL not reachable at {ADMIN_URL}: {error}".strip(), file=sys.stderr)
        return 1
    with conn:
        if command == "create":
            name = argv[2]
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {} LOCALE 'C.UTF-8' TEMPLATE template0 ENCODING 'UTF8'")
                         .format(sql.Identifier(name)))
        elif command == "drop":
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
