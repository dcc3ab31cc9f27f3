"""Mixed load through gunicorn as in production: 32 clients for ~10 s on loopback.

Staff read and filter, units post progress, reviewers vote. Nothing may answer 5xx,
and every write the server acknowledged must be in the database afterwards (the
longer version is ``make soak``). Runs on the suite's database kind, in a scratch
database of its own.
"""
from __future__ import annotations

import os

import pytest

from bench.loadlib import Server
from bench.mixed import load_plan, run_mixed, summary, verify
from bench.scratch import scratch_database

pytestmark = pytest.mark.slow


@pytest.fixture
def load_db():
    with scratch_database(400, pg_url=os.environ.get("TEST_DATABASE_URL", "").strip() or None,
                          open_evaluations=60) as url:
        yield url


def test_mixed_load_keeps_every_acknowledged_write(load_db):
    plan = load_plan(load_db)
    assert plan.rectifying["unit_edu"] and plan.open_evaluations
    with Server(load_db) as server:
        result = run_mixed(server, plan, clients=32, seconds=10, share_logins=True)
    stats, check = summary(result), verify(load_db, result)
    assert stats["five_xx"] == 0, stats
    assert result.statuses[0] == 0, stats  # no dropped connections without a fault
    assert set(result.statuses) <= {200, 303}, stats
    # Invariants, not throughput: something of each kind was written, and nothing was lost.
    assert check["acked_progress"] > 0 and check["acked_votes"] > 0, check
    assert check["lost_progress"] == 0 and check["lost_votes"] == 0, check
    assert check["unacked_stored"] == 0, check  # and nothing stored that was refused
    assert check["counter_mismatches"] == 0, check
    assert check["integrity_check"] in ("ok", "n/a"), check
