"""Signing in: throttled per typed name and address, with the attempt reserved before
the password is checked.

* The attempt is counted first, in one atomic ``INSERT … ON CONFLICT DO UPDATE …
  RETURNING``, and committed; only then is the password verified, outside any write
  transaction (on SQLite a login no longer holds the write lock for the length of an
  Argon2 hash). Parallel guesses each get their own count, so a burst of 32 cannot
  evaluate more than ``LOGIN_MAX_FAILURES`` passwords.
* Unknown names, wrong passwords and paused pairs get the same message after the same
  hashing work, so neither existence nor a pause shows.
* A pause holds for one typed name from one address and doubles each time it is
  imposed (15, 30, 60 … minutes, at most a day): a stranger cannot lock the real
  administrator out from elsewhere. The account's owner is told in the app.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import AuditAction, LoginThrottle, Notification, NotificationKind, User, utcnow
from ..passwords import hash_password, needs_rehash, verify_password
from . import OperationError
from .audit import record

REFUSED = "用户名或密码错误。同一地址连续多次失败后会暂停登录一段时间，请稍后再试或联系系统管理员。"
MAX_LOCK_MINUTES = 24 * 60
_DUMMY_HASH: dict[bool, str] = {}


def dummy_hash() -> str:
    fast = bool(current_app.config.get("PASSWORD_HASH_FAST"))
    if fast not in _DUMMY_HASH:
        _DUMMY_HASH[fast] = hash_password("timing-equaliser")
    return _DUMMY_HASH[fast]


def name_key(username: str) -> str:
    return username.strip().lower()[:64]


@dataclass
class Attempt:
    name_key: str
    address: str
    failures: int  # this attempt included
    paused: bool  # refused without looking at the password
    user_id: int | None
    password_hash: str | None


def reserve_attempt(username: str, address: str, now: datetime | None = None) -> Attempt:
    """Count this attempt before anything is verified (the caller commits at once)."""
    now = now or utcnow()
    key, address = name_key(username), (address or "unknown")[:64]
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    table = LoginThrottle.__table__
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(table)
    locked = table.c.locked_until > now
    expired_lock = sa.and_(table.c.locked_until.is_not(None), table.c.locked_until <= now)
    stmt = insert.values(name_key=key, address=address, failures=1, locks=0, last_at=now).on_conflict_do_update(
        index_elements=["name_key", "address"],
        set_={
            # During a pause attempts are not counted (the pause must not grow by itself);
            # after one, counting starts again from one.
            "failures": sa.case((locked, table.c.failures), (expired_lock, 1), else_=table.c.failures + 1),
            "locked_until": sa.case((locked, table.c.locked_until), else_=None),
            "last_at": now,
        },
    ).returning(table.c.failures, table.c.locked_until)
    row = db.session.execute(stmt).one()
    paused = (row.locked_until is not None and row.locked_until > now) or row.failures > limit
    user = db.session.execute(sa.select(User.id, User.password_hash).where(
        sa.func.lower(User.username) == key)).first()
    return Attempt(key, address, row.failures, paused, user.id if user else None, user.password_hash if user else None)


class Busy(Exception):
    """Too many password checks are running in this process; try again shortly."""


@contextmanager
def hash_slot():
    """At most PASSWORD_CHECKS_AT_ONCE Argon2 verifications at a time per process: each
    takes 64 MiB, and a login flood must not take the workers' memory or every page."""
    extensions = current_app.extensions
    semaphore = extensions.get("password_slots")
    if semaphore is None:
        semaphore = extensions.setdefault(
            "password_slots", threading.BoundedSemaphore(current_app.config["PASSWORD_CHECKS_AT_ONCE"]))
    if not semaphore.acquire(timeout=current_app.config["PASSWORD_SLOT_WAIT_SECONDS"]):
        raise Busy
    try:
        yield
    finally:
        semaphore.release()


def check_password(attempt: Attempt, password: str) -> bool:
    """The same hashing work whether the name exists, the pair is paused or not."""
    with hash_slot():
        if attempt.paused or attempt.password_hash is None:
            verify_password(dummy_hash(), password)
            return False
        return verify_password(attempt.password_hash, password)


