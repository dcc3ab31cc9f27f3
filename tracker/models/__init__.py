"""All models, imported here so Alembic's autogenerate sees every table."""
from .accounts import Role, Unit, UnitKind, User
from .audit import AuditEntry
from .base import local_today, utcnow

__all__ = ["AuditEntry", "Role", "Unit", "UnitKind", "User", "local_today", "utcnow"]
