"""向社会公布: anonymous pages show only what staff published, and never who voted."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import AuditEntry, EntryKind, Item, local_today
from tracker.services import activities as activity_ops
from tracker.services import items as ops

from .conftest import login_as
from .helpers import make_activity, make_item, pdf_file, user

REVIEWER_NAMES = ["张伟", "刘洋", "赵敏", "孙立", "周红"]
PRIVATE_WORDS = REVIEWER_NAMES + [f"reviewer{i}" for i in range(1, 6)] + [
    "王建国", "李秀兰", "unit_edu", "staff", "缺少证明材料XYZ", "内部进展ABC", "整改证明.pdf", "/attachments/"]


@pytest.fixture
def public_data(app, demo):
    with app.app_context():
        staff, lead = user("staff"), user("unit_edu")
        shown = make_activity("关于义务教育优质均衡发展情况的专题询问")
        hidden = make_activity("未公布的执法检查")
        closed = make_item(shown, "closed")
        secret = make_item(shown, "rectifying")
        secret.question = "未公布事项的问题文字"
        overdue = make_item(shown, "rectifying")
        ops.submit_report(overdue, "第一次报告", [], lead)
        ops.return_report(overdue, "缺少证明材料XYZ", staff)
        overdue.deadline = local_today() - timedelta(days=3)
        busy = make_item(shown, "rectifying")
        ops.post_progress(busy, EntryKind.PROGRESS, "内部进展ABC", [], lead)
        in_hidden = make_item(hidden, "rectifying")
        in_hidden.question = "未公布活动中的问题"
        in_hidden.deadline = local_today() - timedelta(days=5)
        activity_ops.set_activity_published(shown, True, staff)
        for item in (closed, overdue, busy, in_hidden):
            ops.set_item_published(item, True, staff)
        db.session.commit()
        return {"shown": shown.id, "hidden": hidden.id, "closed": closed.id, "secret": secret.id,
                "overdue": overdue.id, "busy": busy.id, "in_hidden": in_hidden.id}


def anonymous(app):
    return app.test_client()


def assert_nothing_private(body: str):
    for word in PRIVATE_WORDS:
        assert word not in body, word


def test_public_pages_show_published_content_without_login(app, public_data):
    client = anonymous(app)
    index = client.get("/public/")
    assert index.status_code == 200
    body = index.get_data(as_text=True)
    assert "关于义务教育优质均衡发展情况的专题询问" in body and "未公布的执法检查" not in body
    assert "1 项</a>已公布事项超过办理期限" in body

    body = client.get(f"/public/activities/{public_data['shown']}").get_data(as_text=True)
    assert "城区学校大班额问题何时解决？" in body
    assert "未公布事项的问题文字" not in body
    assert "第一轮" not in body and "满意度测评：满意" in body
    assert "满意 4 票，基本满意 0 票，不满意 0 票，无效 0 票" in body
    assert_nothing_private(body)

    body = client.get(f"/public/items/{public_data['closed']}").get_data(as_text=True)
    assert "已完成整改。" in body  # the accepted report's text
    assert "区教育局整改情况报告" in body  # a 询问问题: the words come from the naming table
    assert "今年新建两所学校。" in body and "王局长" in body  # answer and 应询人 at the public session
    assert "全体组成人员 5 人，参加 4 人" in body
    assert_nothing_private(body)

    for item in ("overdue", "busy"):
        body = client.get(f"/public/items/{public_data[item]}").get_data(as_text=True)
        assert_nothing_private(body)
        assert "第一次报告" not in body  # returned, never accepted


def test_unpublished_activity_and_item_are_404(app, public_data):
    client = anonymous(app)
    assert client.get(f"/public/activities/{public_data['hidden']}").status_code == 404
    # Published itself, but inside an unpublished activity.
    assert client.get(f"/public/items/{public_data['in_hidden']}").status_code == 404
    assert client.get(f"/public/items/{public_data['secret']}").status_code == 404
    assert client.get("/public/items/99999").status_code == 404
    # Staff see the same public view: unpublished stays 404 there too.
    assert login_as(app, "staff").get(f"/public/items/{public_data['secret']}").status_code == 404


def test_overdue_list_shows_only_published_items_past_deadline(app, public_data):
    body = anonymous(app).get("/public/overdue").get_data(as_text=True)
    assert f"/public/items/{public_data['overdue']}" in body
    assert "3 天" in body
    for other in ("closed", "busy", "secret", "in_hidden"):
        assert f"/public/items/{public_data[other]}\"" not in body
    assert "未公布活动中的问题" not in body
    assert_nothing_private(body)


def test_public_pages_are_cacheable_and_set_no_cookie(app, public_data):
    client = anonymous(app)
    for path in ("/public/", f"/public/activities/{public_data['shown']}", f"/public/items/{public_data['closed']}",
                 "/public/overdue"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "Set-Cookie" not in response.headers
        assert "X-CSRFToken" not in response.get_data(as_text=True)
    missing = client.get(f"/public/activities/{public_data['hidden']}")
    assert "public" not in missing.headers["Cache-Control"]
    # A signed-in user's copy names them in the header, so it is never shared.
    response = login_as(app, "staff").get("/public/")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Cookie" in response.headers["Vary"]


def test_login_page_links_to_public_section(app, demo):
    assert 'href="/public/"' in anonymous(app).get("/login").get_data(as_text=True)


def test_attachments_of_published_items_stay_private(app, public_data):
    unit_edu = login_as(app, "unit_edu")
    response = unit_edu.post(f"/items/{public_data['busy']}/progress",
                             {"kind": "progress", "text": "带附件的进展", "files": [pdf_file()]},
                             content_type="multipart/form-data")
    assert response.status_code == 303
    body = anonymous(app).get(f"/public/items/{public_data['busy']}").get_data(as_text=True)
    assert "整改证明.pdf" not in body and "带附件的进展" not in body


def test_staff_publish_all_items_of_an_activity(app, public_data):
    staff = login_as(app, "staff")
    page = staff.get("/public/manage").get_data(as_text=True)
    assert "3 / 4" in page and "公布全部事项" in page
    response = staff.post(f"/public/manage/activities/{public_data['shown']}/items", {"published": "1"})
    assert response.status_code == 303
    assert "已公布 1 项事项" in staff.get("/public/manage").get_data(as_text=True)
    assert anonymous(app).get(f"/public/items/{public_data['secret']}").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.item_id == public_data["secret"], AuditEntry.action == "item.publish")) == 1
    # Withdraw them all again: the public gets 404 at once.
    staff.post(f"/public/manage/activities/{public_data['shown']}/items", {"published": "0"})
    assert anonymous(app).get(f"/public/items/{public_data['closed']}").status_code == 404
    with app.app_context():
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.published.is_(True),
                                     Item.activity_id == public_data["shown"]))


def test_publish_management_is_staff_only_and_csrf_protected(app, public_data):
    path = f"/public/manage/activities/{public_data['shown']}/items"
    assert login_as(app, "unit_edu").post(path, {"published": "1"}).status_code == 403
    assert login_as(app, "reviewer1").get("/public/manage").status_code == 403
    assert anonymous(app).get("/public/manage").status_code == 302
    staff = login_as(app, "staff")
    response = staff.post(path, {"published": "1"}, csrf=False)
    assert response.status_code in (303, 400)
    assert anonymous(app).get(f"/public/items/{public_data['secret']}").status_code == 404
    assert staff.post("/public/manage/activities/99999/items", {"published": "1"}).status_code == 404


def test_public_activity_page_query_count_is_fixed(app, public_data):
    client = anonymous(app)

    def count() -> int:
        # Warm first: a change to an activity renews the per-process reference data
        # (services.refdata), which the first request after it reads once.
        assert client.get(f"/public/activities/{public_data['shown']}").status_code == 200
        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(1)  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/public/activities/{public_data['shown']}").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    before = count()
    with app.app_context():
        from tracker.models import Activity
        activity = db.session.get(Activity, public_data["shown"])
        for _ in range(3):
            ops.set_item_published(make_item(activity, "closed", co_units=["区卫生健康局"]), True, user("staff"))
        db.session.commit()
    assert count() == before