def record_failure(attempt: Attempt, now: datetime | None = None, *, what: str = "登录") -> None:
    """History for every failed attempt (any name); a pause when the limit is reached."""
    now = now or utcnow()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    details = {"name": attempt.name_key, "address": attempt.address, "failures": attempt.failures}
    if attempt.paused:
        record(AuditAction.LOGIN_PAUSED, f"“{attempt.name_key}”从 {attempt.address} {what}：暂停期间，未核对密码",
               object_type="user", object_id=attempt.user_id, details=details, actor=None)
        return
    record(AuditAction.LOGIN_FAILED, f"“{attempt.name_key}”从 {attempt.address} {what}失败（第 {attempt.failures} 次）",
           object_type="user", object_id=attempt.user_id, details=details, actor=None)
    if attempt.failures >= limit:
        _pause(attempt, now)


def _pause(attempt: Attempt, now: datetime) -> None:
    table = LoginThrottle.__table__
    base = current_app.config["LOGIN_LOCK_MINUTES"]
    # Escalate once per pause: only the attempt that finds no pause in force sets one.
    row = db.session.execute(
        sa.update(table)
        .where(table.c.name_key == attempt.name_key, table.c.address == attempt.address,
               sa.or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
        .values(locks=table.c.locks + 1)
        .returning(table.c.locks)
    ).first()
    if row is None:
        return
    minutes = min(base * 2 ** (row.locks - 1), MAX_LOCK_MINUTES)
    until = now + timedelta(minutes=minutes)
    db.session.execute(sa.update(table).where(table.c.name_key == attempt.name_key,
                                              table.c.address == attempt.address).values(locked_until=until))
    record(AuditAction.LOCKED, f"“{attempt.name_key}”从 {attempt.address} 连续失败 {attempt.failures} 次，"
           f"该地址暂停登录 {minutes} 分钟", object_type="user", object_id=attempt.user_id,
           details={"name": attempt.name_key, "address": attempt.address, "minutes": minutes}, actor=None)
    if attempt.user_id is not None:
        db.session.add(Notification(user_id=attempt.user_id, kind=NotificationKind.SECURITY.value, text=(
            f"您的账号于 {now:%Y-%m-%d %H:%M}（UTC）从地址 {attempt.address} 连续 {attempt.failures} 次密码错误，"
            f"该地址已暂停登录 {minutes} 分钟。如不是您本人操作，请立即修改密码并告知系统管理员。")[:500]))


def forget_failures(attempt: Attempt) -> None:
    """A right password from this address: its earlier failures no longer count."""
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.name_key == attempt.name_key,
                                                      LoginThrottle.address == attempt.address))


def complete_login(attempt: Attempt, password: str, now: datetime | None = None) -> User:
    """After a correct password: forget this pair's failures, note the login."""
    now = now or utcnow()
    user = db.session.get(User, attempt.user_id)
    if user is None or user.password_hash != attempt.password_hash:
        raise OperationError(REFUSED)  # the password changed between reservation and check
    if not user.active:
        raise OperationError("该账号已停用，请联系系统管理员")
    forget_failures(attempt)
    values = {"failed_logins": 0, "last_login_at": now}
    if needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    # A plain UPDATE without the version check: two logins of the same account at once
    # (two browser tabs) must both succeed.
    db.session.execute(sa.update(User).where(User.id == user.id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.expire(user, list(values))
    record(AuditAction.LOGIN, f"{user.display_name} 登录（{attempt.address}）", object_type="user", object_id=user.id,
           actor=user)
    return user


def paused_names(now: datetime | None = None) -> set[str]:
    """Lower-cased names with a pause in force from at least one address."""
    now = now or utcnow()
    return set(db.session.scalars(sa.select(LoginThrottle.name_key).where(LoginThrottle.locked_until > now)))


def unlock(user: User, actor: User | None = None) -> int:
    """Lift every pause on this account's name (from any address)."""
    count = db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.name_key == name_key(user.username))
                               ).rowcount
    user.failed_logins = 0
    user.locked_until = None
    record(AuditAction.USER_UNLOCK, f"解除 {user.username} 的登录暂停（{count} 个地址）", object_type="user",
           object_id=user.id, actor=actor)
    return count
