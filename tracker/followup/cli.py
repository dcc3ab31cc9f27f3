"""Cron commands: ``flask --app wsgi remind`` (daily) and ``flask --app wsgi send-mail``.

Suggested crontab (server time in China Standard Time)::

    30 7 * * *   cd /srv/tracker && .venv/bin/flask --app wsgi remind >> logs/remind.log 2>&1
    */5 * * * *  cd /srv/tracker && .venv/bin/flask --app wsgi send-mail >> logs/mail.log 2>&1
"""
from __future__ import annotations

from datetime import date

import click

from . import bp


def _parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD") from None


@bp.cli.command("remind")
@click.option("--date", "on_date", help="按指定日期计算（YYYY-MM-DD），用于补跑；默认今天。")
@click.option("--no-mail", is_flag=True, help="只生成提醒，不发送邮件。")
def remind(on_date: str | None, no_mail: bool) -> None:
    """Compute lights, send due reminders and escalations; safe to run twice a day."""
    from ..jobs.remind import run_remind
    result = run_remind(_parse_day(on_date), deliver_mail=not no_mail)
    click.echo(result.summary())


@bp.cli.command("send-mail")
def send_mail() -> None:
    """Deliver the mail outbox over SMTP (does nothing unless MAIL_SERVER is set)."""
    from ..jobs.mail import deliver_outbox, mail_enabled
    if not mail_enabled():
        click.echo("未配置 MAIL_SERVER，邮件发送已关闭。")
        return
    delivery = deliver_outbox()
    click.echo(f"邮件发送成功 {delivery.sent} 封，失败 {delivery.failed} 封")
