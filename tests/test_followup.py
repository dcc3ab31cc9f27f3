"""Follow-up pages through the HTTP client: 催办/督办, 逾期/即将到期 lists by unit, the
deadline settings, and the holiday calendar with its fallback-year warning."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import ActivityKind, AuditEntry, CalendarOverride, Item, Notification, User, local_today
from tracker.services import followup as followup_service
from tracker.services.calendar import load_calendar
from tracker.workdays import add_months

from .abuse_support import audit_count
from .conftest import login_as
from .helpers import make_activity, make_item, unit


def _make(app, **kwargs) -> int:
    with app.app_context():
        item = make_item(**kwargs)
        db.session.commit()
        return item.id


def _set_deadline(app, item_id: int, deadline: date) -> None:
    with app.app_context():
        db.session.execute(sa.update(Item).where(Item.id == item_id).values(deadline=deadline))
        db.session.commit()


def test_supervision_notice_needs_text_and_reply_date_then_reaches_the_unit(app, demo):
    item_id = _make(app, stage="rectifying")
    staff = login_as(app, "staff")
    response = staff.post(f"/items/{item_id}/notice", {"kind": "supervise", "text": "请说明进度滞后原因"})
    assert response.status_code == 200 and "督办通知须设定回复期限" in response.get_data(as_text=True)
    reply_by = local_today() + timedelta(days=7)
    response = staff.post(f"/items/{item_id}/notice", {"kind": "supervise", "text": "请说明进度滞后原因",
                                                       "reply_by": (local_today() - timedelta(days=1)).isoformat()})
    assert "回复期限必须晚于今天" in response.get_data(as_text=True)
    response = staff.post(f"/items/{item_id}/notice", {"kind": "supervise", "text": "请说明进度滞后原因",
                                                       "reply_by": reply_by.isoformat()})
    assert response.status_code == 303
    unit_edu = login_as(app, "unit_edu")
    page = unit_edu.get(f"/items/{item_id}").get_data(as_text=True)
    assert "督办通知" in page and "请说明进度滞后原因" in page and reply_by.isoformat() in page
    assert f"请于 {reply_by.isoformat()} 前回复" in page  # in the timeline too
    inbox = unit_edu.get("/notifications").get_data(as_text=True)
    assert "请说明进度滞后原因" in inbox


def test_urge_has_a_default_text_and_only_staff_may_send(app, demo):
    item_id = _make(app, stage="assigned")
    staff, unit_edu, unit_health = (login_as(app, name) for name in ("staff", "unit_edu", "unit_health"))
    assert staff.post(f"/items/{item_id}/notice", {"kind": "urge"}).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEntry.summary).where(AuditEntry.action == "followup.urge")) \
            == "催办：请抓紧办理，按期报送整改情况。"
    before = audit_count(app)
    assert unit_edu.post(f"/items/{item_id}/notice", {"kind": "urge"}).status_code == 403
    assert unit_health.post(f"/items/{item_id}/notice", {"kind": "urge"}).status_code == 404
    assert audit_count(app) == before  # nothing done; the two refusals are recorded as such
    with app.app_context():
        refusals = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("access.%"))).all()
    assert refusals == ["access.denied", "access.not_found"]


def test_staff_flag_and_unflag_supervision_by_hand(app, demo):
    item_id = _make(app, stage="rectifying")
    staff = login_as(app, "staff")
    assert staff.post(f"/items/{item_id}/supervised", {"supervised": "1", "reason": "群众反映强烈"}).status_code == 303
    body = staff.get("/followup/supervised").get_data(as_text=True)
    assert f"/items/{item_id}" in body and "群众反映强烈" in body
    response = staff.post(f"/items/{item_id}/supervised", {"supervised": "0"})
    assert "解除挂牌督办须写明理由" in response.get_data(as_text=True)
    response = staff.post(f"/items/{item_id}/supervised", {"supervised": "0", "reason": "已取得实质进展"})
    assert response.status_code == 303
    assert f"/items/{item_id}" not in staff.get("/followup/supervised").get_data(as_text=True)
    assert login_as(app, "unit_edu").post(f"/items/{item_id}/supervised", {"supervised": "1"}).status_code == 403


def test_overdue_and_due_soon_lists_by_unit(app, demo):
    today = local_today()
    late_edu = _make(app, stage="rectifying")
    late_health = _make(app, stage="assigned", unit_name="区卫生健康局")
    soon = _make(app, stage="rectifying")
    later = _make(app, stage="rectifying")
    _set_deadline(app, late_edu, today - timedelta(days=3))
    _set_deadline(app, late_health, today - timedelta(days=1))
    _set_deadline(app, soon, today)
    with app.app_context():
        edu_id, health_id = unit("区教育局").id, unit("区卫生健康局").id
    staff = login_as(app, "staff")
    body = staff.get("/followup/overdue").get_data(as_text=True)
    assert f"/items/{late_edu}\"" in body and f"/items/{late_health}\"" in body and f"/items/{soon}\"" not in body
    assert "区教育局 <strong>1</strong>" in body and "区卫生健康局 <strong>1</strong>" in body
    assert body.index(f"/items/{late_edu}\"") < body.index(f"/items/{late_health}\"")  # most overdue first
    body = staff.get(f"/followup/overdue?unit={health_id}").get_data(as_text=True)
    assert f"/items/{late_health}\"" in body and f"/items/{late_edu}\"" not in body
    body = staff.get("/followup/due-soon").get_data(as_text=True)
    assert f"/items/{soon}\"" in body and f"/items/{later}\"" not in body and f"/items/{late_edu}\"" not in body
    assert staff.get(f"/followup/due-soon?unit={edu_id}").status_code == 200
    # The unit's own list puts red, then yellow, first.
    my = login_as(app, "unit_edu").get("/my").get_data(as_text=True)
    assert my.index(f"/items/{late_edu}\"") < my.index(f"/items/{soon}\"") < my.index(f"/items/{later}\"")
    assert login_as(app, "unit_edu").get("/followup/overdue").status_code == 403


def test_admin_edits_deadline_rules_and_the_assign_form_uses_them(app, demo):
    admin = login_as(app, "secadmin")
    page = admin.get("/settings/deadlines").get_data(as_text=True)
    assert "审计查出问题整改" in page and 'name="audit__handle__amount"' in page
    form = _settings_form(page)
    form.update({"audit__handle__amount": "4", "audit__handle__unit": "months", "yellow_workdays": "3",
                 "supervise_after_overdue_days": "15"})
    assert admin.post("/settings/deadlines", form).status_code == 303
    with app.app_context():
        activity = make_activity(kind=ActivityKind.AUDIT)
        item = make_item(activity=activity, stage="answered")
        db.session.commit()
        item_id, meeting = item.id, activity.meeting_date
    page = login_as(app, "staff").get(f"/items/{item_id}").get_data(as_text=True)
    # Counted from the meeting (no 转达 date recorded), not from the day the clerk opens the form.
    assert meeting < local_today()
    assert f'value="{add_months(meeting, 4).isoformat()}"' in page
    # A bad value is refused in Chinese, and nothing is saved.
    form.update({"audit__handle__amount": "30", "yellow_workdays": "abc"})
    response = admin.post("/settings/deadlines", form)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "期限应为 1–24 个月" in body and "请输入整数" in body
    assert login_as(app, "staff").get("/settings/deadlines").status_code == 403


def _settings_form(html: str) -> dict:
    import re
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        data[name] = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body).group(1)
    for name in re.findall(r'<input[^>]*checked[^>]*name="([^"]+)"', html) + \
            re.findall(r'<input[^>]*name="([^"]+)"[^>]*checked', html):
        data[name] = "y"
    data.pop("csrf_token", None)
    return data


def test_calendar_overrides_win_and_fallback_years_warn(app, demo, monkeypatch):
    monkeypatch.setattr(followup_service, "local_today", lambda: date(2098, 6, 1))
    staff = login_as(app, "staff")
    body = staff.get("/followup/overdue").get_data(as_text=True)
    assert "2098、2099 年的节假日安排尚未录入" in body
    admin = login_as(app, "secadmin")
    page = admin.get("/settings/calendar?year=2099").get_data(as_text=True)
    assert "未录入：暂按周一至周五计算工作日" in page
    response = admin.post("/settings/calendar", {"lines": "2098-10-01 休 国庆节\n2099-1-1 休"})
    assert response.status_code == 200 and "第 2 行日期格式不正确" in response.get_data(as_text=True)
    response = admin.post("/settings/calendar", {"lines": "2098-10-01 休 国庆节\n2098-09-27 班 国庆调休\n"
                                                          "2099-01-01 休 元旦\n2025-10-09 休 测试：覆盖内置日历"})
    assert response.status_code == 303
    assert "节假日安排尚未录入" not in staff.get("/followup/overdue").get_data(as_text=True)
    page = admin.get("/settings/calendar?year=2099").get_data(as_text=True)
    assert "管理员已录入" in page and "国庆调休" in page
    with app.app_context():
        calendar = load_calendar()
        assert not calendar.is_workday(date(2025, 10, 9))  # a working Thursday in the package, overridden
        assert calendar.is_workday(date(2098, 9, 27))
        assert db.session.get(CalendarOverride, date(2098, 10, 1)).note == "国庆节"
    assert admin.post("/settings/calendar/2025-10-09/delete").status_code == 303
    assert admin.post("/settings/calendar/2025-10-09/delete").status_code == 303  # second click: a message
    assert admin.post("/settings/calendar/not-a-date/delete").status_code == 404
    with app.app_context():
        assert load_calendar().is_workday(date(2025, 10, 9))


def test_item_page_warns_when_the_deadline_year_is_estimated(app, demo):
    item_id = _make(app, stage="rectifying")
    _set_deadline(app, item_id, date(2099, 3, 1))
    body = login_as(app, "staff").get(f"/items/{item_id}").get_data(as_text=True)
    assert "2099 年的节假日安排尚未录入" in body
    # A staff matter: the unit is not shown a warning it can do nothing about.
    body = login_as(app, "unit_edu").get(f"/items/{item_id}").get_data(as_text=True)
    assert "节假日安排尚未录入" not in body


def test_reviewer_sees_no_follow_up_panel(app, demo):
    item_id = _make(app, stage="evaluating")
    with app.app_context():
        assert db.session.scalar(sa.select(User.id).where(User.username == "reviewer1"))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) > 0
    body = login_as(app, "reviewer1").get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="followup"' not in body
