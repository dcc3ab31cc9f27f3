"""Throw-away databases for load and fault runs, never the test suite's own database
(other tests truncate it): a SQLite file, or a new PostgreSQL database next to
``TEST_DATABASE_URL`` / ``SOAK_PG_URL`` that is dropped afterwards."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from scripts.testdb import create_database, drop_database, sibling

from .seed import create_database as create_database_with_items


@contextmanager
def scratch_database(items: int, *, pg_url: str | None = None, open_evaluations: int = 60,
                     tag: str = "load") -> Iterator[str]:
    """A seeded database URL (plain ``postgresql://`` or ``sqlite:///``) for one run."""
    if pg_url:
        base = urlsplit(pg_url).path.lstrip("/") or "tracker"
        name = f"{base}_{tag}_{os.getpid()}"
        admin, url = sibling(pg_url, name)
        create_database(admin, name)
        try:
            create_database_with_items(url, items, progress=None, open_evaluations=open_evaluations)
            yield url
        finally:
            drop_database(admin, name)
        return
    with tempfile.TemporaryDirectory(prefix=f"tracker-{tag}-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'load.db'}"
        create_database_with_items(url, items, progress=None, open_evaluations=open_evaluations)
        yield url
