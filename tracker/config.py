"""Settings read from the environment, parsed strictly.

Defaults suit a developer laptop (SQLite file under ``instance/``); production sets
``TRACKER_ENV=production``, ``SECRET_KEY`` and ``DATABASE_URL`` (PostgreSQL via psycopg 3).

A value the parser does not understand is never silently replaced by a default: it is
collected in ``SETTINGS_ERRORS`` and ``create_app`` refuses to start (see ``selfcheck``).
``TRACKER_ENV=Production`` once ran development mode with the public key; now it stops.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-secret-change-me"  # noqa: S105 - refused in production
ENVIRONMENTS = ("development", "production")
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def _database_url(raw: str) -> str:
    url = raw.strip()
    if not url:
        return f"sqlite:///{BASE_DIR / 'instance' / 'tracker.db'}"
    # Operators paste URLs from PaaS consoles; make both spellings use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class _Reader:
    """Reads typed values from an environment mapping, noting every value it refuses."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ
        self.errors: list[str] = []

    def text(self, name: str, default: str = "") -> str:
        return self.environ.get(name, default)

    def integer(self, name: str, default: int) -> int:
        raw = self.environ.get(name)
        if raw is None or not raw.strip():
            return default
        value = raw.strip()
        digits = value[1:] if value.startswith("-") else value
        if not (digits.isascii() and digits.isdigit()):
            self.errors.append(f"{name}={raw!r} 不是整数")
            return default
        return int(value)

    def boolean(self, name: str, default: bool | None = False) -> bool | None:
        raw = self.environ.get(name)
        if raw is None or not raw.strip():
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.errors.append(f"{name}={raw!r} 不是布尔值（用 1/0、true/false、yes/no、on/off）")
        return default

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        raw = self.environ.get(name)
        if raw is None or not raw.strip():
            return default
        if raw.strip() not in choices:
            self.errors.append(f"{name}={raw!r} 无效，只能是 {' 或 '.join(choices)}（区分大小写）")
            return "production"  # an unknown value must never fall back to the weaker mode
        return raw.strip()


