"""Signing in (with lockout) and administering users and units."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import AuditAction, Role, Unit, UnitKind, User, utcnow
from ..passwords import hash_password, needs_rehash, verify_password
from . import OperationError
from .audit import record

MIN_PASSWORD_LENGTH = 10
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("timing-equaliser")
    return _DUMMY_HASH


def find_user(username: str) -> User | None:
    return db.session.scalar(
        sa.select(User).options(joinedload(User.unit)).where(sa.func.lower(User.username) == username.strip().lower())
    )


def authenticate(username: str, password: str, now: datetime | None = None) -> User:
    """Check a password, counting failures in the database so every worker sees them.

    Failed attempts are written even though the caller shows an error: the view commits
    after catching ``OperationError``. Locks grow with repeated lockouts (15, 30, 60 …
    minutes, capped at a day) to slow a patient attacker without a permanent denial.
    """
    now = now or utcnow()
    user = find_user(username)
    if user is None:
        verify_password(_dummy_hash(), password)  # same cost as a real check
        raise OperationError("用户名或密码错误")
    if user.is_locked(now):
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise OperationError(f"登录失败次数过多，账号已临时锁定，请 {minutes} 分钟后再试或联系管理员")
    if not verify_password(user.password_hash, password):
        _count_failure(user, now)
        raise OperationError("用户名或密码错误")
    if not user.active:
        raise OperationError("该账号已停用，请联系管理员")
    # A plain UPDATE without the version check: two logins of the same account at once
    # (two browser tabs, two clerks sharing an account) must both succeed.
    values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if needs_rehash(user.password_hash):
        values["password_hash"] = hash_password(password)
    db.session.execute(sa.update(User).where(User.id == user.id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.expire(user, list(values))
    record(AuditAction.LOGIN, f"{user.display_name} 登录", object_type="user", object_id=user.id, actor=user)
    return user


def _count_failure(user: User, now: datetime) -> None:
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    failures = db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if failures >= limit and failures % limit == 0:
        factor = 2 ** (failures // limit - 1)
        minutes = min(current_app.config["LOGIN_LOCK_MINUTES"] * factor, 24 * 60)
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(locked_until=now + timedelta(minutes=minutes))
            .execution_options(synchronize_session=False)
        )
        record(AuditAction.LOCKED, f"{user.display_name} 连续登录失败 {failures} 次，锁定 {minutes} 分钟",
               object_type="user", object_id=user.id, actor=user)
    else:
        record(AuditAction.LOGIN_FAILED, f"{user.display_name} 登录失败（第 {failures} 次）",
               object_type="user", object_id=user.id, actor=user)
    db.session.expire(user)


@dataclass
class UserData:
    username: str
    display_name: str
    role: Role
    unit_id: int | None
    email: str | None
    active: bool = True


def _check_user_data(data: UserData) -> Unit | None:
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if data.unit_id and unit is None:
        raise OperationError("所选单位不存在")
    if data.role is Role.UNIT:
        if unit is None:
            raise OperationError("承办单位用户必须指定所属单位")
        if not unit.kind.is_organ:
            raise OperationError("承办单位用户只能属于一府一委两院的单位")
    return unit


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OperationError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if password.isdigit() or password.isalpha():
        raise OperationError("密码需同时包含字母和数字或符号")


def create_user(data: UserData, password: str, actor: User | None = None) -> User:
    _check_user_data(data)
    check_password_strength(password)
    if find_user(data.username) is not None:
        raise OperationError(f"用户名“{data.username}”已存在")
    user = User(
        username=data.username.strip(), display_name=data.display_name.strip(), role=data.role,
        unit_id=data.unit_id, email=data.email or None, active=data.active,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    record(AuditAction.USER_CREATE, f"创建用户 {user.username}（{user.role.label}）", object_type="user",
           object_id=user.id, actor=actor)
    return user


def update_user(user: User, data: UserData, actor: User | None = None) -> User:
    _check_user_data(data)
    other = find_user(data.username)
    if other is not None and other.id != user.id:
        raise OperationError(f"用户名“{data.username}”已存在")
    if actor is not None and actor.id == user.id and (not data.active or data.role is not Role.ADMIN):
        raise OperationError("不能停用自己或取消自己的管理员角色")
    changes = {}
    for field in ("username", "display_name", "role", "unit_id", "email", "active"):
        new = getattr(data, field)
        if isinstance(new, str):
            new = new.strip() or (None if field == "email" else new)
        old = getattr(user, field)
        if old != new:
            changes[field] = [str(old) if old is not None else None, str(new) if new is not None else None]
            setattr(user, field, new)
    if "active" in changes or "role" in changes or "unit_id" in changes:
        # A disabled user, or one whose rights changed, is signed out everywhere.
        user.rotate_session_token()
    if changes:
        record(AuditAction.USER_UPDATE, f"修改用户 {user.username}：{'、'.join(changes)}", object_type="user",
               object_id=user.id, details=changes, actor=actor)
    return user


def set_password(user: User, password: str, actor: User | None = None) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.rotate_session_token()
    who = "本人" if actor is not None and actor.id == user.id else "管理员"
    record(AuditAction.USER_PASSWORD, f"{who}重置了 {user.username} 的密码", object_type="user", object_id=user.id,
           actor=actor)


def unlock_user(user: User, actor: User | None = None) -> None:
    user.failed_logins = 0
    user.locked_until = None
    record(AuditAction.USER_UNLOCK, f"解除 {user.username} 的登录锁定", object_type="user", object_id=user.id,
           actor=actor)


@dataclass
class UnitData:
    name: str
    kind: UnitKind
    sort_order: int = 100
    active: bool = True


def create_unit(data: UnitData, actor: User | None = None) -> Unit:
    name = data.name.strip()
    if db.session.scalar(sa.select(Unit.id).where(Unit.name == name)):
        raise OperationError(f"单位“{name}”已存在")
    unit = Unit(name=name, kind=data.kind, sort_order=data.sort_order, active=data.active)
    db.session.add(unit)
    db.session.flush()
    record(AuditAction.UNIT_CREATE, f"创建单位 {unit.name}", object_type="unit", object_id=unit.id, actor=actor)
    return unit


def update_unit(unit: Unit, data: UnitData, actor: User | None = None) -> Unit:
    name = data.name.strip()
    clash = db.session.scalar(sa.select(Unit.id).where(Unit.name == name, Unit.id != unit.id))
    if clash:
        raise OperationError(f"单位“{name}”已存在")
    if unit.kind != data.kind and data.kind is UnitKind.COMMITTEE:
        has_unit_users = db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.unit_id == unit.id, User.role == Role.UNIT))
        if has_unit_users:
            raise OperationError("该单位下有承办单位用户，不能改为常委会工作机构")
    unit.name, unit.kind, unit.sort_order, unit.active = name, data.kind, data.sort_order, data.active
    record(AuditAction.UNIT_UPDATE, f"修改单位 {unit.name}", object_type="unit", object_id=unit.id, actor=actor)
    return unit
