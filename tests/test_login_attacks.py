"""Attacks on signing in from issue 13, each played against the app."""
from __future__ import annotations

import sqlite3
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from tracker import create_app
from tracker.extensions import db
from tracker.models import AuditEntry, LoginThrottle, Notification
from tracker.services import login as login_service
from tracker.services.login import REFUSED

from .conftest import Client, make_config


def _client(app, address="127.0.0.1") -> Client:
    client = Client(app)
    client.http.environ_base["REMOTE_ADDR"] = address
    return client


def _actions(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_parallel_guesses_cannot_exceed_the_limit(app, demo, database_uri):
    """Before: 22–28 guesses were evaluated against a limit of 5, and a right password
    inside a burst of wrong ones got in. Two app instances (two workers), 16 threads."""
    other = create_app(make_config(database_uri))
    limit = app.config["LOGIN_MAX_FAILURES"]
    clients = [_client([app, other][i % 2]) for i in range(24)]
    for client in clients:
        client.refresh_csrf("/login")

    def guess(client):
        return client.http.post("/login", data={"username": "reviewer2", "password": "wrong-guess-123",
                                                "csrf_token": client.csrf}).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(guess, clients)) == {200}
    assert _actions(app, "auth.login_failed") == limit  # passwords actually compared
    assert _actions(app, "auth.login_paused") == 24 - limit  # refused without a comparison
    assert _actions(app, "auth.locked") == 1  # the pause escalates once per pause
    right = _client(other).login("reviewer2", expect_ok=False)
    assert right.status_code == 200 and REFUSED in right.get_data(as_text=True)
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_unknown_wrong_and_paused_get_the_same_answer(app, demo):
    """Before: only real accounts were ever 锁定, so the message told which names exist."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    for name in ("staff", "no-such-person"):
        for _ in range(limit):
            _client(app).login(name, "wrong-guess-123", expect_ok=False)
    answers = {
        "unknown": _client(app).login("someone-else", "wrong-guess-123", expect_ok=False),
        "wrong": _client(app).login("unit_edu", "wrong-guess-123", expect_ok=False),
        "paused real": _client(app).login("staff", "demo-password", expect_ok=False),
        "paused unknown": _client(app).login("no-such-person", "demo-password", expect_ok=False),
    }
    bodies = {name: r.get_data(as_text=True) for name, r in answers.items()}
    assert all(r.status_code == 200 for r in answers.values())
    assert all(REFUSED in body and "锁定" not in body for body in bodies.values())
    with app.app_context():
        paused = db.session.scalar(sa.select(LoginThrottle).where(LoginThrottle.name_key == "no-such-person"))
        assert paused.locked_until is not None  # unknown names are paused exactly like real ones


@pytest.mark.slow  # production-strength Argon2 hashes
def test_a_paused_answer_costs_the_same_hashing_time(app, demo, database_uri):
    """Before: a locked account answered in ~5 ms, a wrong password in ~125 ms. With the
    production Argon2 parameters, the paused answer still does one full verification."""
    real = create_app(make_config(database_uri, PASSWORD_HASH_FAST=False))
    limit = real.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        _client(real, "10.1.1.1").login("unit_health", "wrong-guess-123", expect_ok=False)

    def timed(address):
        client = _client(real, address)
        client.refresh_csrf("/login")
        start = time.perf_counter()
        client.http.post("/login", data={"username": "unit_health", "password": "wrong-guess-456",
                                         "csrf_token": client.csrf})
        return time.perf_counter() - start

    paused = statistics.median(timed("10.1.1.1") for _ in range(3))
    wrong = statistics.median(timed(f"10.2.2.{i}") for i in range(3))
    assert paused > 0.5 * wrong, (paused, wrong)
    with real.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_stranger_cannot_lock_the_administrator_out(app, demo):
    """Before: anyone could lock ``admin``. The pause holds for the guesser's address."""
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 3):
        _client(app, "10.66.66.66").login("admin", "wrong-guess-123", expect_ok=False)
    _client(app, "10.0.0.9").login("admin")  # the administrator at their own desk
    assert REFUSED in _client(app, "10.66.66.66").login("admin", expect_ok=False).get_data(as_text=True)
    with app.app_context():
        notes = db.session.scalars(sa.select(Notification.text).where(Notification.user_id == demo["admin"])).all()
    assert any("10.66.66.66" in note for note in notes), "the real user is told about the pause"


def test_flask_unlock_user(app, demo):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _client(app).login("unit_edu", "wrong-guess-123", expect_ok=False)
    result = app.test_cli_runner().invoke(args=["unlock-user", "UNIT_EDU"])
    assert result.exit_code == 0 and "已解除 unit_edu" in result.output
    _client(app).login("unit_edu")
    assert app.test_cli_runner().invoke(args=["unlock-user", "nobody"]).exit_code != 0


