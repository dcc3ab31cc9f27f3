"""Security commands: ``flask --app wsgi verify-audit | unlock-user | reset-password``."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask

from .extensions import db


def _user(username: str):
    from .models import User
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"没有用户 {username}")
    return user


def init_security_cli(app: Flask) -> None:
    @app.cli.command("verify-audit")
    def verify_audit() -> None:
        """Walk the history's hash chain; report the first broken link (exit 1)."""
        from .services.audit_chain import verify_chain
        with db.engine.connect() as connection:
            report = verify_chain(connection)
        if not report.ok:
            click.echo(f"历史记录校验失败：{report.broken}", err=True)
            click.echo(f"（已检查 {report.rows} 条；链头记录为第 {report.head_seq} 条）", err=True)
            raise SystemExit(1)
        click.echo(f"历史记录哈希链完整：共 {report.rows} 条，链头第 {report.head_seq} 条，哈希 {report.head_hash}")
        click.echo("请把链头哈希另行保存（如写入运维日志），以后可证明此前的记录未被整体替换。")

    @app.cli.command("unlock-user")
    @click.argument("username")
    def unlock_user_command(username: str) -> None:
        """Lift the sign-in pause on an account, from every address."""
        from .services.login import unlock
        user = _user(username)
        count = unlock(user, actor=None)
        db.session.commit()
        click.echo(f"已解除 {user.username} 的登录暂停（{count} 个地址）")

    @app.cli.command("reset-password")
    @click.argument("username")
    @click.password_option(prompt="新密码", confirmation_prompt="再次输入新密码")
    def reset_password_command(username: str, password: str) -> None:
        """Set a password (the owner must change it at the next sign-in)."""
        from .services import OperationError
        from .services.passwords import set_password
        user = _user(username)
        try:
            set_password(user, password, actor=None)
        except OperationError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"已重置 {user.username} 的密码；该用户下次登录须修改密码")
