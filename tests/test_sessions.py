"""Sessions are server-side records: each attack below worked against a signed cookie
alone (issue 13) and must not any more."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import AuditEntry, ParkedForm, UserSession, utcnow

from .conftest import Client, login_as
from .helpers import make_item


def _copy_cookies(source: Client, target: Client) -> None:
    for cookie in source.http._cookies.values():
        target.http.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def _sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(UserSession))


def test_a_cookie_copied_before_logout_no_longer_works(app, demo):
    """Before: the copy kept answering 200 after logout, from any User-Agent."""
    victim = login_as(app, "staff")
    thief = Client(app)
    _copy_cookies(victim, thief)
    thief.http.environ_base["HTTP_USER_AGENT"] = "curl/8.0"
    assert thief.get("/items").status_code == 200  # the copy works while the session lives
    assert victim.logout().status_code == 303
    response = thief.get("/items")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert _sessions(app) == 0
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "auth.logout" in actions and actions[-1] == "auth.session_revoked"


def test_absolute_lifetime_ends_an_active_session(app, demo):
    client = login_as(app, "staff")
    with app.app_context():
        lifetime = app.config["SESSION_LIFETIME"]
        assert lifetime == timedelta(hours=12)
        db.session.execute(sa.update(UserSession).values(created_at=utcnow() - lifetime - timedelta(minutes=1)))
        db.session.commit()
    response = client.get("/items")  # active a minute ago, but signed in 12 hours ago
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert "最长时限" in client.get("/login").get_data(as_text=True)


def test_end_all_my_sessions(app, demo, make_client):
    laptop, phone = login_as(app, "unit_edu"), login_as(app, "unit_edu")
    other = login_as(app, "unit_health")
    page = laptop.get("/password").get_data(as_text=True)
    assert "退出所有设备" in page and page.count("<tr>") >= 3  # header + two sessions
    assert laptop.post("/sessions/end-all").status_code == 303
    for client in (laptop, phone):
        assert client.get("/my").headers["Location"].startswith("/login")
    assert other.get("/my").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "auth.sessions_ended"))


def test_an_administrator_ends_a_users_sessions(app, demo):
    reviewer = login_as(app, "reviewer1")
    admin = login_as(app, "admin")
    page = admin.get(f"/admin/users/{demo['reviewer1']}").get_data(as_text=True)
    assert "1 个有效会话" in page
    assert admin.post(f"/admin/users/{demo['reviewer1']}/sessions/end").status_code == 303
    assert reviewer.get("/evaluations").headers["Location"].startswith("/login")
    assert admin.get("/admin/users").status_code == 200  # the administrator's own session goes on


def test_idle_warning_and_continue(app, demo):
    """The layout carries the warning (script in a vendored file, none inline); the
    status call does not count as activity, 继续 does."""
    client = login_as(app, "unit_edu")
    page = client.get("/my").get_data(as_text=True)
    assert 'id="idle-warning"' in page and "继续" in page and "js/session.js" in page and "<script>" not in page
    assert client.get("/static/js/session.js").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=27)))
        db.session.commit()
    status = client.get("/session/status").get_json()
    assert 150 <= status["remaining"] <= 180 and status["warning"] == 300
    assert client.get("/session/status").get_json()["remaining"] <= 180  # still counting down
    kept = client.post("/session/keepalive", htmx=True).get_json()
    assert kept["remaining"] > 29 * 60


def test_a_form_posted_after_the_idle_timeout_keeps_its_text(app, demo):
    """Before: a unit user who wrote a long report lost it at submit. Now the text is
    parked, the user signs in, comes back to the page, and the text is put back."""
    with app.app_context():
        item_id = make_item(stage="rectifying").id
        db.session.commit()
    client = login_as(app, "unit_edu")
    assert client.get(f"/items/{item_id}").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    report = "整改情况报告：已新建两所学校，消除大班额 42 个。" * 20 + "\uffff"
    response = client.post(f"/items/{item_id}/report", {"text": report},
                           headers={"Referer": f"http://localhost/items/{item_id}"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/login?next=/items/{item_id}"
    assert "已保存" in client.get("/login").get_data(as_text=True)
    client.refresh_csrf("/login")
    back = client.http.post(response.headers["Location"], data={
        "username": "unit_edu", "password": "demo-password", "csrf_token": client.csrf})
    assert back.headers["Location"] == f"/items/{item_id}"
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    parked = re.search(r"<template id=\"parked-form\" data-action=\"([^\"]+)\" data-fields='([^']+)'", page)
    assert parked and parked.group(1) == f"/items/{item_id}/report"
    assert "消除大班额 42 个" in parked.group(2).encode().decode("unicode_escape")
    # Shown once, to this user only.
    assert "parked-form" not in client.get(f"/items/{item_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ParkedForm)) == 0


def test_parked_text_is_only_for_its_author(app, demo):
    with app.app_context():
        item_id = make_item(stage="rectifying").id
        db.session.commit()
    client = login_as(app, "unit_edu")
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    client.post(f"/items/{item_id}/report", {"text": "只给本人看的草稿"},
                headers={"Referer": f"http://localhost/items/{item_id}"})
    staff = login_as(app, "staff")
    assert "只给本人看的草稿" not in staff.get(f"/items/{item_id}").get_data(as_text=True)


def test_a_fragment_loaded_beside_a_post_does_not_wipe_its_flash(app, demo):
    """Found by the browser journey on PostgreSQL: the item page's htmx fragment (既往提出情况)
    was requested before a POST's redirect and answered after it, with a refreshed copy of
    the older session cookie — the POST's "已开启满意度测评" never showed. A response now
    sets the cookie only when the session changed."""
    with app.app_context():
        item_id = make_item(stage="rectifying").id
        db.session.commit()
    staff = login_as(app, "staff")
    staff.get(f"/items/{item_id}")  # the page, its CSRF token in the session
    fragment = staff.http.get(f"/items/{item_id}/recurrence", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Set-Cookie" not in fragment.headers  # a read leaves the browser's cookie alone
    flashed = staff.post("/notifications/read-all", {"scope": "all"})  # says "已将全部通知标为已读"
    assert flashed.status_code == 303 and "Set-Cookie" in flashed.headers  # a change is still sent


def test_the_user_and_their_session_record_are_read_in_one_statement(app, demo):
    """Every page needs both; two statements cost a round trip per page on PostgreSQL."""
    staff = login_as(app, "staff")
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        assert staff.get("/items").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    reads = [s for s in statements if "FROM user_session" in s or "JOIN user_session" in s]
    assert len(reads) == 1 and "FROM user_account" in reads[0]
    # The layout's two per-user reads, the unread badge and the parked form, are one statement too.
    layout = [s for s in statements if "FROM notification" in s or "FROM parked_form" in s]
    assert len(layout) == 1 and "FROM notification" in layout[0] and "FROM parked_form" in layout[0]


def test_another_users_session_token_does_not_sign_in(app, demo):
    """The loader joins the session record on its user: staff's own id with a unit user's
    live session token is a revoked session, not a signed-in one."""
    staff, unit = login_as(app, "staff"), login_as(app, "unit_edu")
    with staff.http.session_transaction() as theirs, unit.http.session_transaction() as other:
        theirs["sid"] = other["sid"]
    response = staff.get("/items")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert unit.get("/my").status_code == 200  # and the owner of the token is still signed in
