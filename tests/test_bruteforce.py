"""Password guessing: the pause engages after LOGIN_MAX_FAILURES, holds per typed name
and address, and holds across workers.

Gunicorn runs several worker processes, each with its own app and connection pool; a
counter kept in one worker's memory would give an attacker N times the guesses. Two
``create_app()`` instances on the same database stand in for two workers here.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tracker import create_app
from tracker.extensions import db
from tracker.models import LoginThrottle
from tracker.services.login import REFUSED

from .conftest import Client, make_config


@pytest.fixture
def second_worker(app, database_uri):
    other = create_app(make_config(database_uri))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _state(app, username, address="127.0.0.1"):
    """(failures, paused until) of this name from this address; (0, None) when clean."""
    with app.app_context():
        row = db.session.scalar(sa.select(LoginThrottle).where(LoginThrottle.name_key == username,
                                                               LoginThrottle.address == address))
        return (row.failures, row.locked_until) if row else (0, None)


def _locked_out(response) -> bool:
    """Refused with the one message every failure gets (a pause does not show)."""
    return response.status_code == 200 and REFUSED in response.get_data(as_text=True)


def test_lockout_counts_failures_from_both_workers_and_holds_in_both(app, demo, second_worker):
    limit = app.config["LOGIN_MAX_FAILURES"]
    workers = [app, second_worker]
    for attempt in range(limit):
        # A fresh client per guess, alternating workers: neither cookies nor process
        # memory carry the count, only the database does.
        response = Client(workers[attempt % 2]).login("unit_edu", f"guess-{attempt}-x", expect_ok=False)
        assert REFUSED in response.get_data(as_text=True)
        if attempt < limit - 1:
            assert _state(app, "unit_edu")[1] is None, "locked before the limit"
    assert _state(second_worker, "unit_edu")[0] == limit
    for worker in workers:
        response = Client(worker).login("unit_edu", "demo-password", expect_ok=False)
        assert _locked_out(response), "the right password must not get in while locked"


def test_lockout_is_per_account(app, demo, second_worker):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for attempt in range(limit):
        Client([app, second_worker][attempt % 2]).login("unit_edu", "wrong-password-1", expect_ok=False)
    for worker in (app, second_worker):
        for other in ("unit_health", "staff"):
            Client(worker).login(other)  # asserts a successful sign-in
    assert _state(app, "unit_health") == (0, None)


def test_failures_below_the_limit_are_forgotten_after_a_good_login(app, demo, second_worker):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        Client(app).login("staff", "wrong-password-1", expect_ok=False)
    Client(second_worker).login("staff")
    assert _state(app, "staff") == (0, None)
    # The count starts again: limit - 1 more failures do not lock.
    for _ in range(limit - 1):
        Client(second_worker).login("staff", "wrong-password-1", expect_ok=False)
    Client(app).login("staff")


def test_guessing_during_the_lock_does_not_reveal_the_password(app, demo, second_worker):
    """While locked, a right and a wrong password get the same answer, so guessing on
    during the lock teaches the attacker nothing."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    for attempt in range(limit):
        Client([app, second_worker][attempt % 2]).login("reviewer1", "wrong-password-1", expect_ok=False)
    right = Client(second_worker).login("reviewer1", "demo-password", expect_ok=False)
    wrong = Client(app).login("reviewer1", "wrong-password-2", expect_ok=False)
    assert _locked_out(right) and _locked_out(wrong)
    assert right.status_code == wrong.status_code
    failures, locked_until = _state(app, "reviewer1")
    assert locked_until is not None and failures == limit  # attempts while locked do not extend it


def test_username_spelling_does_not_give_fresh_guesses(app, demo, second_worker):
    """Case and surrounding spaces name the same account: varying them must not reset or
    split the count."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    spellings = ["unit_edu", "UNIT_EDU", " Unit_Edu", "unit_edu ", "uNiT_eDu"]
    for attempt in range(limit):
        name = spellings[attempt % len(spellings)]
        Client([app, second_worker][attempt % 2]).login(name, "wrong-password-1", expect_ok=False)
    assert _locked_out(Client(app).login("unit_edu", "demo-password", expect_ok=False))


def test_simultaneous_guesses_on_two_workers_still_lock(app, demo, second_worker):
    """Guesses arriving at the same moment on both workers: the count is one atomic
    UPDATE … RETURNING, so none is lost and the lock engages."""
    from concurrent.futures import ThreadPoolExecutor
    limit = app.config["LOGIN_MAX_FAILURES"]
    clients = [Client([app, second_worker][i % 2]) for i in range(limit)]
    for client in clients:
        client.refresh_csrf("/login")

    def guess(client):
        return client.http.post("/login", data={"username": "unit_health", "password": "wrong-password-1",
                                                "csrf_token": client.csrf}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(guess, clients))
    assert all(status == 200 for status in statuses), statuses
    failures, locked_until = _state(app, "unit_health")
    assert failures == limit and locked_until is not None
    assert _locked_out(Client(second_worker).login("unit_health", "demo-password", expect_ok=False))
