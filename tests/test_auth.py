"""Signing in and out, lockout, session revocation, idle timeout, passwords."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import AuditEntry, LoginThrottle, Notification, User, UserSession, utcnow
from tracker.services.login import REFUSED


def test_login_page_is_chinese_and_logs_in(client, demo):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page
    response = client.login("staff")
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "李秀兰" in home and "工作人员" in home


def test_wrong_password_shows_chinese_error_and_counts(client, demo, app):
    response = client.login("staff", "wrong-password", expect_ok=False)
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(sa.select(LoginThrottle).where(LoginThrottle.name_key == "staff"))
        assert (row.failures, row.address) == (1, "127.0.0.1")


def test_unknown_user_gets_same_message(client, demo):
    response = client.login("nobody", "whatever-123", expect_ok=False)
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_lockout_after_repeated_failures_is_per_account_and_in_database(app, demo, make_client):
    limit = app.config["LOGIN_MAX_FAILURES"]
    attacker = make_client()
    for _ in range(limit):
        attacker.login("unit_edu", "bad-password-1", expect_ok=False)
    # The right password no longer works from that address: the pause is stored in the
    # database, so a different client (think: another gunicorn worker) sees it too.
    other = make_client()
    response = other.login("unit_edu", "demo-password", expect_ok=False)
    assert response.status_code == 200
    assert REFUSED in response.get_data(as_text=True)
    # Another account is untouched.
    make_client().login("unit_health")
    with app.app_context():
        user = db.session.get(User, demo["unit_edu"])
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == user.id)).all()
        assert "auth.locked" in actions
        # The real user is told, in the app.
        notes = db.session.scalars(sa.select(Notification.text).where(Notification.user_id == user.id)).all()
        assert any("连续" in n and "暂停登录" in n for n in notes)


def test_admin_unlocks_account(app, demo, make_client):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        make_client().login("unit_edu", "bad-password-1", expect_ok=False)
    admin = make_client()
    admin.http.environ_base["REMOTE_ADDR"] = "10.0.0.9"  # the administrator's own desk
    admin.login("admin")
    assert "已锁定" in admin.get("/admin/users").get_data(as_text=True)
    assert admin.post(f"/admin/users/{demo['unit_edu']}/unlock").status_code == 303
    make_client().login("unit_edu")


def test_logout_requires_post_with_csrf(client, demo):
    client.login("staff")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    assert client.logout().status_code == 303
    assert client.get("/").headers["Location"].startswith("/login")


def test_password_change_ends_other_sessions(app, demo, make_client):
    laptop, phone = make_client(), make_client()
    laptop.login("staff")
    phone.login("staff")
    response = laptop.post("/password", {"current": "demo-password", "password": "new-pass-2026",
                                         "confirm": "new-pass-2026"})
    assert response.status_code == 303
    assert laptop.get("/").status_code == 200  # the session that changed it continues
    assert phone.get("/").status_code == 302  # every other session is over
    make_client().login("staff", "new-pass-2026")


def test_weak_new_password_is_refused_in_chinese(client, demo):
    client.login("staff")
    response = client.post("/password", {"current": "demo-password", "password": "12345678901",
                                         "confirm": "12345678901"})
    assert response.status_code == 200
    assert "字母" in response.get_data(as_text=True)


def test_disabling_user_ends_sessions(app, demo, make_client):
    unit = make_client()
    unit.login("unit_edu")
    admin = make_client()
    admin.login("admin")
    with app.app_context():
        user = db.session.get(User, demo["unit_edu"])
        version, unit_id = user.version, user.unit_id
    response = admin.post(f"/admin/users/{demo['unit_edu']}", {
        "username": "unit_edu", "display_name": "王建国", "role": "unit", "unit_id": unit_id,
        "email": "", "version": version})  # "active" unchecked: disabled
    assert response.status_code == 303
    assert unit.get("/").status_code == 302
    again = make_client().login("unit_edu", expect_ok=False)
    assert "停用" in again.get_data(as_text=True)


def test_idle_timeout_signs_out(app, demo, client):
    client.login("staff")
    assert client.get("/").status_code == 200
    with app.app_context():
        idle = app.config["IDLE_TIMEOUT"]
        db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - idle - timedelta(seconds=5)))
        db.session.commit()
    response = client.get("/items")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login?next=/items")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
        assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) \
            == "auth.idle_timeout"


@pytest.mark.parametrize("target, expected", [
    ("/admin/users", "/admin/users"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_login_redirect_only_to_own_site(client, demo, target, expected):
    token = client.refresh_csrf("/login")
    response = client.http.post(f"/login?next={target}", data={
        "username": "admin", "password": "demo-password", "csrf_token": token})
    assert response.headers["Location"] == expected


def test_password_is_argon2_and_rehashed_when_parameters_change(app, demo, client):
    with app.app_context():
        user = db.session.get(User, demo["staff"])
        assert user.password_hash.startswith("$argon2id$")
        # Simulate a hash made with older, weaker parameters.
        from argon2 import PasswordHasher
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash("demo-password")
        old = user.password_hash
        db.session.commit()
    client.login("staff")
    with app.app_context():
        assert db.session.get(User, demo["staff"]).password_hash != old


def test_session_cookie_flags(client, demo):
    response = client.login("staff")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
