"""Delivering the mail outbox over SMTP, after the events that wrote it have committed.

Each message is claimed in its own transaction (a conditional UPDATE, so two senders
running at once never both take it), sent, then marked sent in a second transaction.
A crash between the SMTP hand-off and that mark can repeat one message at most; the
Message-ID is fixed per outbox row, so mail clients file the repeat as a duplicate.
Nothing is ever lost: an unsent row stays in the outbox and is retried.
"""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import OutboxMail, utcnow

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(minutes=10)  # a sender that died holding a claim releases it


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=30)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def _message(row: OutboxMail) -> EmailMessage:
    sender = current_app.config.get("MAIL_SENDER") or "tracker@localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_addr
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = f"<outbox-{row.id}-{row.created_at:%Y%m%d%H%M%S}@{sender.rpartition('@')[2] or 'tracker'}>"
    message.set_content(row.body)
    return message


def _claim(row_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == row_id, OutboxMail.sent_at.is_(None),
               sa.or_(OutboxMail.claimed_at.is_(None), OutboxMail.claimed_at < now - CLAIM_TIMEOUT))
        .values(claimed_at=now, attempts=OutboxMail.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def deliver_outbox(limit: int = 1000) -> Delivery:
    """Send what is waiting; safe to run from cron every few minutes and concurrently."""
    delivery = Delivery()
    if not mail_enabled():
        return delivery
    stale = utcnow() - CLAIM_TIMEOUT
    ids = db.session.scalars(
        sa.select(OutboxMail.id).where(
            OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS,
            sa.or_(OutboxMail.claimed_at.is_(None), OutboxMail.claimed_at < stale))
        .order_by(OutboxMail.id).limit(limit)).all()
    db.session.commit()
    smtp: smtplib.SMTP | None = None
    try:
        for row_id in ids:
            if not _claim(row_id):
                continue
            row = db.session.get(OutboxMail, row_id)
            try:
                smtp = smtp or _connect()
                smtp.send_message(_message(row))
            except (OSError, smtplib.SMTPException) as error:
                row.last_error, row.claimed_at = f"{type(error).__name__}: {error}"[:1000], None
                db.session.commit()
                delivery.failed += 1
                smtp = None  # reconnect for the next message
                continue
            row.sent_at, row.last_error = utcnow(), None
            db.session.commit()
            delivery.sent += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return delivery
