"""The secret ballot, attacked from the database afterwards.

Five reviewers vote on a three-report sitting through their ballot page, each with a
different pattern, so a linking attack that worked would show. Each attack is first
played while the vote is open (a live observer of the database can link, as the README
says: that is what the attack looks like when it works), then after counting, when it
must link no ballot to any voter. PostgreSQL: transaction ids (``xmin``), physical
order (``ctid``), and dead row versions read from the raw heap pages. SQLite: row ids,
key order, the WAL replayed frame by frame, and the database file's bytes. Both: time
and the history.
"""
from __future__ import annotations

import sqlite3
import struct
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import AuditEntry, User

from .conftest import login_as
from .sitting_helpers import accepted_items, entry_ids, open_sitting, vote

VOTES = {  # username -> grades for entries 1..3; every pattern differs
    "reviewer1": ["satisfied", "satisfied", "satisfied"],
    "reviewer2": ["satisfied", "unsatisfied", "basic"],
    "reviewer3": ["unsatisfied", "unsatisfied", "unsatisfied"],
    "reviewer4": ["basic", "satisfied", "unsatisfied"],
    "reviewer5": ["blank", "basic", "satisfied"],
}


def _grade(value) -> str:
    return value or "blank"


@pytest.fixture
def voted(app, demo):
    """An online sitting where all five reviewers have voted; not yet stopped."""
    staff = login_as(app, "staff")
    sitting_id = open_sitting(staff, accepted_items(app, 3))
    entries = entry_ids(app, sitting_id)
    clients = {name: login_as(app, name) for name in VOTES}  # signing in is history of its own
    with app.app_context():
        history = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    order = []
    for username, grades in VOTES.items():
        assert vote(app, username, sitting_id, grades, clients[username]).status_code == 303
        order.append(demo[username])
    with app.app_context():
        # Nothing is written to the history while people vote, not even "took part".
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == history
        truth = {demo[name]: Counter(zip(entries, grades, strict=True)) for name, grades in VOTES.items()}
    return {"staff": staff, "sitting": sitting_id, "entries": entries, "truth": truth, "vote_order": order}


def _count(app, world) -> None:
    staff = world["staff"]
    assert staff.post(f"/sittings/{world['sitting']}/stop").status_code == 303
    assert staff.post(f"/sittings/{world['sitting']}/count").status_code == 303
    with app.app_context():
        db.session.remove()


def _linked(candidates: dict[int, Counter], world) -> list[int]:
    """Voters whose ballots an attack pinned down exactly."""
    return [voter for voter, ballots in candidates.items() if ballots and ballots == world["truth"][voter]]


def _ballots(app, world, extra: str = "") -> list:
    with app.app_context():
        return db.session.execute(sa.text(
            f"SELECT {extra} key, evaluation_id, grade FROM ballot WHERE sitting_id = :s"),
            {"s": world["sitting"]}).all()


def test_no_column_of_a_ballot_or_a_participation_says_who_or_when(app):
    with app.app_context():
        ballot = {c.name for c in db.metadata.tables["ballot"].columns}
        participant = {c.name for c in db.metadata.tables["sitting_participant"].columns}
    assert ballot == {"key", "sitting_id", "evaluation_id", "grade"}
    assert participant == {"sitting_id", "user_id"}


def test_counting_rewrites_every_ballot_under_a_new_key_and_keeps_the_counts(app, voted):
    before = _ballots(app, voted)
    _count(app, voted)
    after = _ballots(app, voted)
    assert not {row.key for row in before} & {row.key for row in after}
    assert Counter((r.evaluation_id, r.grade) for r in before) == Counter((r.evaluation_id, r.grade) for r in after)
    page = voted["staff"].get(f"/sittings/{voted['sitting']}").get_data(as_text=True)
    assert "满意3，" in page or "满意2，" in page  # the arithmetic of the result is shown


def test_history_records_participation_at_counting_without_time_order_or_address(app, voted, demo):
    _count(app, voted)
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "sitting.participate")
                                  .order_by(AuditEntry.at, AuditEntry.id)).all()
        names = [db.session.get(User, r.actor_id).display_name for r in rows]
        assert sorted(r.actor_id for r in rows) == sorted(voted["truth"])
        assert all(r.remote_addr is None for r in rows)
        # Their order is the order of names, not of votes; nothing in the history carries a grade.
        assert names == sorted(names)
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action.like("%vote%")))


