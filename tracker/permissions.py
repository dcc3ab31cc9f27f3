"""Role checks for views. Object-level checks live on the models and in loaders."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .models import Role


def roles_required(*roles: Role):
    """Allow only these roles; no administrator is implied."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


# 三员分立: administrators do not run the workflow; each administrator has one area.
staff_required = roles_required(Role.STAFF)
admin_required = roles_required(Role.ADMIN)  # 系统管理员: users and units
security_admin_required = roles_required(Role.SECURITY)  # 安全管理员: rules, deadlines, calendar
auditor_required = roles_required(Role.AUDITOR)  # 审计管理员: the history, read-only
