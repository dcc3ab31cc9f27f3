"""Mixed load: staff reading and filtering, units posting progress, reviewers voting.

Every write the server acknowledged (303 after the POST) is remembered with a unique
marker, so afterwards ``verify`` can compare the acknowledgements with the database:
an acknowledged write that is missing is data loss. A request cut off by a fault
(status 0) has an unknown outcome and may or may not be stored.
Every client loop is bounded both by a request count and by a deadline.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from .loadlib import Client, Server
from .seed import _sqlalchemy_url

FILTERS = ["/items", "/items?stage=改", "/items?stage=评", "/items?overdue=1", "/items?stage=办结&page=2",
           "/items?q=整改", "/items?supervised=1"]


@dataclass
class Plan:
    """What the clients may touch, read from the database before the run."""

    items: list[int]
    rectifying: dict[str, list[int]]  # unit username -> items in 整改中 led by that unit
    open_evaluations: list[int]  # item ids with an open online evaluation


@dataclass
class Result:
    statuses: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    acked_progress: set[str] = field(default_factory=set)
    unknown_progress: set[str] = field(default_factory=set)
    acked_votes: set[tuple[int, str]] = field(default_factory=set)  # (item id, reviewer username)
    ack_times: list[float] = field(default_factory=list)  # time.monotonic() of every acknowledged write
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int, seconds: float, path: str) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.by_kind[kind] += 1
            self.latencies.append(seconds)
            # Anything but a page or a redirect is named, so a failed run says which request.
            if status not in (200, 303) and len(self.errors) < 20:
                self.errors.append(f"{status} {path} at {time.monotonic():.1f}")

    @property
    def five_xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def load_plan(database_url: str) -> Plan:
    engine = sa.create_engine(_sqlalchemy_url(database_url))
    with engine.connect() as conn:
        items = list(conn.scalars(sa.text("SELECT id FROM item ORDER BY id DESC LIMIT 2000")))
        rectifying = {}
        for username in ("unit_edu", "unit_health"):
            rectifying[username] = list(conn.scalars(sa.text(
                "SELECT item.id FROM item JOIN user_account u ON u.unit_id = item.lead_unit_id "
                "WHERE u.username = :u AND item.stage = 'rectifying' ORDER BY item.id DESC LIMIT 500"),
                {"u": username}))
        open_evals = list(conn.scalars(sa.text(
            "SELECT item_id FROM evaluation WHERE status = 'open' AND mode = 'online' ORDER BY item_id")))
    engine.dispose()
    return Plan(items, rectifying, open_evals)


def roles_for(clients: int) -> list[str]:
    """About 40 % staff readers, 45 % unit posters, the rest reviewers (at most five
    reviewer accounts exist, and each voter gets its own account)."""
    reviewers = min(5, max(1, clients // 6))
    units = max(1, round(clients * 0.45))
    staff = max(1, clients - reviewers - units)
    names = ["staff"] * staff + ["unit_edu", "unit_health"] * (units // 2) + ["unit_edu"] * (units % 2)
    return names + [f"reviewer{i}" for i in range(1, reviewers + 1)]


def login_all(port: int, usernames: list[str], *, share: bool = False) -> list[Client]:
    """One session per client. Logins of the same account run one after another: a
    login writes the account row, and concurrent writes to one row conflict.

    ``share`` logs each account in once and gives its other clients a copy of that
    session (like two tabs of one browser): the short tests use it because each
    production-strength Argon2 check costs ~0.1–0.3 s of a worker's CPU.
    """
    clients = [Client(port) for _ in usernames]
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(usernames):
        groups.setdefault(name, []).append(index)

    def run(name: str, indexes: list[int]) -> None:
        for index in indexes:
            if share and index != indexes[0]:
                first = clients[indexes[0]]
                clients[index].cookies, clients[index].csrf = dict(first.cookies), first.csrf
            else:
                clients[index].login(name)
    threads = [threading.Thread(target=run, args=item) for item in groups.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients


def _staff(client: Client, plan: Plan, rng: random.Random, result: Result) -> None:
    path = rng.choice(FILTERS) if rng.random() < 0.6 else f"/items/{rng.choice(plan.items)}"
    response = client.get(path)
    result.note("read", response.status, response.seconds, path)


def _unit(client: Client, name: str, plan: Plan, rng: random.Random, result: Result, marker: str) -> None:
    targets = plan.rectifying.get(name) or []
    if not targets or rng.random() < 0.3:
        response = client.get("/my")
        result.note("read", response.status, response.seconds, "/my")
        return
    path = f"/items/{rng.choice(targets)}/progress"
    response = client.post(path, {"kind": "progress", "text": marker})
    result.note("write", response.status, response.seconds, path)
    with result.lock:
        if response.status == 303:
            result.acked_progress.add(marker)
            result.ack_times.append(time.monotonic())
        elif response.status == 0:
            result.unknown_progress.add(marker)


def _reviewer(client: Client, name: str, todo: list[int], rng: random.Random, result: Result) -> None:
    if not todo or rng.random() < 0.3:
        response = client.get("/evaluations")
        result.note("read", response.status, response.seconds, "/evaluations")
        return
    item_id = todo.pop()
    path = f"/items/{item_id}/evaluation/vote"
    response = client.post(path, {"grade": rng.choice(["satisfied", "basic", "unsatisfied", "blank"])})
    result.note("write", response.status, response.seconds, path)
    if response.status == 303:
        with result.lock:
            result.acked_votes.add((item_id, name))
            result.ack_times.append(time.monotonic())


def run_mixed(server: Server, plan: Plan, *, clients: int = 32, seconds: float = 10.0, max_requests: int = 100_000,
              usernames: list[str] | None = None, result: Result | None = None,
              share_logins: bool = False) -> Result:
    usernames = usernames or roles_for(clients)
    sessions = login_all(server.port, usernames, share=share_logins)
    result = result or Result()
    run_id = result.run_id
    deadline = time.monotonic() + seconds
    per_client = max(1, max_requests // len(sessions))

    def worker(index: int) -> None:
        rng = random.Random(index)
        name, client = usernames[index], sessions[index]
        todo = list(plan.open_evaluations) if name.startswith("reviewer") else []
        rng.shuffle(todo)
        for n in range(per_client):
            if time.monotonic() >= deadline:
                break
            if name == "staff":
                _staff(client, plan, rng, result)
            elif name.startswith("unit"):
                _unit(client, name, plan, rng, result, f"load-{run_id}-{index}-{n}")
            else:
                _reviewer(client, name, todo, rng, result)
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    result.seconds = time.monotonic() - started
    return result


def verify(database_url: str, result: Result) -> dict:
    """Compare what the server acknowledged with what the database holds."""
    engine = sa.create_engine(_sqlalchemy_url(database_url))
    with engine.connect() as conn:
        stored = set(conn.scalars(sa.text("SELECT text FROM progress_entry WHERE text LIKE :p"),
                                  {"p": f"load-{result.run_id}-%"}))
        voted = {tuple(row) for row in conn.execute(sa.text(
            "SELECT e.item_id, u.username FROM sitting_participant p JOIN evaluation e ON e.sitting_id = p.sitting_id "
            "JOIN user_account u ON u.id = p.user_id WHERE e.status = 'open'"))}
        # Every participant cast exactly one ballot per entry of the sitting.
        bad_counts = conn.scalar(sa.text(
            "SELECT COUNT(*) FROM evaluation e WHERE e.mode = 'online' AND e.status = 'open' AND "
            "(SELECT COUNT(*) FROM ballot b WHERE b.evaluation_id = e.id) <> "
            "(SELECT COUNT(*) FROM sitting_participant p WHERE p.sitting_id = e.sitting_id)"))
        integrity = conn.scalar(sa.text("PRAGMA integrity_check")) if engine.dialect.name == "sqlite" else "n/a"
    engine.dispose()
    return {
        "acked_progress": len(result.acked_progress), "stored_progress": len(stored),
        "lost_progress": len(result.acked_progress - stored),
        "unacked_stored": len(stored - result.acked_progress),
        "unknown_progress": len(result.unknown_progress),
        "acked_votes": len(result.acked_votes), "lost_votes": len(result.acked_votes - voted),
        "counter_mismatches": bad_counts, "integrity_check": integrity,
    }


def summary(result: Result) -> dict:
    from .loadlib import percentile
    lat = [s * 1000 for s in result.latencies]
    return {"requests": result.requests, "seconds": round(result.seconds, 1),
            "req_per_s": round(result.requests / result.seconds, 1) if result.seconds else 0,
            "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
            "reads": result.by_kind["read"], "writes": result.by_kind["write"], "five_xx": result.five_xx,
            "errors": result.errors}