# --- PostgreSQL ------------------------------------------------------------------------

def _pg_xmin_attack(app, world) -> dict[int, Counter]:
    """Join by transaction id: equal ids, and the order of ids (a vote's participation row
    is written in a savepoint, whose id is one more than its ballots')."""
    with app.app_context():
        participants = db.session.execute(sa.text(
            "SELECT xmin::text AS tx, user_id FROM sitting_participant WHERE sitting_id = :s"),
            {"s": world["sitting"]}).all()
        history = db.session.execute(sa.text(
            "SELECT xmin::text AS tx, actor_id FROM audit_entry WHERE actor_id IS NOT NULL")).all()
    by_tx: dict[str, Counter] = {}
    for row in _ballots(app, world, "xmin::text AS tx,"):
        by_tx.setdefault(row.tx, Counter())[(row.evaluation_id, _grade(row.grade))] += 1
    candidates: dict[int, Counter] = {}
    for tx, voter in [*participants, *history]:
        if voter in world["truth"] and tx in by_tx:
            candidates.setdefault(voter, Counter()).update(by_tx[tx])
    in_order = sorted(participants, key=lambda row: int(row.tx))
    groups = [by_tx[tx] for tx in sorted(by_tx, key=int)]
    if len(groups) == len(in_order):
        for (_, voter), ballots in zip(in_order, groups, strict=True):
            candidates.setdefault(voter, ballots)
    return candidates


def _pg_ctid_attack(app, world) -> dict[int, Counter]:
    """Ballots in physical order, cut into one ballot paper per voter in the order the
    participation rows were written."""
    with app.app_context():
        voters = [v for (v,) in db.session.execute(sa.text(
            "SELECT user_id FROM sitting_participant WHERE sitting_id = :s ORDER BY ctid"), {"s": world["sitting"]})]
    ballots = sorted(_ballots(app, world, "ctid AS place,"), key=lambda r: tuple(map(int, r.place[1:-1].split(","))))
    per = len(world["entries"])
    return {voter: Counter((r.evaluation_id, _grade(r.grade)) for r in ballots[i * per:(i + 1) * per])
            for i, voter in enumerate(voters)}


def _pg_raw_pages_attack(app, world) -> set[str]:
    """Transaction ids of every row version still in the ballot table's pages, dead ones
    included (pageinspect reads the raw heap, as a reader of the data files would)."""
    with app.app_context():
        db.session.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        db.session.commit()
        pages = db.session.scalar(sa.text("SELECT pg_relation_size('ballot') / current_setting('block_size')::int"))
        found = set()
        for page in range(pages):
            found |= {str(x) for (x,) in db.session.execute(sa.text(
                "SELECT t_xmin FROM heap_page_items(get_raw_page('ballot', :p)) WHERE lp_flags = 1"), {"p": page})}
        participants = {int(x) for (x,) in db.session.execute(sa.text(
            "SELECT xmin::text FROM sitting_participant WHERE sitting_id = :s"), {"s": world["sitting"]})}
        db.session.commit()
    # A vote's ballots are its top transaction; its participation row is in a savepoint (id + 1).
    votes = {str(x - 1) for x in participants} | {str(x) for x in participants}
    return found & votes


# --- SQLite ----------------------------------------------------------------------------

def _sqlite_file(app) -> Path:
    with app.app_context():
        return Path(db.engine.url.database)


def _wal_snapshots(path: Path) -> list[bytes]:
    """The database as it stood after each commit in the WAL, rebuilt frame by frame."""
    wal = Path(f"{path}-wal")
    data = wal.read_bytes() if wal.exists() else b""
    if len(data) < 32:
        return []
    page_size, salt = struct.unpack(">I", data[8:12])[0], data[16:24]
    image, pages, snapshots, offset = bytearray(path.read_bytes()), {}, [], 32
    while offset + 24 + page_size <= len(data):
        number, commit = struct.unpack(">II", data[offset:offset + 8])
        if data[offset + 8:offset + 16] != salt:
            break  # a frame of an older WAL generation
        pages[number] = data[offset + 24:offset + 24 + page_size]
        offset += 24 + page_size
        if commit:
            snapshot = bytearray(image[:commit * page_size].ljust(commit * page_size, b"\0"))
            for n, page in pages.items():
                if n <= commit:
                    snapshot[(n - 1) * page_size:n * page_size] = page
            snapshots.append(bytes(snapshot))
    return snapshots


