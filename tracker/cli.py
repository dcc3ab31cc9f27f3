"""Command-line tools: ``flask --app wsgi <command>``."""
from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from .extensions import db


def init_cli(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--username", prompt="用户名")
    @click.option("--name", "display_name", prompt="姓名")
    @click.option("--role", type=click.Choice(["admin", "secadmin", "auditor"]), default="admin",
                  help="admin 系统管理员, secadmin 安全管理员, auditor 审计管理员 (三员分立).")
    @click.password_option(prompt="密码", confirmation_prompt="再次输入密码")
    def create_admin(username: str, display_name: str, role: str, password: str) -> None:
        """Create an administrator account (the only way to create 安全/审计管理员)."""
        from .models import Role
        from .services import OperationError
        from .services.accounts import UserData, create_user
        try:
            create_user(UserData(username, display_name, Role(role), None, None), password, allow_admin_roles=True)
        except OperationError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"已创建{Role(role).label} {username}")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database has no users.")
    def seed_demo(if_empty: bool) -> None:
        """Load demo units, accounts and items (never in production mode)."""
        from .database import analyze
        from .demo import DEMO_PASSWORD, DEMO_USERS, load_demo, load_demo_items
        from .models import User
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("生产模式下不加载演示数据")
        if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
            if if_empty:
                click.echo("数据库已有数据，跳过演示数据。")
                return
            raise click.ClickException("数据库不为空；演示数据只能加载到空数据库")
        load_demo()
        load_demo_items()
        db.session.commit()
        analyze(db.session.connection())
        db.session.commit()
        click.echo(f"已加载演示数据。演示账号（仅供演示，密码均为 {DEMO_PASSWORD}）：")
        for username, label in DEMO_USERS:
            click.echo(f"  {username:<12} {label}")

    @app.cli.command("backup")
    @click.argument("target", required=False)
    def backup(target: str | None) -> None:
        """Online backup of the SQLite database to a file (PostgreSQL: use pg_dump)."""
        engine = db.engine
        if engine.dialect.name != "sqlite":
            raise click.ClickException("PostgreSQL 请使用 pg_dump 备份，见 README。")
        source_path = engine.url.database
        if not source_path:
            raise click.ClickException("内存数据库无法备份")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target_path = Path(target or f"backups/tracker-{stamp}.db")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        if target_path.exists():
            raise click.ClickException(f"目标文件已存在：{target_path}")
        # The sqlite3 backup API copies a consistent snapshot while the app keeps running.
        src = sqlite3.connect(source_path)
        dst = sqlite3.connect(target_path)
        try:
            with dst:
                src.backup(dst)
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if ok != "ok":
            raise click.ClickException(f"备份文件校验失败：{ok}")
        click.echo(f"已备份到 {target_path}（{target_path.stat().st_size} 字节，校验通过）")