def _write_lock_is_free(app, db_backend) -> str:
    """From another connection: SQLite's database-wide write lock, or on PostgreSQL the
    rows a login writes (its throttle row, the account), taken without waiting."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if db_backend == "sqlite":
        other = sqlite3.connect(uri.removeprefix("sqlite:///"), timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if the login holds the lock
            other.execute("ROLLBACK")
            return "free"
        except sqlite3.OperationalError as error:
            return str(error)
        finally:
            other.close()
    engine = sa.create_engine(uri)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT id FROM login_throttle FOR UPDATE NOWAIT"))
            conn.execute(sa.text("SELECT id FROM user_account WHERE username = 'staff' FOR UPDATE NOWAIT"))
        return "free"
    except sa.exc.OperationalError as error:
        return str(error.orig)
    finally:
        engine.dispose()


def test_the_password_is_verified_outside_the_write_transaction(app, demo, db_backend, monkeypatch):
    """Before: on SQLite every login POST held the database write lock for the length of
    the hash. While the password is being checked, another connection can write."""
    seen = []
    real_verify = login_service.verify_password

    def verify_while_another_process_writes(password_hash, password):
        seen.append(_write_lock_is_free(app, db_backend))
        return real_verify(password_hash, password)

    monkeypatch.setattr(login_service, "verify_password", verify_while_another_process_writes)
    _client(app).login("staff")
    _client(app).login("staff", "wrong-guess-123", expect_ok=False)
    assert seen == ["free", "free"]


def test_concurrent_password_checks_are_capped(app, demo):
    """Before: a login flood ran every Argon2 hash at once (64 MiB each). Now at most
    PASSWORD_CHECKS_AT_ONCE per process; beyond that, a short wait and then 503."""
    app.config.update(PASSWORD_CHECKS_AT_ONCE=1, PASSWORD_SLOT_WAIT_SECONDS=0)
    client = _client(app)
    client.refresh_csrf("/login")
    with app.app_context(), login_service.hash_slot():  # another request is hashing
        busy = client.http.post("/login", data={"username": "staff", "password": "demo-password",
                                                "csrf_token": client.csrf})
    assert busy.status_code == 503 and "系统繁忙" in busy.get_data(as_text=True)
    _client(app).login("staff")  # the slot is free again


def _limited_app(database_uri, **overrides):
    return create_app(make_config(database_uri, LOGIN_RATE_LIMIT="3 per minute",
                                  LOGIN_GLOBAL_RATE_LIMIT="1000 per minute", **overrides))


def test_per_address_rate_limit_in_memory(demo, database_uri):
    """Before: no rate limit at all. One node: the limiter counts in process memory."""
    limited = _limited_app(database_uri)
    statuses = [_client(limited, "10.3.3.3").login("staff", "wrong-guess-123", expect_ok=False).status_code
                for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    page = _client(limited, "10.3.3.3").login("staff", expect_ok=False)
    assert page.status_code == 429 and "过于频繁" in page.get_data(as_text=True)
    _client(limited, "10.4.4.4").login("staff")  # another address is not affected
    assert _actions(limited, "auth.rate_limited") >= 3


def test_site_wide_rate_limit(demo, database_uri):
    limited = create_app(make_config(database_uri, LOGIN_GLOBAL_RATE_LIMIT="4 per minute"))
    statuses = [_client(limited, f"10.5.5.{i}").login("staff", "wrong-guess-123", expect_ok=False).status_code
                for i in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_rate_limit_shared_through_redis_across_nodes(demo, database_uri):
    """Several app nodes: with REDIS_URL every worker of every node counts in one place
    (Redis runs on 127.0.0.1:6379 on this machine and in CI)."""
    prefix = f"tracker-test-{uuid.uuid4().hex}"
    nodes = [_limited_app(database_uri, REDIS_URL="redis://127.0.0.1:6379/15", RATELIMIT_KEY_PREFIX=prefix)
             for _ in range(2)]
    statuses = [_client(nodes[i % 2], "10.6.6.6").login("staff", "wrong-guess-123", expect_ok=False).status_code
                for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    from tracker.ratelimit import storage_description
    assert storage_description(nodes[0]) == "Redis 127.0.0.1:6379/15"
    memory = [_limited_app(database_uri) for _ in range(2)]
    alone = [_client(memory[i % 2], "10.7.7.7").login("staff", "wrong-guess-123", expect_ok=False).status_code
             for i in range(5)]
    assert alone.count(429) == 0  # in memory each node counts alone: why REDIS_URL is needed
