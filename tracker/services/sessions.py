"""Server-side session records: opened at sign-in, checked on every request, deleted at
sign-out. Ending them all is "退出所有设备"."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditAction, User, UserSession, utcnow
from .audit import record


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


def find_session(token: str | None) -> UserSession | None:
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    return db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == token_hash(token)))


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
