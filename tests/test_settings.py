"""The production baseline: settings parsed strictly, weak production settings refused,
Secure cookies and HSTS by default, a self-check at start (issue 13)."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import create_app
from tracker.config import build_config
from tracker.selfcheck import ConfigurationError, serve_checks

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 32


def _app(database_uri, **environ):
    config = build_config(environ)
    return create_app(type("Checked", (config,), {"SQLALCHEMY_DATABASE_URI": database_uri,
                                                  "PASSWORD_HASH_FAST": True}))


@pytest.mark.parametrize("environ, message", [
    ({"TRACKER_ENV": "Production"}, "TRACKER_ENV='Production' 无效"),
    ({"TRACKER_ENV": "prod"}, "TRACKER_ENV='prod' 无效"),
    ({"TRACKER_ENV": "production"}, "SECRET_KEY"),
    ({"TRACKER_ENV": "production", "SECRET_KEY": "k" * 31}, "至少 32 个字符"),
    ({"LOGIN_MAX_FAILURES": "0"}, "LOGIN_MAX_FAILURES=0 超出允许范围"),
    ({"IDLE_TIMEOUT_MINUTES": "-5"}, "IDLE_TIMEOUT_MINUTES=-5 超出允许范围"),
    ({"IDLE_TIMEOUT_MINUTES": "thirty"}, "不是整数"),
    ({"UPLOAD_MAX_MB": "²"}, "不是整数"),
    ({"SESSION_COOKIE_SECURE": "maybe"}, "不是布尔值"),
    ({"MAIL_USE_TLS": "ja"}, "不是布尔值"),
    ({"IDLE_WARNING_MINUTES": "30"}, "必须小于"),
    ({"LOGIN_RATE_LIMIT": "lots"}, "不是有效的限流写法"),
])
def test_bad_settings_stop_the_app(database_uri, environ, message):
    """Before: ``Production`` silently ran development mode with the public key;
    LOGIN_MAX_FAILURES=0 made every failed login a 500; a negative idle timeout made
    login impossible; "maybe" was false."""
    with pytest.raises(ConfigurationError) as error:
        _app(database_uri, **environ)
    assert message in str(error.value)


def test_an_unknown_environment_stops_the_server_process(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "TEST_DATABASE"))},
           "TRACKER_ENV": "Production", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "拒绝启动" in result.stderr and "TRACKER_ENV" in result.stderr


def test_production_defaults_to_secure_cookies_and_hsts(database_uri, demo):
    app = _app(database_uri, TRACKER_ENV="production", SECRET_KEY=GOOD_KEY)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_NAME"] == "__Host-tracker_session"
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login", base_url="https://localhost", data={
        "username": "staff", "password": "demo-password", "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-tracker_session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def test_plain_http_intranet_opts_out_explicitly(app, database_uri):  # app: an emptied database
    app = _app(database_uri, TRACKER_ENV="production", SECRET_KEY=GOOD_KEY, SESSION_COOKIE_SECURE="0")
    assert not app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_NAME"] == "tracker_session"
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
    lines = serve_checks(app, out=io.StringIO())
    assert any("未设 Secure" in line for line in lines)


def test_refuses_to_serve_while_an_account_has_the_demo_password(database_uri, demo, capsys):
    app = _app(database_uri, TRACKER_ENV="production", SECRET_KEY=GOOD_KEY)
    with pytest.raises(ConfigurationError, match="仍使用演示密码") as error:
        serve_checks(app)
    assert "admin" in str(error.value) and "reviewer5" in str(error.value)
    allowed = _app(database_uri, TRACKER_ENV="production", SECRET_KEY=GOOD_KEY, ALLOW_DEMO_PASSWORDS="1")
    lines = serve_checks(allowed)
    printed = capsys.readouterr().err
    assert "[自检] 运行模式：production" in printed and "已允许" in printed
    assert any("SECRET_KEY：32 个字符" in line for line in lines)


def test_serves_once_the_demo_passwords_are_changed(database_uri, demo):
    app = _app(database_uri, TRACKER_ENV="production", SECRET_KEY=GOOD_KEY)
    runner = app.test_cli_runner()
    from tracker.demo import DEMO_USERS
    for name, _ in DEMO_USERS:
        result = runner.invoke(args=["reset-password", name, "--password", f"Own-{len(name)}x-Pass-2026"])
        assert result.exit_code == 0, result.output
    lines = serve_checks(app, out=io.StringIO())
    assert "演示密码：没有账号使用" in lines
