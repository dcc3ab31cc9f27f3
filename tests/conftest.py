"""Test harness: one real database per run (SQLite file or PostgreSQL), built by the
Alembic migrations, and an HTTP client that signs in and sends CSRF tokens like a browser.

Select PostgreSQL with ``TEST_DATABASE_URL=postgresql://…`` (``make test`` does this for
its second pass); otherwise every test gets its own SQLite file copied from a migrated
template, which is much faster than migrating per test.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings

from tracker import create_app
from tracker.config import TestConfig
from tracker.extensions import db


def _database_per_worker() -> str | None:
    """Under pytest-xdist every worker gets its own PostgreSQL database next to the one
    ``make test`` made (tests truncate their database between tests, so two workers must
    never share one). Set before any test module reads TEST_DATABASE_URL."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not base or not worker:
        return None
    from urllib.parse import urlsplit

    from scripts.testdb import create_database, sibling
    name = f"{urlsplit(base).path.lstrip('/')}_{worker}"
    admin, url = sibling(base, name)
    create_database(admin, name)
    os.environ["TEST_DATABASE_URL"] = url
    return name


def _share_url_builders() -> None:
    """Compile each URL rule's builder once per test process, not once per app.

    Every test builds its own app (its own database), and werkzeug turns each of the app's
    ~130 URL rules into Python source and ``compile()``s it for every app: 60 of the
    61 ms ``create_app`` costs, ~7 minutes of CPU over the two passes. The generated function
    depends only on the rule text, its parsed parts, its defaults and ``append_unknown``
    (it reaches the rule's converters through its ``self`` argument when called), so the
    same function is reused for an identical rule. The application itself is untouched."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    built: dict = {}

    def shared(self, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]
    Rule._compile_builder = shared


_share_url_builders()
_WORKER_DATABASE = _database_per_worker()
PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL pass, SQLite's own checks (pragmas, BEGIN IMMEDIATE) are not run at
    all, and on the SQLite pass PostgreSQL's (prepared statements): deselected, so CI's rule
    that nothing skips holds on both passes."""
    other = "postgres_only" if not PG_URL else "sqlite_only"
    kept = [item for item in items if item.get_closest_marker(other) is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    if _WORKER_DATABASE:
        from scripts.testdb import drop_database, sibling
        drop_database(sibling(PG_URL, _WORKER_DATABASE)[0], _WORKER_DATABASE)

# Under CI every property test draws the same examples on every run: a failure can be
# rerun and seen again, and a green build is not luck.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


def _pg_url() -> str:
    url = PG_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_config(uri: str, **overrides):
    attrs = {"SQLALCHEMY_DATABASE_URI": uri, **overrides}
    return type("PerTestConfig", (TestConfig,), attrs)


def _upgrade(app) -> None:
    from flask_migrate import upgrade
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))


@pytest.fixture(scope="session")
def db_backend() -> str:
    return "postgresql" if PG_URL else "sqlite"


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    """Migrate once: a template SQLite file, or the PostgreSQL test database."""
    if PG_URL:
        engine = sa.create_engine(_pg_url())
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        _upgrade(create_app(make_config(_pg_url())))
        return _pg_url()
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(make_config(f"sqlite:///{path}"))
    _upgrade(app)
    with app.app_context():
        db.engine.dispose()
    return str(path)


# A full TRUNCATE every this many tests on a worker; DELETE in between (see ``_empty_all``).
TRUNCATE_EVERY = 100
_emptied = itertools.count()


def _empty_all(app) -> None:
    """Empty every table between PostgreSQL tests and restart the id sequences.

    ``TRUNCATE`` of all 36 tables costs 120–200 ms (a new file per table), which was a third
    of the PostgreSQL pass; ``DELETE`` of a test's few rows costs 6–8 ms. The rows it leaves
    dead are dropped by a ``TRUNCATE`` every ``TRUNCATE_EVERY`` tests (autovacuum may be off).
    The history refuses DELETE and TRUNCATE (triggers); only this harness, connected as a
    superuser, lifts that for its own transaction (``session_replication_role = replica``
    skips ordinary triggers, foreign-key checks included). The application's role cannot
    set it, and the production triggers stay as they are."""
    tables = [t.name for t in db.metadata.sorted_tables]
    with app.app_context():
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        if next(_emptied) % TRUNCATE_EVERY == 0:
            db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                db.session.execute(sa.text(f'DELETE FROM "{name}"'))
            db.session.execute(sa.text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                "FROM pg_sequences WHERE schemaname = current_schema()"))
        db.session.commit()


@pytest.fixture
def database_uri(_template_db, tmp_path) -> str:
    if PG_URL:
        return _template_db
    target = tmp_path / "test.db"
    shutil.copyfile(_template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(database_uri):
    app = create_app(make_config(database_uri))
    if PG_URL:
        _empty_all(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


class Client:
    """The Flask test client plus what a browser does for us: CSRF tokens and logins."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()
        self.csrf: str | None = None

    def refresh_csrf(self, path: str = "/login") -> str:
        response = self.http.get(path)
        match = CSRF_RE.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        self.csrf = match.group(1)
        return self.csrf

    def login(self, username: str, password: str = "demo-password", *, expect_ok: bool = True):
        token = self.refresh_csrf("/login")
        response = self.http.post("/login", data={"username": username, "password": password, "csrf_token": token})
        if expect_ok:
            assert response.status_code == 303, response.get_data(as_text=True)[:2000]
            self.refresh_csrf("/")
        return response

    def logout(self):
        return self.post("/logout")

    def get(self, path: str, **kwargs):
        return self.http.get(path, **kwargs)

    def post(self, path: str, data=None, *, htmx: bool = False, csrf: bool = True, headers=None, **kwargs):
        data = dict(data or {})
        headers = dict(headers or {})
        if csrf:
            if self.csrf is None:
                self.refresh_csrf("/login")
            if htmx:
                headers["X-CSRFToken"] = self.csrf
            else:
                data.setdefault("csrf_token", self.csrf)
        if htmx:
            headers["HX-Request"] = "true"
        return self.http.post(path, data=data, headers=headers, **kwargs)


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def make_client(app):
    return lambda: Client(app)


@pytest.fixture
def demo(app):
    """The demo units and accounts (no items), the same the README lists."""
    from tracker.demo import load_demo
    with app.app_context():
        users = load_demo()
        db.session.commit()
        ids = {name: user.id for name, user in users.items()}
    return ids


def login_as(app, username: str) -> Client:
    client = Client(app)
    client.login(username)
    return client
