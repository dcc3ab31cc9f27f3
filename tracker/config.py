"""Settings read from the environment.

Defaults suit a developer laptop (SQLite file under ``instance/``); production sets
``TRACKER_ENV=production``, ``SECRET_KEY`` and ``DATABASE_URL`` (PostgreSQL via psycopg 3).
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-secret-change-me"  # noqa: S105 - refused in production


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{BASE_DIR / 'instance' / 'tracker.db'}"
    # Operators paste URLs from PaaS consoles; make both spellings use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = os.environ.get("TRACKER_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000"))

    # The CSRF token lives as long as the session: a clerk who leaves a form open over
    # lunch must not lose the text on submit (Flask-WTF's default is one hour).
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    SESSION_COOKIE_NAME = "tracker_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))
    IDLE_TIMEOUT = PERMANENT_SESSION_LIFETIME
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))

    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_MB", "20")) * 1024 * 1024
    MAX_CONTENT_LENGTH = UPLOAD_MAX_BYTES + 1024 * 1024  # form fields around the file

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "tracker@localhost")
    BASE_URL = os.environ.get("BASE_URL", "")  # absolute links in mail, e.g. https://rd.example.gov.cn

    PAGE_SIZE = 50
    ORG_NAME = os.environ.get("ORG_NAME", "XX区人大常委会")
    # 发文字号 prefixes per series (函: 交办函, 督办函; 通报: 测评结果通报), "前缀〔年〕N号"; LETTER_NUMBER_PREFIX
    # is the older name of the 函 prefix.  LETTER_CONTACT_PHONE is the office phone in the 附注.
    LETTER_PREFIX_LETTER = os.environ.get("LETTER_PREFIX_LETTER") or os.environ.get("LETTER_NUMBER_PREFIX", "X人常办函")
    LETTER_PREFIX_NOTICE = os.environ.get("LETTER_PREFIX_NOTICE", "X人常办通")
    LETTER_CONTACT_PHONE = os.environ.get("LETTER_CONTACT_PHONE", "")
    LEDGER_EXPORT_BATCH = int(os.environ.get("LEDGER_EXPORT_BATCH", "500"))  # rows read per query in exports

class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = True  # tests send real tokens; CSRF is part of what we test
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL_RESOLVED", "sqlite://")
    PASSWORD_HASH_FAST = True
