"""Server-side session records: opened at sign-in, checked on every request, deleted at
sign-out. Ending them all is "退出所有设备"."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import AuditAction, User, UserSession, utcnow
from ..page_state import remember_state, state_columns
from .audit import record
from .versioned import remember_versions, version_columns


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(user: User, remote_addr: str | None, user_agent: str | None) -> str:
    """A new record; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                               remote_addr=(remote_addr or "")[:64] or None,
                               user_agent=(user_agent or "")[:200] or None))
    return token


def _usable(token) -> bool:
    return bool(token) and isinstance(token, str) and len(token) <= 100


def find_session(token: str | None) -> UserSession | None:
    if not _usable(token):
        return None
    return db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == token_hash(token)))


def user_with_session(user_id: int, token: str | None) -> tuple[User | None, UserSession | None]:
    """The signed-in user and the session record of ``token`` if it is that user's, in one
    statement: every request needs both (the login loader, then ``security.check_session``),
    and a second round trip per page is measurable on PostgreSQL (issue 16). The kept data's
    versions and the layout's page state (``page_state``) come with them."""
    theirs = UserSession.token_hash == token_hash(token) if _usable(token) else sa.false()
    versions = version_columns()
    row = db.session.execute(sa.select(User, UserSession, *versions, *state_columns(User.id))
                             .outerjoin(UserSession, sa.and_(UserSession.user_id == User.id, theirs))
                             .where(User.id == user_id).options(joinedload(User.unit))).first()
    if row is None:
        return None, None
    # The kept data's versions and the layout's page state ride along: no statements of their own.
    remember_versions(row[2:2 + len(versions)])
    remember_state(*row[2 + len(versions):])
    return row[0], row[1]


def expiry_reason(record: UserSession, now: datetime, idle: timedelta, lifetime: timedelta) -> str | None:
    if now - record.last_seen_at > idle:
        return "idle"
    if now - record.created_at > lifetime:
        return "lifetime"
    return None


def remaining_seconds(record: UserSession, now: datetime, idle: timedelta, lifetime: timedelta) -> int:
    left = min(record.last_seen_at + idle, record.created_at + lifetime) - now
    return max(0, int(left.total_seconds()))


def touch(session_id: int, now: datetime) -> None:
    db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
                       .execution_options(synchronize_session=False))


def close_session(token: str | None) -> None:
    if token and isinstance(token, str):
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def end_all_sessions(user: User, actor: User) -> int:
    """Every session of ``user`` ends at its next request; returns how many there were."""
    count = db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id)).rowcount
    user.rotate_session_token()
    who = "本人" if actor.id == user.id else actor.display_name
    record(AuditAction.SESSIONS_ENDED, f"{who}结束了 {user.username} 在所有设备上的登录（{count} 个会话）",
           object_type="user", object_id=user.id, actor=actor)
    return count


def active_sessions(user: User) -> list[UserSession]:
    return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)
                                   .order_by(UserSession.last_seen_at.desc())))
