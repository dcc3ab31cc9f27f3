"""发布 (issue 14): "连同全部事项公布" in one step, back to the page it was clicked on."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import login_as
from tests.helpers import make_activity, make_item
from tracker.extensions import db
from tracker.models import Activity, Item


def _activity_with_items(app) -> int:
    with app.app_context():
        activity = make_activity(title="关于公布测试的专题询问")
        make_item(activity=activity, stage="assigned")
        make_item(activity=activity, stage="answered")
        db.session.commit()
        return activity.id


def _state(app, activity_id: int) -> tuple[bool, int]:
    with app.app_context():
        published = db.session.get(Activity, activity_id).published
        items = db.session.scalar(sa.select(sa.func.count(Item.id)).where(
            Item.activity_id == activity_id, Item.published.is_(True)))
        return published, items


def test_publish_with_all_items_from_the_manage_page_returns_there(app, demo):
    activity_id = _activity_with_items(app)
    staff = login_as(app, "staff")
    staff.refresh_csrf("/public/manage")
    response = staff.post(f"/activities/{activity_id}/publish",
                          {"published": "1", "with_items": "1", "next": "/public/manage?page=1"})
    assert response.status_code == 303 and response.headers["Location"] == "/public/manage?page=1"
    assert _state(app, activity_id) == (True, 2)


def test_publish_activity_only_defaults_to_the_activity_page(app, demo):
    activity_id = _activity_with_items(app)
    staff = login_as(app, "staff")
    staff.refresh_csrf(f"/activities/{activity_id}")
    response = staff.post(f"/activities/{activity_id}/publish", {"published": "1"})
    assert response.headers["Location"] == f"/activities/{activity_id}"
    assert _state(app, activity_id) == (True, 0)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http://evil.example/public/manage",
                                    "/public/manage\r\nSet-Cookie: x=1"])
def test_next_never_leaves_the_site(app, demo, target):
    activity_id = _activity_with_items(app)
    staff = login_as(app, "staff")
    staff.refresh_csrf(f"/activities/{activity_id}")
    response = staff.post(f"/activities/{activity_id}/publish", {"published": "0", "next": target})
    assert response.status_code == 303 and response.headers["Location"] == f"/activities/{activity_id}"