def _read_snapshot(image: bytes, tmp: Path, sitting_id: int):
    tmp.write_bytes(image)
    Path(f"{tmp}-wal").unlink(missing_ok=True)
    with sqlite3.connect(tmp) as conn:
        try:
            voters = {v for (v,) in conn.execute("SELECT user_id FROM sitting_participant WHERE sitting_id = ?",
                                                 (sitting_id,))}
            ballots = set(conn.execute("SELECT key, evaluation_id, grade FROM ballot WHERE sitting_id = ?",
                                       (sitting_id,)))
        except sqlite3.DatabaseError:
            return set(), set()
    return voters, ballots


def _wal_replay_attack(path: Path, world, tmp: Path) -> dict[int, Counter]:
    """Diff consecutive commits: a commit that adds one voter and some ballots links them."""
    candidates, seen_voters, seen_ballots = {}, set(), set()
    for image in _wal_snapshots(path):
        voters, ballots = _read_snapshot(image, tmp, world["sitting"])
        new_voters, new_ballots = voters - seen_voters, ballots - seen_ballots
        if len(new_voters) == 1 and new_ballots:
            candidates[next(iter(new_voters))] = Counter((e, _grade(g)) for _, e, g in new_ballots)
        seen_voters, seen_ballots = voters, ballots
    return candidates


def _sqlite_key_order_attack(app, world) -> dict[int, Counter]:
    """Ballots in the only order the table has (its random keys), cut into papers in voting order."""
    ballots = _ballots(app, world)
    per = len(world["entries"])
    return {voter: Counter((r.evaluation_id, _grade(r.grade)) for r in ballots[i * per:(i + 1) * per])
            for i, voter in enumerate(world["vote_order"])}


# --- the attacks, live and after counting, on the database of this pass ------------------

def test_a_live_observer_links_every_ballot(app, voted, db_backend, tmp_path):
    """What the README warns about: while the vote is open, a reader of the database can
    link ballots to voters (use 表决器 at the meeting when that matters)."""
    if db_backend == "postgresql":
        linked = _linked(_pg_xmin_attack(app, voted), voted)
        assert _linked(_pg_ctid_attack(app, voted), voted) == linked
        assert _pg_raw_pages_attack(app, voted)
    else:
        # The app keeps its connections open (closing the last one would checkpoint the WAL).
        linked = _linked(_wal_replay_attack(_sqlite_file(app), voted, tmp_path / "copy.db"), voted)
    assert len(linked) == 5


def test_after_counting_no_attack_links_any_ballot(app, voted, db_backend, tmp_path):
    old_keys = {row.key.encode() for row in _ballots(app, voted)}
    _count(app, voted)
    if db_backend == "postgresql":
        assert _linked(_pg_xmin_attack(app, voted), voted) == []
        # All ballots now carry the counting transaction's id, which no vote had.
        assert len({row.tx for row in _ballots(app, voted, "xmin::text AS tx,")}) == 1
        # A shuffle of 15 ballots that happens to rebuild all five papers in voting order
        # has a chance far below one in a million; a real link would show as all five.
        assert len(_linked(_pg_ctid_attack(app, voted), voted)) < 5
        assert _pg_raw_pages_attack(app, voted) == set()  # dead row versions reclaimed
    else:
        path = _sqlite_file(app)
        with app.app_context(), pytest.raises(sa.exc.OperationalError, match="rowid"):
            db.session.execute(sa.text("SELECT rowid FROM ballot")).all()
        assert len(_linked(_sqlite_key_order_attack(app, voted), voted)) < 5
        assert _wal_replay_attack(path, voted, tmp_path / "copy.db") == {}
        wal = Path(f"{path}-wal")
        assert not wal.exists() or wal.stat().st_size == 0  # checkpointed and truncated
        # Nor do the ballots of the voting transactions survive as old cells in the file.
        raw = path.read_bytes()
        assert not [key for key in old_keys if key in raw]
