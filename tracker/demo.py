"""Demo data for a fresh installation: a district's units, one account per role, and
supervision items in every stage so a newcomer sees the whole loop at once.

Seeded only into an empty database and never in production mode (see ``cli.py``).
"""
from __future__ import annotations

from .extensions import db
from .models import Role, Unit, UnitKind, User
from .passwords import hash_password

DEMO_PASSWORD = "demo-password"  # noqa: S105 - demo data only, never in production

COMMITTEE_UNITS = ["办公室", "财政经济工作委员会", "社会建设工作委员会", "城乡建设环境保护工作委员会",
                   "监察和司法工作委员会", "代表工作委员会", "研究室"]
ORGAN_UNITS = [
    ("区人民政府办公室", UnitKind.GOVERNMENT), ("区教育局", UnitKind.GOVERNMENT),
    ("区卫生健康局", UnitKind.GOVERNMENT), ("区市场监督管理局", UnitKind.GOVERNMENT),
    ("区生态环境分局", UnitKind.GOVERNMENT), ("区住房和城乡建设局", UnitKind.GOVERNMENT),
    ("区财政局", UnitKind.GOVERNMENT), ("区民政局", UnitKind.GOVERNMENT),
    ("区监察委员会", UnitKind.SUPERVISION), ("区人民法院", UnitKind.COURT), ("区人民检察院", UnitKind.PROCURATORATE),
]

DEMO_USERS = [
    ("admin", "管理员"),
    ("staff", "工作人员（社会建设工作委员会）"),
    ("unit_edu", "承办单位用户（区教育局）"),
    ("unit_health", "承办单位用户（区卫生健康局）"),
] + [(f"reviewer{i}", "测评人（常委会组成人员）") for i in range(1, 6)]


def load_demo() -> dict[str, User]:
    units: dict[str, Unit] = {}
    for order, name in enumerate(COMMITTEE_UNITS):
        units[name] = Unit(name=name, kind=UnitKind.COMMITTEE, sort_order=order)
    for order, (name, kind) in enumerate(ORGAN_UNITS):
        units[name] = Unit(name=name, kind=kind, sort_order=100 + order)
    db.session.add_all(units.values())
    db.session.flush()

    password_hash = hash_password(DEMO_PASSWORD)
    specs = [
        ("admin", "系统管理员", Role.ADMIN, "办公室"),
        ("staff", "李秀兰", Role.STAFF, "社会建设工作委员会"),
        ("unit_edu", "王建国", Role.UNIT, "区教育局"),
        ("unit_health", "陈静", Role.UNIT, "区卫生健康局"),
    ] + [(f"reviewer{i}", name, Role.REVIEWER, None)
         for i, name in enumerate(["张伟", "刘洋", "赵敏", "孙立", "周红"], start=1)]
    users = {}
    for username, display_name, role, unit_name in specs:
        user = User(username=username, display_name=display_name, role=role,
                    unit_id=units[unit_name].id if unit_name else None, password_hash=password_hash)
        users[username] = user
    db.session.add_all(users.values())
    db.session.flush()
    return users
