"""The password policy (等保2.0 二级 身份鉴别, ASVS 5.0 L2): see services/passwords.py."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import AuditEntry, User, utcnow
from tracker.services.passwords import common_passwords

from .conftest import Client, login_as


def _sign_in(app, username, password="demo-password") -> Client:
    """Signed in, without following the redirect (it may lead to /password)."""
    client = Client(app)
    client.refresh_csrf("/login")
    response = client.http.post("/login", data={"username": username, "password": password,
                                                "csrf_token": client.csrf})
    assert response.status_code == 303
    client.refresh_csrf("/password")
    return client


def _change(client, current, new):
    return client.post("/password", {"current": current, "password": new, "confirm": new})


@pytest.mark.parametrize("new, message", [
    ("password123", "常见或已泄露"),
    ("qwertyuiop1", "常见或已泄露"),
    ("Woaini1314", "常见或已泄露"),
    ("reviewer1-2026!", "不能包含用户名"),
    ("demo-password", "常见或已泄露"),
    ("short-1", "至少 10 位"),
])
def test_weak_passwords_are_refused(app, demo, new, message):
    client = login_as(app, "reviewer1")
    response = _change(client, "demo-password", new)
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_the_shipped_list_is_large_and_lower_case():
    words = common_passwords()
    assert len(words) > 19_000 and "123456" in words and all(w == w.lower() for w in list(words)[:500])


def test_not_the_current_password_nor_one_of_the_last_five(app, demo):
    client = login_as(app, "staff")
    same = _change(client, "demo-password", "demo-password")
    assert "常见" in same.get_data(as_text=True)  # the demo one is on the list anyway
    history = ["Kx7-river-01", "Kx7-river-02", "Kx7-river-03", "Kx7-river-04", "Kx7-river-05", "Kx7-river-06"]
    current = "demo-password"
    for new in history:
        assert _change(client, current, new).status_code == 303
        current = new
    assert "不能与当前密码相同" in _change(client, current, current).get_data(as_text=True)
    assert "最近 5 次" in _change(client, current, "Kx7-river-03").get_data(as_text=True)
    assert _change(client, current, "Kx7-river-01").status_code == 303  # six changes ago: allowed


def test_wrong_current_passwords_count_toward_the_pause(app, demo):
    """Before: /password let a stolen session guess the current password without limit."""
    client = login_as(app, "unit_edu")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert "当前密码不正确" in _change(client, "guess-123-abc", "New-pass-2026x").get_data(as_text=True)
    right = _change(client, "demo-password", "New-pass-2026x")
    assert right.status_code == 200 and "次数过多" in right.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("auth.login_failed") == app.config["LOGIN_MAX_FAILURES"] and "auth.locked" in actions


def test_expiry_is_off_by_default_and_on_in_the_dengbao_profile(app, demo):
    with app.app_context():
        db.session.execute(sa.update(User).values(password_changed_at=utcnow() - timedelta(days=400)))
        db.session.commit()
    assert app.config["PASSWORD_MAX_AGE_DAYS"] == 0
    assert login_as(app, "staff").get("/items").status_code == 200
    app.config["PASSWORD_MAX_AGE_DAYS"] = 90  # 等保 profile: 定期更换
    client = _sign_in(app, "staff")
    expired = client.get("/items")
    assert expired.status_code == 303 and expired.headers["Location"] == "/password"
    assert _change(client, "demo-password", "Fresh-pass-2026").status_code == 303
    assert client.get("/items").status_code == 200


def test_cli_reset_requires_a_change_at_next_login(app, demo):
    result = app.test_cli_runner().invoke(args=["reset-password", "reviewer3", "--password", "Temp-pass-2026"])
    assert result.exit_code == 0, result.output
    client = _sign_in(app, "reviewer3", "Temp-pass-2026")
    assert client.get("/evaluations").headers["Location"] == "/password"
