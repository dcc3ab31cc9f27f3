"""Throw-away databases for load and fault runs, never the test suite's own database
(other tests truncate it): a SQLite file, or a new PostgreSQL database next to
``TEST_DATABASE_URL`` / ``SOAK_PG_URL`` that is dropped afterwards."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .seed import create_database


def _pg_admin(url: str, name: str) -> tuple[str, str]:
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    return admin, urlunsplit(parts._replace(path=f"/{name}"))


@contextmanager
def scratch_database(items: int, *, pg_url: str | None = None, open_evaluations: int = 60,
                     tag: str = "load") -> Iterator[str]:
    """A seeded database URL (plain ``postgresql://`` or ``sqlite:///``) for one run."""
    if pg_url:
        import psycopg
        from psycopg import sql
        base = urlsplit(pg_url).path.lstrip("/") or "tracker"
        name = f"{base}_{tag}_{os.getpid()}"
        admin, url = _pg_admin(pg_url.replace("postgresql+psycopg://", "postgresql://"), name)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {} LOCALE 'C.UTF-8' TEMPLATE template0 ENCODING 'UTF8'")
                         .format(sql.Identifier(name)))
        try:
            create_database(url, items, progress=None, open_evaluations=open_evaluations)
            yield url
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        return
    with tempfile.TemporaryDirectory(prefix=f"tracker-{tag}-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'load.db'}"
        create_database(url, items, progress=None, open_evaluations=open_evaluations)
        yield url
