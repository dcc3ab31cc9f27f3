"""The password policy, in one place (等保2.0 二级 身份鉴别 and OWASP ASVS 5.0 L2).

* At least 10 characters, with letters and digits or symbols (等保 复杂度; ASVS asks for
  ≥ 8 and no other composition rule — ours is stricter, never looser).
* Not one of ~19,600 common and breached passwords (shipped list, ASVS 6.2.4), not
  containing the username, not the current one nor one of the last ``PASSWORD_HISTORY``.
* Expiry is off by default (ASVS 6.2.10 advises against forced rotation); the 等保
  profile sets ``PASSWORD_MAX_AGE_DAYS=90`` (定期更换), and the history then matters.
* A password chosen by an administrator must be changed at the next sign-in, and its
  owner is told in the app that it was reset.
* A wrong current password on the change form counts toward the sign-in pause.
"""
from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import AuditAction, Notification, NotificationKind, PasswordHistory, User, utcnow
from ..passwords import hash_password, verify_password
from . import OperationError
from .audit import record

MIN_LENGTH = 10
LIST_PATH = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"
# Common in Chinese offices and missing from the list above.
LOCAL_COMMON = {"woaini1314", "5201314520", "qwer123456", "a123456789", "admin123456", "abc123456789",
                "password123", "demo-password", "1qaz2wsx3edc", "zxcvbnm123"}


class PasswordError(OperationError):
    """A refused password; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str = "password"):
        super().__init__(message)
        self.field = field


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST_PATH, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip()) | LOCAL_COMMON


def check_strength(password: str, username: str | None = None) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"密码至少 {MIN_LENGTH} 位")
    if password.isdigit() or password.isalpha():
        raise PasswordError("密码需同时包含字母和数字或符号")
    if password.lower() in common_passwords():
        raise PasswordError("这是常见或已泄露的密码，请换一个")
    if username and len(username) >= 3 and username.lower() in password.lower():
        raise PasswordError("密码不能包含用户名")


def _history(user: User) -> list[str]:
    """The hashes of the previous passwords that, with the current one, make the last
    ``PASSWORD_HISTORY``."""
    keep = current_app.config["PASSWORD_HISTORY"] - 1
    if keep <= 0:
        return []
    return list(db.session.scalars(sa.select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
                                   .order_by(PasswordHistory.id.desc()).limit(keep)))


def _check_reuse(user: User, password: str) -> None:
    if verify_password(user.password_hash, password):
        raise PasswordError("新密码不能与当前密码相同")
    if any(verify_password(old, password) for old in _history(user)):
        raise PasswordError(f"新密码不能与最近 {current_app.config['PASSWORD_HISTORY']} 次用过的密码相同")


def _store(user: User, password: str, *, must_change: bool) -> None:
    if user.password_hash:
        db.session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash))
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    user.failed_logins = 0
    user.locked_until = None
    user.rotate_session_token()


def change_own_password(user: User, attempt, current: str, new: str) -> None:
    """The owner changes it; a wrong current password counts like a failed sign-in.
    ``attempt`` was reserved (and committed by the view) before anything is checked."""
    from .login import check_password, forget_failures, record_failure
    if not check_password(attempt, current):
        record_failure(attempt, what="修改密码时核对当前密码")
        raise PasswordError("当前密码不正确" if not attempt.paused else
                            "当前密码核对失败次数过多，请稍后再试", field="current")
    forget_failures(attempt)  # the owner proved the current password: like a good sign-in
    check_strength(new, user.username)
    _check_reuse(user, new)
    _store(user, new, must_change=False)
    record(AuditAction.USER_PASSWORD, f"本人修改了 {user.username} 的密码", object_type="user", object_id=user.id,
           actor=user)


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """An administrator (or the command line) sets it: the owner must change it at the
    next sign-in, and is told in the app."""
    check_strength(password, user.username)
    _store(user, password, must_change=True)
    who = actor.display_name if actor is not None else "命令行"
    record(AuditAction.USER_PASSWORD_RESET, f"{who} 重置了 {user.username} 的密码（下次登录须修改）",
           object_type="user", object_id=user.id, actor=actor)
    db.session.add(Notification(user_id=user.id, kind=NotificationKind.SECURITY.value, text=(
        f"您的密码已于 {utcnow():%Y-%m-%d %H:%M}（UTC）由{who}重置，登录后须设置新密码。"
        "如您没有申请重置，请告知安全管理员。")))


def password_expired(user: User, now: datetime | None = None) -> bool:
    days = current_app.config["PASSWORD_MAX_AGE_DAYS"]
    if not days:
        return False
    changed = user.password_changed_at or user.created_at
    return (now or utcnow()) - changed > timedelta(days=days)


def must_change(user: User) -> bool:
    return user.must_change_password or password_expired(user)