def build_config(environ: Mapping[str, str]) -> type:
    """A Config class from an environment mapping (tests pass their own mapping)."""
    r = _Reader(environ)
    env_name = r.choice("TRACKER_ENV", ENVIRONMENTS, "development")
    production = env_name == "production"
    # Secure cookies (and HSTS) are the production default; a plain-HTTP intranet opts out
    # explicitly with SESSION_COOKIE_SECURE=0, and the self-check says so at every start.
    secure = r.boolean("SESSION_COOKIE_SECURE", None)
    secure = production if secure is None else secure
    idle = r.integer("IDLE_TIMEOUT_MINUTES", 30)

    attrs = dict(  # noqa: C408 - keyword form reads like the settings table in the README
        SETTINGS_ERRORS=tuple(r.errors),  # filled below, after every read
        ENV_NAME=env_name,
        SECRET_KEY=r.text("SECRET_KEY", DEFAULT_SECRET_KEY),
        SQLALCHEMY_DATABASE_URI=_database_url(r.text("DATABASE_URL")),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SQLITE_BUSY_TIMEOUT_MS=r.integer("SQLITE_BUSY_TIMEOUT_MS", 15000),
        # Server-side prepared statements (psycopg's, after a statement's fifth run on a
        # connection); off behind a pooler that cannot keep them (PgBouncer in transaction mode).
        PG_PREPARED_STATEMENTS=r.boolean("PG_PREPARED_STATEMENTS", True),
        PROXY_COUNT=r.integer("PROXY_COUNT", 0),
        # The CSRF token lives as long as the session: a clerk who leaves a form open over
        # lunch must not lose the text on submit (Flask-WTF's default is one hour).
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_HEADERS=["X-CSRFToken"],
        SESSION_COOKIE_SECURE=secure,
        # __Host- binds the cookie to this exact host over HTTPS (no Domain, Path=/).
        SESSION_COOKIE_NAME="__Host-tracker_session" if secure else "tracker_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        HSTS=r.boolean("HSTS", secure),
        IDLE_TIMEOUT_MINUTES=idle,
        IDLE_WARNING_MINUTES=r.integer("IDLE_WARNING_MINUTES", 5),
        SESSION_LIFETIME_HOURS=r.integer("SESSION_LIFETIME_HOURS", 12),
        REMEMBER_COOKIE_DURATION=timedelta(seconds=0),
        LOGIN_MAX_FAILURES=r.integer("LOGIN_MAX_FAILURES", 5),
        LOGIN_LOCK_MINUTES=r.integer("LOGIN_LOCK_MINUTES", 15),
        LOGIN_RATE_LIMIT=r.text("LOGIN_RATE_LIMIT", "20 per minute;200 per hour"),
        LOGIN_GLOBAL_RATE_LIMIT=r.text("LOGIN_GLOBAL_RATE_LIMIT", "300 per minute"),
        PASSWORD_CHECKS_AT_ONCE=r.integer("PASSWORD_CHECKS_AT_ONCE", 2),
        PASSWORD_SLOT_WAIT_SECONDS=r.integer("PASSWORD_SLOT_WAIT_SECONDS", 10),
        REDIS_URL=r.text("REDIS_URL").strip(),
        PASSWORD_MAX_AGE_DAYS=r.integer("PASSWORD_MAX_AGE_DAYS", 0),
        PASSWORD_HISTORY=r.integer("PASSWORD_HISTORY", 5),
        ALLOW_DEMO_PASSWORDS=r.boolean("ALLOW_DEMO_PASSWORDS", False),
        UPLOAD_MAX_MB=r.integer("UPLOAD_MAX_MB", 20),
        MAIL_SERVER=r.text("MAIL_SERVER"),
        MAIL_PORT=r.integer("MAIL_PORT", 25),
        MAIL_USERNAME=r.text("MAIL_USERNAME"),
        MAIL_PASSWORD=r.text("MAIL_PASSWORD"),
        MAIL_USE_TLS=r.boolean("MAIL_USE_TLS", False),
        MAIL_SENDER=r.text("MAIL_SENDER", "tracker@localhost"),
        BASE_URL=r.text("BASE_URL"),  # absolute links in mail, e.g. https://rd.example.gov.cn
        # 发文字号 prefixes per series (函: 交办函, 督办函; 通报: 测评结果通报), "前缀〔年〕N号"; LETTER_NUMBER_PREFIX
        # is the older name of the 函 prefix.  LETTER_CONTACT_PHONE is the office phone in the 附注.
        LETTER_PREFIX_LETTER=r.text("LETTER_PREFIX_LETTER") or r.text("LETTER_NUMBER_PREFIX", "X人常办函"),
        LETTER_PREFIX_NOTICE=r.text("LETTER_PREFIX_NOTICE", "X人常办通"),
        LETTER_CONTACT_PHONE=r.text("LETTER_CONTACT_PHONE"),
        LEDGER_EXPORT_BATCH=r.integer("LEDGER_EXPORT_BATCH", 500),  # rows read per query in exports
        PAGE_SIZE=50,
        ORG_NAME=r.text("ORG_NAME", "XX区人大常委会"),
    )
    attrs["SETTINGS_ERRORS"] = tuple(r.errors)
    return type("Config", (), attrs)


def derive(config: dict) -> None:
    """Values computed from others, so a test or subclass that changes one keeps the rest
    consistent (called by ``create_app`` after loading the config)."""
    config.setdefault("IDLE_TIMEOUT", timedelta(minutes=config["IDLE_TIMEOUT_MINUTES"]))
    config.setdefault("SESSION_LIFETIME", timedelta(hours=config["SESSION_LIFETIME_HOURS"]))
    # The cookie may outlive the server-side record; the record decides (see sessions.py).
    config["PERMANENT_SESSION_LIFETIME"] = config["SESSION_LIFETIME"]
    # Send the cookie only when the session changed. Refreshing it on every response let a
    # page's own htmx fragment (started before a POST finished) answer with the older
    # cookie and wipe the POST's flash message. Idle time lives in the server-side record,
    # and the cookie's life already equals the absolute lifetime, so nothing needs the refresh.
    config["SESSION_REFRESH_EACH_REQUEST"] = False
    config.setdefault("UPLOAD_MAX_BYTES", config["UPLOAD_MAX_MB"] * 1024 * 1024)
    if config.get("MAX_CONTENT_LENGTH") is None:  # Flask's own default is None
        config["MAX_CONTENT_LENGTH"] = config["UPLOAD_MAX_BYTES"] + 1024 * 1024  # form fields around the file


Config = build_config(os.environ)


class TestConfig(Config):
    TESTING = True
    ENV_NAME = "testing"
    WTF_CSRF_ENABLED = True  # tests send real tokens; CSRF is part of what we test
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL_RESOLVED", "sqlite://")
    PASSWORD_HASH_FAST = True
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "tracker_session"
    HSTS = False
    # Tests sign in hundreds of times from one address; the limiter has its own tests.
    LOGIN_RATE_LIMIT = "10000 per minute"
    LOGIN_GLOBAL_RATE_LIMIT = "100000 per minute"
