"""Security baseline: CSRF (plain and htmx), headers and CSP, errors, production guard."""
from __future__ import annotations

import pytest

from tracker import create_app
from tracker.config import DEFAULT_SECRET_KEY, Config

from .conftest import login_as


def test_post_without_csrf_token_is_refused_in_chinese(client, demo):
    client.login("admin")
    response = client.post("/admin/units/new", {"name": "区审计局", "kind": "government"}, csrf=False)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True) and "刷新" in response.get_data(as_text=True)
    assert "区审计局" not in client.get("/admin/units").get_data(as_text=True)


def test_htmx_post_with_header_token_is_accepted_and_without_is_refused(app, demo):
    staff = login_as(app, "staff")
    response = staff.post("/activities/new", {"kind": "inquiry", "title": "测试活动", "meeting_session": "3",
                                              "meeting_date": "2026-10-10", "target_organ": "区人民政府",
                                              "lead_committee_id": "0", "evaluation_rule_key": "zhenhai"})
    activity_id = response.headers["Location"].rsplit("/", 1)[1]
    data = {"origin": "question", "question": "用 htmx 提交的问题", "asked_unit_id": "0"}
    ok = staff.post(f"/activities/{activity_id}/items", data, htmx=True)  # token in the X-CSRFToken header
    assert ok.status_code == 200 and "已录入询问问题 1" in ok.get_data(as_text=True)
    refused = staff.post(f"/activities/{activity_id}/items", data, htmx=True, csrf=False,
                         headers={"HX-Request": "true"})
    assert refused.status_code == 400
    # htmx gets a fragment retargeted to the message area, not a whole page.
    assert refused.headers["HX-Retarget"] == "#messages"
    assert "<html" not in refused.get_data(as_text=True)
    wrong = staff.post(f"/activities/{activity_id}/items", data, htmx=True, csrf=False,
                       headers={"X-CSRFToken": "forged", "HX-Request": "true"})
    assert wrong.status_code == 400


def test_csrf_token_is_valid_for_the_whole_session_not_one_hour(app, demo, client, monkeypatch):
    """A clerk active all afternoon keeps using the token issued at login."""
    client.login("staff")
    token = client.csrf
    import time
    real = time.time
    for step in range(1, 8):  # 7 × 20 minutes of activity: 2 h 20 min
        monkeypatch.setattr(time, "time", lambda step=step: real() + step * 20 * 60)
        assert client.get("/").status_code == 200
    assert client.csrf == token
    assert client.post("/logout").status_code == 303


def test_security_headers_and_csp_forbid_inline_script(client, demo):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body and "onclick" not in body


@pytest.mark.parametrize("path", ["/", "/items", "/activities", "/my", "/evaluations", "/admin/users", "/items/1"])
def test_pages_have_no_inline_script_or_style(app, demo, path):
    from tracker.extensions import db

    from .helpers import make_item
    with app.app_context():
        make_item(stage="evaluating")
        db.session.commit()
    for username in ("admin", "staff", "unit_edu", "reviewer1"):
        body = login_as(app, username).get(path).get_data(as_text=True)
        assert "<script>" not in body and " style=\"" not in body, (username, path)


def test_static_assets_are_vendored(client):
    for path in ("/static/vendor/htmx-2.0.11/htmx.min.js", "/static/vendor/pico-2.1.1/pico.min.css",
                 "/static/css/app.css", "/static/js/app.js"):
        assert client.get(path).status_code == 200, path
    page = client.get("/login").get_data(as_text=True)
    assert "https://" not in page.split("<body")[0]  # nothing loaded from a CDN


def test_404_page_is_chinese_and_htmx_gets_fragment(client, demo):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)
    fragment = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.get_data(as_text=True)
    boosted = client.get("/no-such-page", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_500_page_is_chinese_and_rolls_back(app, demo):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")
    response = app.test_client().get("/boom")
    assert response.status_code == 500 and "系统错误" in response.get_data(as_text=True)


def test_production_refuses_default_secret_key():
    class Production(Config):
        ENV_NAME = "production"
        SECRET_KEY = DEFAULT_SECRET_KEY
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production)


def test_secure_cookie_and_hsts_when_configured(app, demo):
    app.config["SESSION_COOKIE_SECURE"] = True
    app.config["HSTS"] = True
    client = app.test_client()
    response = client.get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
