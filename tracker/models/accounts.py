"""Units (工作机构 and 承办单位) and the people who sign in."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_column, utcnow


class UnitKind(enum.StrEnum):
    COMMITTEE = "committee"  # 常委会工作机构 (七委两室一中心)
    GOVERNMENT = "government"  # 区政府及其部门
    SUPERVISION = "supervision"  # 区监察委员会
    COURT = "court"  # 区人民法院
    PROCURATORATE = "procuratorate"  # 区人民检察院

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self]

    @property
    def is_organ(self) -> bool:
        """一府一委两院: the organs that receive and handle items."""
        return self is not UnitKind.COMMITTEE


UNIT_KIND_LABELS = {
    UnitKind.COMMITTEE: "常委会工作机构",
    UnitKind.GOVERNMENT: "区政府及部门",
    UnitKind.SUPERVISION: "区监察委员会",
    UnitKind.COURT: "区人民法院",
    UnitKind.PROCURATORATE: "区人民检察院",
}


class Role(enum.StrEnum):
    # 三员分立: three administrators, none of whom runs the workflow or votes.
    ADMIN = "admin"  # 系统管理员: users and units
    SECURITY = "secadmin"  # 安全管理员: rules, deadlines, calendar, security settings
    AUDITOR = "auditor"  # 审计管理员: reads the history, including the administrators' actions
    STAFF = "staff"
    UNIT = "unit"
    REVIEWER = "reviewer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "系统管理员",
    Role.SECURITY: "安全管理员",
    Role.AUDITOR: "审计管理员",
    Role.STAFF: "工作人员",
    Role.UNIT: "承办单位",
    Role.REVIEWER: "测评人",
}
ADMIN_ROLES = (Role.ADMIN, Role.SECURITY, Role.AUDITOR)


class Unit(db.Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    sort_order: Mapped[int] = mapped_column(default=100, server_default="100")
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Unit {self.name}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Part of the login cookie; rotating it ends every session of this user everywhere.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=lambda: secrets.token_hex(16))
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Set when an administrator chose the password: only its owner may know the one in use.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    password_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    unit: Mapped[Unit | None] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    @property
    def is_admin(self) -> bool:
        """系统管理员 (users and units)."""
        return self.role is Role.ADMIN

    @property
    def is_security_admin(self) -> bool:
        return self.role is Role.SECURITY

    @property
    def is_auditor(self) -> bool:
        return self.role is Role.AUDITOR

    @property
    def is_administrator(self) -> bool:
        """Any of the three administrators (三员)."""
        return self.role in ADMIN_ROLES

    @property
    def is_staff(self) -> bool:
        """Only staff run the committee's side of the workflow; administrators do not (三员分立)."""
        return self.role is Role.STAFF

    @property
    def is_unit_user(self) -> bool:
        return self.role is Role.UNIT

    @property
    def is_reviewer(self) -> bool:
        return self.role is Role.REVIEWER

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now
