"""Keep something server-side for the same person for a few minutes: one helper for
refused forms' pages (``tracker/refused.py``) and uploaded workbooks awaiting
confirmation (``tracker/ledger``).

The token is random and lives only in the owner's signed session cookie, and a row is
also bound to its user: another account, or another browser, can never take it. Rows
are bounded in size and expire; expired rows are swept whenever a new one is kept.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import g, session
from flask_login import current_user

from .extensions import db
from .models import Stash, utcnow

MAX_BYTES = 8 * 1024 * 1024


def _owner() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def keep(purpose: str, data: bytes, path: str, minutes: int, name: str | None = None) -> str | None:
    """Store ``data`` and remember its token in the session under ``purpose``; None when too big.
    The caller commits."""
    if len(data) > MAX_BYTES:
        return None
    now = utcnow()
    db.session.execute(sa.delete(Stash).where(Stash.expires_at < now))
    old = session.get(f"stash_{purpose}")
    if old:
        db.session.execute(sa.delete(Stash).where(Stash.token == old))
    token = secrets.token_urlsafe(32)
    db.session.add(Stash(token=token, purpose=purpose, user_id=_owner(), path=path[:500], name=name,
                         data=data, created_at=now, expires_at=now + timedelta(minutes=minutes)))
    session[f"stash_{purpose}"] = token
    return token


def find(purpose: str, path: str | None = None) -> Stash | None:
    """This session's unexpired row for ``purpose`` (and ``path``, when given), or None."""
    token = session.get(f"stash_{purpose}")
    if not token:
        return None
    stmt = sa.select(Stash).where(Stash.token == token, Stash.purpose == purpose, Stash.expires_at >= utcnow())
    owner = _owner()
    stmt = stmt.where(Stash.user_id.is_(None) if owner is None else Stash.user_id == owner)
    if path is not None:
        stmt = stmt.where(Stash.path == path[:500])
    return db.session.scalar(stmt.options(sa.orm.undefer(Stash.data)))


def drop(purpose: str) -> None:
    """Forget this session's row for ``purpose``. The caller commits."""
    token = session.pop(f"stash_{purpose}", None)
    if token:
        db.session.execute(sa.delete(Stash).where(Stash.token == token))


def take(purpose: str, path: str) -> bytes | None:
    """The row's data, deleted now (committed here: a GET that deletes takes SQLite's write lock up front)."""
    if not session.get(f"stash_{purpose}"):
        return None
    row = find(purpose, path)
    if row is None:
        return None
    data = row.data
    db.session.rollback()
    g.write_lock = True
    try:
        drop(purpose)
        db.session.commit()
    finally:
        g.write_lock = False
    return data
