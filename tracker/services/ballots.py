"""The secret ballot: cast, count, and make the stored ballots unlinkable afterwards.

What a vote writes, in its own transaction: one ``Ballot`` row per entry (sitting,
entry, grade, random key) and one ``SittingParticipant`` row (sitting, voter). No
counter is incremented, no history row is written, no time is stored, no other row is
touched, so nothing shares the vote's transaction but the vote itself.

At counting (``shuffle_ballots``), the sitting's ballots are deleted and written again
in one transaction, in random order and under new keys: on PostgreSQL every ballot
then carries the counting transaction's id (``xmin``) and a shuffled physical place
(``ctid``); on SQLite the ballot table has no rowid, and after the commit the WAL is
checkpointed and truncated (``scrub_after_count``) so no page image of a single vote
survives. The history records who took part only then, without time or address.
"""
from __future__ import annotations

import secrets
from collections import Counter

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Ballot, Evaluation, Sitting, SittingParticipant, SittingStatus, SittingVoter, User
from ..tally import Grade
from ..workflow import Action, check
from . import OperationError

ALREADY_VOTED = "您已参加本次测评，每人只能投一次，且不能修改"


def new_key() -> str:
    return secrets.token_hex(16)


def has_voted(sitting: Sitting, user: User) -> bool:
    return db.session.get(SittingParticipant, (sitting.id, user.id)) is not None


def is_eligible(sitting: Sitting, user: User) -> bool:
    return db.session.get(SittingVoter, (sitting.id, user.id)) is not None


def participant_count(sitting: Sitting) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SittingParticipant).where(
        SittingParticipant.sitting_id == sitting.id)) or 0


def submit_ballot(sitting: Sitting, entries: list[Evaluation], grades: dict[int, Grade | None], actor: User) -> None:
    """One reviewer's ballot for every entry of an online sitting, all at once.

    ``grades`` maps each entry id to a grade, or None for a ballot with no valid grade.
    The participant row's primary key makes a second vote fail in the database even if
    two requests race past the check.
    """
    for entry in entries:
        check(actor, entry.item, Action.VOTE)
    # FOR SHARE (PostgreSQL): stopping the vote waits for this ballot, and a ballot
    # waits for a stop in progress and then sees it. SQLite holds the write lock already.
    status = db.session.scalar(sa.select(Sitting.status).where(Sitting.id == sitting.id)
                               .with_for_update(read=True))
    if status is not SittingStatus.OPEN or not sitting.is_online:
        raise OperationError("该测评已停止投票或不接受网上投票，选票未计入")
    if not is_eligible(sitting, actor):
        raise OperationError("您不在本次测评开启时的测评人名单中，不能投票")
    if has_voted(sitting, actor):
        raise OperationError(ALREADY_VOTED)
    if set(grades) != {e.id for e in entries}:
        raise OperationError("选票须对本次测评的每一项都作出选择")
    try:
        with db.session.begin_nested():
            db.session.add(SittingParticipant(sitting_id=sitting.id, user_id=actor.id))
    except IntegrityError:
        raise OperationError(ALREADY_VOTED) from None
    db.session.execute(sa.insert(Ballot), [
        {"key": new_key(), "sitting_id": sitting.id, "evaluation_id": entry_id, "grade": grade}
        for entry_id, grade in _shuffled(list(grades.items()))])


def _shuffled(rows: list) -> list:
    secrets.SystemRandom().shuffle(rows)
    return rows


def ballot_counts(sitting: Sitting) -> dict[int, Counter]:
    """Per entry: how many ballots carry each grade (None = 无效)."""
    counts: dict[int, Counter] = {}
    rows = db.session.execute(sa.select(Ballot.evaluation_id, Ballot.grade, sa.func.count())
                              .where(Ballot.sitting_id == sitting.id)
                              .group_by(Ballot.evaluation_id, Ballot.grade))
    for entry_id, grade, n in rows:
        counts.setdefault(entry_id, Counter())[grade] = n
    return counts


def shuffle_ballots(sitting: Sitting) -> int:
    """Rewrite the sitting's ballots in one transaction, shuffled, under new keys."""
    rows = [{"evaluation_id": e, "grade": g} for e, g in db.session.execute(
        sa.select(Ballot.evaluation_id, Ballot.grade).where(Ballot.sitting_id == sitting.id))]
    db.session.execute(sa.delete(Ballot).where(Ballot.sitting_id == sitting.id))
    if rows:
        db.session.execute(sa.insert(Ballot), [
            {"key": new_key(), "sitting_id": sitting.id, **row} for row in _shuffled(rows)])
    return len(rows)


def discard_ballots(sitting: Sitting) -> None:
    """A voided sitting starts again: its ballots and its participation go."""
    db.session.execute(sa.delete(Ballot).where(Ballot.sitting_id == sitting.id))
    db.session.execute(sa.delete(SittingParticipant).where(SittingParticipant.sitting_id == sitting.id))


def participants(sitting: Sitting) -> list[User]:
    return list(db.session.scalars(sa.select(User).join(SittingParticipant, SittingParticipant.user_id == User.id)
                                   .where(SittingParticipant.sitting_id == sitting.id)
                                   .order_by(User.display_name, User.id)))


def scrub_after_count() -> None:
    """After the counting commit: leave no per-vote page image or dead row behind.

    SQLite: checkpoint the WAL into the database and truncate it, so replaying it frame
    by frame shows nothing (``secure_delete`` zeroes the deleted ballot cells). PostgreSQL:
    ``VACUUM`` the ballot table, so the deleted rows with the voters' transaction ids
    are reclaimed rather than left for a page-level reader. Best effort: a reader holding
    an old snapshot can delay both; the README says so.
    """
    engine = db.engine
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # autocommit: a checkpoint cannot run inside BEGIN
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        finally:
            raw.close()
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ballot")


@sa.event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    """Hooks an operation left in ``session.info["after_commit"]`` (never run on rollback)."""
    if session.in_nested_transaction():
        return
    for hook in session.info.pop("after_commit", []):
        try:
            hook()
        except SQLAlchemyError as error:  # best effort; the count itself is committed
            current_app.logger.warning("测评计票后的清理未完成：%s", error)


@sa.event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)
