"""A refused form never leaves a POST address in the browser's history (issue 14).

The refused page is kept server-side and the browser is sent (303) to the page the form
was on; that GET shows it once, with what was typed and why it was refused; a reload then
shows the page as it is. Test clients that are not browsers keep the real status codes.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import login_as
from tests.helpers import make_item
from tracker.extensions import db
from tracker.models import Stash, local_today, utcnow

BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


def _answered_item(app) -> int:
    with app.app_context():
        item = make_item(stage="answered")
        db.session.commit()
        return item.id


def _bad_assign(client, item_id: int, headers: dict):
    past = (local_today() - timedelta(days=3)).isoformat()
    client.refresh_csrf(f"/items/{item_id}")
    return client.post(f"/items/{item_id}/assign", {"lead_unit_id": "", "deadline": past, "version": "1"},
                       headers={**headers, "Referer": f"http://localhost/items/{item_id}"})


def test_boosted_refusal_redirects_to_the_page_and_shows_it_once(app, demo):
    item_id = _answered_item(app)
    staff = login_as(app, "staff")
    response = _bad_assign(staff, item_id, BOOSTED)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/items/{item_id}"
    first = staff.get(f"/items/{item_id}", headers=BOOSTED)
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "未能提交" in html and "no-store" in first.headers["Cache-Control"]
    # Reloading shows the page as it is now, never a 405; the kept copy is gone.
    again = staff.get(f"/items/{item_id}")
    assert again.status_code == 200 and "未能提交" not in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Stash.id))) == 0


def test_plain_form_post_from_a_browser_is_redirected_too(app, demo):
    item_id = _answered_item(app)
    staff = login_as(app, "staff")
    response = _bad_assign(staff, item_id, NAVIGATE)
    assert response.status_code == 303 and response.headers["Location"] == f"/items/{item_id}"


def test_typed_text_survives_the_redirect(app, demo):
    with app.app_context():
        item = make_item(stage="rectifying")
        db.session.commit()
        item_id = item.id
    edu = login_as(app, "unit_edu")
    edu.refresh_csrf(f"/items/{item_id}")
    # A report with an attachment of a forbidden type is refused; the text must come back.
    response = edu.post(f"/items/{item_id}/extension", {"reason": "需要协调规划部门，原因很长很具体",
                                                        "requested_deadline": "2001-01-01"},
                        headers={**BOOSTED, "Referer": f"http://localhost/items/{item_id}"})
    assert response.status_code == 303
    page = edu.get(response.headers["Location"]).get_data(as_text=True)
    assert "需要协调规划部门，原因很长很具体" in page


def test_not_a_browser_keeps_the_real_status(app, demo):
    item_id = _answered_item(app)
    edu = login_as(app, "unit_edu")
    edu.refresh_csrf("/my")
    assert edu.post(f"/items/{item_id}/acknowledge", {}).status_code in (403, 404, 409)
    staff = login_as(app, "staff")
    assert _bad_assign(staff, item_id, {}).status_code == 200


def test_htmx_fragment_requests_are_not_redirected(app, demo):
    item_id = _answered_item(app)
    staff = login_as(app, "staff")
    assert _bad_assign(staff, item_id, {"HX-Request": "true"}).status_code == 200


def test_kept_page_is_only_for_its_session_and_expires(app, demo):
    item_id = _answered_item(app)
    staff = login_as(app, "staff")
    assert _bad_assign(staff, item_id, BOOSTED).status_code == 303
    other = login_as(app, "staff")  # the same account in another browser
    assert "未能提交" not in other.get(f"/items/{item_id}").get_data(as_text=True)
    with app.app_context():
        db.session.execute(sa.update(Stash).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert "未能提交" not in staff.get(f"/items/{item_id}").get_data(as_text=True)


def test_foreign_referer_is_never_a_target(app, demo):
    item_id = _answered_item(app)
    staff = login_as(app, "staff")
    staff.refresh_csrf(f"/items/{item_id}")
    response = staff.post(f"/items/{item_id}/assign", {"lead_unit_id": "", "deadline": "x"},
                          headers={**BOOSTED, "Referer": "https://evil.example/items/1"})
    assert response.status_code == 200  # no same-site page to go back to: answered in place


def test_form_that_also_answers_get_comes_back_to_its_own_address(app, demo):
    admin = login_as(app, "admin")
    admin.refresh_csrf("/admin/units")
    response = admin.post("/admin/units", {"name": "", "kind": "organ"}, headers=BOOSTED)
    if response.status_code == 303:
        assert response.headers["Location"].startswith("/admin/units")
