"""Start-up checks: refuse a configuration that would run insecurely, and say what was verified.

``check_settings`` runs in ``create_app`` (every process: web, CLI, tests): unparseable or
out-of-range values and weak production settings stop the app with every problem listed.
``serve_checks`` runs only where the web server loads the app (``wsgi.py``): it needs a
migrated database, and the CLI must stay usable to repair what it finds (reset a demo
password, unlock an account).
"""
from __future__ import annotations

import sys

import sqlalchemy as sa
from flask import Flask

from .config import DEFAULT_SECRET_KEY

MIN_SECRET_KEY = 32
NUMERIC_RANGES = {
    "SQLITE_BUSY_TIMEOUT_MS": (0, 600_000),
    "PROXY_COUNT": (0, 5),
    "IDLE_TIMEOUT_MINUTES": (1, 24 * 60),
    "IDLE_WARNING_MINUTES": (0, 60),
    "SESSION_LIFETIME_HOURS": (1, 7 * 24),
    "LOGIN_MAX_FAILURES": (1, 100),
    "LOGIN_LOCK_MINUTES": (1, 24 * 60),
    "PASSWORD_CHECKS_AT_ONCE": (1, 64),
    "PASSWORD_SLOT_WAIT_SECONDS": (0, 60),
    "PASSWORD_MAX_AGE_DAYS": (0, 3650),
    "PASSWORD_HISTORY": (0, 24),
    "UPLOAD_MAX_MB": (1, 1024),
    "MAIL_PORT": (1, 65535),
    "LEDGER_EXPORT_BATCH": (1, 100_000),
}


class ConfigurationError(RuntimeError):
    """The app refuses to start; the message lists every problem."""


def check_settings(config) -> None:
    problems = list(config.get("SETTINGS_ERRORS", ()))
    for name, (low, high) in NUMERIC_RANGES.items():
        value = config.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(f"{name}={value!r} 超出允许范围 {low}–{high}")
    if config.get("IDLE_WARNING_MINUTES", 0) >= config.get("IDLE_TIMEOUT_MINUTES", 30):
        problems.append("IDLE_WARNING_MINUTES 必须小于 IDLE_TIMEOUT_MINUTES")
    for name in ("LOGIN_RATE_LIMIT", "LOGIN_GLOBAL_RATE_LIMIT"):
        problems += _rate_limit_problems(name, config.get(name, ""))
    if config.get("ENV_NAME") == "production":
        key = config.get("SECRET_KEY") or ""
        if key == DEFAULT_SECRET_KEY or len(key) < MIN_SECRET_KEY:
            problems.append(f"生产模式下必须设置 SECRET_KEY 环境变量，至少 {MIN_SECRET_KEY} 个字符（不能使用默认值）")
    if problems:
        raise ConfigurationError("配置错误，拒绝启动：\n  " + "\n  ".join(problems))


def _rate_limit_problems(name: str, value: str) -> list[str]:
    from limits import parse_many
    try:
        parse_many(value)
    except ValueError:
        return [f"{name}={value!r} 不是有效的限流写法（如 “20 per minute;200 per hour”）"]
    return []


def demo_password_accounts(app: Flask) -> list[str]:
    """Usernames that still sign in with the demo password.

    Checked: the demo account names, every administrator, and any account sharing a hash
    with those (the demo seeds one hash for all). Checking every account's Argon2 hash
    would cost ~0.1 s per account at each start.
    """
    from .demo import DEMO_PASSWORD, DEMO_USERS
    from .extensions import db
    from .models import User
    from .models.accounts import ADMIN_ROLES
    from .passwords import verify_password
    with app.app_context():
        if not sa.inspect(db.engine).has_table("user_account"):
            return []
        demo_names = [name for name, _ in DEMO_USERS]
        rows = db.session.execute(sa.select(User.username, User.password_hash).where(
            sa.or_(User.username.in_(demo_names), User.role.in_(ADMIN_ROLES)))).all()
        weak = {row.password_hash for row in rows if verify_password(row.password_hash, DEMO_PASSWORD)}
        found = {row.username for row in rows if row.password_hash in weak}
        if weak:
            found |= set(db.session.scalars(sa.select(User.username).where(User.password_hash.in_(weak))))
        db.session.remove()
    return sorted(found)


def serve_checks(app: Flask, out=None) -> list[str]:
    """What the web server verifies before it accepts requests; printed, then returned."""
    out = out or sys.stderr
    config = app.config
    lines = [f"运行模式：{config['ENV_NAME']}", f"SECRET_KEY：{len(config['SECRET_KEY'])} 个字符"]
    if config["SESSION_COOKIE_SECURE"]:
        lines.append(f"会话 Cookie：Secure、HttpOnly、SameSite=Lax，名称 {config['SESSION_COOKIE_NAME']}")
    else:
        lines.append("会话 Cookie：未设 Secure（SESSION_COOKIE_SECURE=0，仅限纯 HTTP 内网）")
    lines.append("HSTS：" + ("开" if config["HSTS"] else "关"))
    lines.append(f"空闲超时 {config['IDLE_TIMEOUT_MINUTES']} 分钟，会话最长 {config['SESSION_LIFETIME_HOURS']} 小时")
    from .ratelimit import storage_description
    lines.append(f"登录限流：{config['LOGIN_RATE_LIMIT']}（每个地址），{config['LOGIN_GLOBAL_RATE_LIMIT']}（全站），"
                 f"存储 {storage_description(app)}")
    days = config["PASSWORD_MAX_AGE_DAYS"]
    lines.append("密码有效期：" + (f"{days} 天（等保配置）" if days else "不限（ASVS 配置）"))
    demo = demo_password_accounts(app)
    if demo and not config["ALLOW_DEMO_PASSWORDS"] and config["ENV_NAME"] == "production":
        raise ConfigurationError(f"以下账号仍使用演示密码，拒绝启动：{', '.join(demo)}"
                                 "（用 flask reset-password 修改；仅演示环境可设 ALLOW_DEMO_PASSWORDS=1）")
    lines.append("演示密码：" + (f"以下账号仍在使用（已允许）：{', '.join(demo)}" if demo else "没有账号使用"))
    for line in lines:
        print(f"[自检] {line}", file=out)
    return lines
