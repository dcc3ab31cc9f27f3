"""Administering users and units (signing in: login.py; passwords: passwords.py)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import AuditAction, Role, Unit, UnitKind, User
from ..passwords import hash_password
from . import OperationError
from .audit import record
from .login import unlock as unlock_user  # noqa: F401 - the admin page's name for it
from .passwords import check_strength, set_password  # noqa: F401 - re-exported for the admin views


def find_user(username: str) -> User | None:
    return db.session.scalar(
        sa.select(User).options(joinedload(User.unit)).where(sa.func.lower(User.username) == username.strip().lower())
    )


@dataclass
class UserData:
    username: str
    display_name: str
    role: Role
    unit_id: int | None
    email: str | None
    active: bool = True


# 三员分立: the 系统管理员 manages accounts in the app, but the 安全管理员 and 审计管理员
# accounts only from the command line, so no one can take over the auditor's account
# (or grant themselves that role) from the web.
CLI_ONLY_ROLES = (Role.SECURITY, Role.AUDITOR)
CLI_ONLY_MESSAGE = "安全管理员、审计管理员账号只能在服务器上用命令行 flask create-admin 管理（三员分立）"


def check_manageable(user: User) -> None:
    """The web may not touch a 安全管理员 or 审计管理员 account (see CLI_ONLY_ROLES)."""
    if user.role in CLI_ONLY_ROLES:
        raise OperationError(CLI_ONLY_MESSAGE)


def _check_user_data(data: UserData, allow_admin_roles: bool = False) -> Unit | None:
    if data.role in CLI_ONLY_ROLES and not allow_admin_roles:
        raise OperationError(CLI_ONLY_MESSAGE)
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if data.unit_id and unit is None:
        raise OperationError("所选单位不存在")
    if data.role is Role.UNIT:
        if unit is None:
            raise OperationError("承办单位用户必须指定所属单位")
        if not unit.kind.is_organ:
            raise OperationError("承办单位用户只能属于一府一委两院的单位")
    return unit


def create_user(data: UserData, password: str, actor: User | None = None, *,
                allow_admin_roles: bool = False) -> User:
    _check_user_data(data, allow_admin_roles)
    check_strength(password, data.username)
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
    check_manageable(user)
    _check_user_data(data)
    other = find_user(data.username)
    if other is not None and other.id != user.id:
        raise OperationError(f"用户名“{data.username}”已存在")
    if actor is not None and actor.id == user.id and (not data.active or data.role is not user.role):
        raise OperationError("不能停用自己或改变自己的角色")
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
