"""After 交办: 退办 within its window, staff reassigning or refusing, the 无进展 light at its
boundary (with a holiday week), the unit's declared date on the public pages, and the
long-open report — all through the HTTP client."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.lights import is_silent, silent_clause
from tracker.models import (
    Activity,
    AuditAction,
    AuditEntry,
    DeclaredDate,
    HandbackRequest,
    HandbackStatus,
    Item,
    Notification,
    Stage,
    local_today,
)
from tracker.services.handbacks import pending_handbacks_count
from tracker.services.settings import set_setting
from tracker.templating import cn_date
from tracker.workdays import add_months

from .conftest import login_as
from .helpers import make_activity, make_item, unit, user


def _history(item_id: int, action: AuditAction) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.item_id == item_id,
                                                               AuditEntry.action == action.value)))


def _inbox(username: str, kind: str) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user(username).id, Notification.kind == kind)))


def _assigned_item(app, stage="rectifying", days_ago=0) -> int:
    with app.app_context():
        item = make_item(stage=stage)
        item.assigned_at = item.assigned_at - timedelta(days=days_ago)
        db.session.commit()
        return item.id


# -- 退办 -------------------------------------------------------------------------------

def test_handback_within_window_then_staff_reassign(app, demo):
    item_id = _assigned_item(app)
    edu = login_as(app, "unit_edu")
    assert "申请退办" in edu.get(f"/items/{item_id}").get_data(as_text=True)
    with app.app_context():
        health = unit("区卫生健康局").id
    # The reason is required: refused in Chinese, nothing saved.
    response = edu.post(f"/items/{item_id}/handback", {"reason": "  ", "suggested_unit_id": "0"})
    assert response.status_code == 200 and "退办理由" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HandbackRequest)) == 0
    response = edu.post(f"/items/{item_id}/handback", {"reason": "该事项属卫生健康部门职责",
                                                       "suggested_unit_id": str(health)})
    assert response.status_code == 303
    with app.app_context():
        assert pending_handbacks_count() == 1
        assert len(_inbox("staff", "handback")) == 1
    staff = login_as(app, "staff")
    listing = staff.get("/followup/handbacks").get_data(as_text=True)
    assert f"/items/{item_id}#handback-decide" in listing and "该事项属卫生健康部门职责" in listing
    with app.app_context():
        request_id = db.session.scalar(sa.select(HandbackRequest.id))
    # Reassigning to the same unit is refused.
    with app.app_context():
        edu_id = unit("区教育局").id
    response = staff.post(f"/items/{item_id}/handback/{request_id}", {"decision": "reassign",
                                                                      "lead_unit_id": str(edu_id)})
    assert response.status_code == 200 and "新的牵头单位" in response.get_data(as_text=True)
    response = staff.post(f"/items/{item_id}/handback/{request_id}", {"decision": "reassign",
                                                                      "lead_unit_id": str(health)})
    assert response.status_code == 303
    with app.app_context():
        item = db.session.get(Item, item_id)
        kind = db.session.get(Activity, item.activity_id).kind
        from tracker.services.deadlines import due_date
        assert item.lead_unit_id == health and item.stage is Stage.ASSIGNED and item.acknowledged_at is None
        assert item.deadline == due_date(kind, "handle", local_today())
        assert db.session.get(HandbackRequest, request_id).status is HandbackStatus.REASSIGNED
        assert pending_handbacks_count() == 0
        decided = _history(item_id, AuditAction.HANDBACK_DECIDE)
        assert len(decided) == 1 and "区卫生健康局" in decided[0].summary
        # Both sides hear about it: the unit that asked and the new lead unit.
        assert len(_inbox("unit_edu", "handback")) == 1 and len(_inbox("unit_health", "handback")) == 1
    # 区教育局 no longer sees the item; 区卫生健康局 must 签收.
    assert edu.get(f"/items/{item_id}").status_code == 404
    assert "签收" in login_as(app, "unit_health").get(f"/items/{item_id}").get_data(as_text=True)


def test_deadline_restarts_by_rule_on_reassignment(app, demo):
    item_id = _assigned_item(app)
    with app.app_context():
        item = db.session.get(Item, item_id)
        item.deadline = item.original_deadline = local_today() + timedelta(days=5)
        db.session.commit()
    login_as(app, "unit_edu").post(f"/items/{item_id}/handback", {"reason": "不属于本单位"})
    with app.app_context():
        request_id, health = db.session.scalar(sa.select(HandbackRequest.id)), unit("区卫生健康局").id
    login_as(app, "staff").post(f"/items/{item_id}/handback/{request_id}",
                                {"decision": "reassign", "lead_unit_id": str(health)})
    with app.app_context():
        from tracker.services.deadlines import due_date
        item = db.session.get(Item, item_id)
        expected = due_date(db.session.get(Activity, item.activity_id).kind, "handle", local_today())
        assert item.deadline == item.original_deadline == expected > local_today() + timedelta(days=5)


def test_staff_refuses_with_a_note(app, demo):
    item_id = _assigned_item(app, stage="assigned")
    login_as(app, "unit_edu").post(f"/items/{item_id}/handback", {"reason": "职责不清"})
    with app.app_context():
        request_id = db.session.scalar(sa.select(HandbackRequest.id))
    staff = login_as(app, "staff")
    response = staff.post(f"/items/{item_id}/handback/{request_id}", {"decision": "refuse", "note": ""})
    assert response.status_code == 200 and "处理意见" in response.get_data(as_text=True)
    response = staff.post(f"/items/{item_id}/handback/{request_id}",
                          {"decision": "refuse", "note": "属教育部门牵头，请继续办理"})
    assert response.status_code == 303
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.stage is Stage.ASSIGNED and item.lead_unit_id == unit("区教育局").id
        assert db.session.get(HandbackRequest, request_id).status is HandbackStatus.REFUSED
        told = _inbox("unit_edu", "handback")
        assert len(told) == 1 and "请继续办理" in told[0].text
    # Decided once: a second decision is refused.
    again = staff.post(f"/items/{item_id}/handback/{request_id}", {"decision": "refuse", "note": "再次"})
    assert again.status_code == 200 and "已处理" in again.get_data(as_text=True)


def test_handback_after_the_window_is_refused_naming_it(app, demo):
    with app.app_context():
        set_setting("handback_workdays", 5)
        db.session.commit()
    item_id = _assigned_item(app, days_ago=30)  # long past five working days
    edu = login_as(app, "unit_edu")
    history_before = None
    with app.app_context():
        history_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    response = edu.post(f"/items/{item_id}/handback", {"reason": "不属于本单位"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "5 个工作日内" in body and "已超过退办期限" in body
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HandbackRequest)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == history_before
    assert "提交退办申请" not in edu.get(f"/items/{item_id}").get_data(as_text=True)


def test_co_unit_and_other_unit_cannot_hand_back(app, demo):
    with app.app_context():
        item = make_item(stage="rectifying", co_units=("区卫生健康局",))
        db.session.commit()
        item_id = item.id
    assert login_as(app, "unit_health").post(f"/items/{item_id}/handback", {"reason": "x"}).status_code == 403


# -- 无进展 -----------------------------------------------------------------------------

# National Day 2025: Oct 1–8 off, Sat Oct 11 worked. From Fri 26 Sep the 5th working day is
# Fri 10 Oct and the 6th the make-up Saturday.
@pytest.mark.parametrize(("today", "silent"), [
    (date(2025, 10, 9), False),  # 4 working days
    (date(2025, 10, 10), True),  # exactly 5: silent
    (date(2025, 10, 8), False),  # inside the holiday: 3 working days
])
def test_silent_light_at_the_boundary_across_holidays(app_ctx, demo, today, silent):
    set_setting("silent_workdays", 5)
    item = make_item(stage="rectifying")
    item.last_activity_on = date(2025, 9, 26)
    db.session.commit()
    assert is_silent(item.stage, item.last_activity_on, today) is silent
    ids = set(db.session.scalars(sa.select(Item.id).where(silent_clause(today))))
    assert (item.id in ids) is silent


def test_posting_progress_clears_silence_and_lists_show_it(app, demo):
    with app.app_context():
        set_setting("silent_workdays", 3)
        quiet, moving = make_item(stage="rectifying"), make_item(stage="rectifying")
        quiet.last_activity_on = local_today() - timedelta(days=40)
        moving.last_activity_on = local_today() - timedelta(days=40)
        db.session.commit()
        quiet_id, moving_id = quiet.id, moving.id
    edu = login_as(app, "unit_edu")
    assert edu.post(f"/items/{moving_id}/progress", {"kind": "progress", "text": "已完成选址"}).status_code == 303
    with app.app_context():
        assert db.session.get(Item, moving_id).last_activity_on == local_today()
    staff = login_as(app, "staff")
    listing = staff.get("/items?silent=1").get_data(as_text=True)
    assert f"/items/{quiet_id}\"" in listing and f"/items/{moving_id}\"" not in listing and "无进展" in listing
    assert "无进展" in staff.get(f"/items/{quiet_id}").get_data(as_text=True)
    my = edu.get("/my?silent=1").get_data(as_text=True)
    assert f"/items/{quiet_id}\"" in my and f"/items/{moving_id}\"" not in my


# -- declared dates ---------------------------------------------------------------------

def test_declared_date_is_prompted_refused_before_overdue_and_public(app, demo):
    with app.app_context():
        item = make_item(stage="rectifying")
        item_id = item.id
        db.session.commit()
    edu = login_as(app, "unit_edu")
    early = edu.post(f"/items/{item_id}/declared-date", {"expected_on": "2099-01-01", "reason": "x"})
    assert early.status_code == 200 and "尚未超过办理期限" in early.get_data(as_text=True)
    with app.app_context():
        item = db.session.get(Item, item_id)
        item.deadline = item.original_deadline = local_today() - timedelta(days=10)
        item.published = True
        db.session.get(Activity, item.activity_id).published = True
        db.session.commit()
        deadline = item.deadline
    page = edu.get(f"/items/{item_id}").get_data(as_text=True)
    assert "请填报预计完成日期" in page
    assert "请填报预计完成日期" in edu.get("/my").get_data(as_text=True)
    assert "承办单位未说明" in app.test_client().get("/public/overdue").get_data(as_text=True)
    past = edu.post(f"/items/{item_id}/declared-date", {"expected_on": (local_today() - timedelta(days=1)).isoformat(),
                                                        "reason": "施工延误"})
    assert past.status_code == 200 and "须晚于今天" in past.get_data(as_text=True)
    expected = local_today() + timedelta(days=45)
    ok = edu.post(f"/items/{item_id}/declared-date", {"expected_on": expected.isoformat(), "reason": "施工单位延误"})
    assert ok.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeclaredDate)) == 1
        assert len(_inbox("staff", "declared")) == 1
    public = app.test_client()
    listing = public.get("/public/overdue").get_data(as_text=True)
    assert f"期限 {cn_date(deadline)}，承办单位预计 <strong>{cn_date(expected)}</strong>" in listing
    item_page = public.get(f"/public/items/{item_id}").get_data(as_text=True)
    assert "期限变化" in item_page and "承办单位预计完成" in item_page and "施工单位延误" in item_page
    assert "交办，办理期限" in item_page


def _my_row(page: str, item_id: int) -> str:
    """The 我的事项 table row of one item."""
    start = page.index(f'href="/items/{item_id}"')
    return page[page.rindex("<tr>", 0, start):page.index("</tr>", start)]


def test_my_items_show_the_newest_declaration_about_the_current_deadline(app, demo):
    """我的事项 reads the declared date with its page's rows (``expected_on_column``): the
    newest declaration shows, not an older one; once the deadline changes, what was said
    about the old one is stale and the prompt is back; another item's declaration never
    shows on this one."""
    with app.app_context():
        item, other = make_item(stage="rectifying"), make_item(stage="rectifying")
        for overdue in (item, other):
            overdue.deadline = overdue.original_deadline = local_today() - timedelta(days=10)
        db.session.commit()
        item_id, other_id = item.id, other.id
    edu = login_as(app, "unit_edu")
    assert "请填报预计完成日期" in _my_row(edu.get("/my").get_data(as_text=True), item_id)
    first, second = local_today() + timedelta(days=30), local_today() + timedelta(days=60)
    for expected in (first, second):
        assert edu.post(f"/items/{item_id}/declared-date",
                        {"expected_on": expected.isoformat(), "reason": "施工单位延误"}).status_code == 303
    page = edu.get("/my").get_data(as_text=True)
    row = _my_row(page, item_id)
    assert f"预计 {cn_date(second)} 完成" in row and cn_date(first) not in row and "请填报" not in row
    assert "请填报预计完成日期" in _my_row(page, other_id) and "完成</small>" not in _my_row(page, other_id)
    with app.app_context():
        db.session.get(Item, item_id).deadline = local_today() - timedelta(days=3)  # a new deadline, slipped too
        db.session.commit()
    row = _my_row(edu.get("/my").get_data(as_text=True), item_id)
    assert "请填报预计完成日期" in row and cn_date(second) not in row


def test_public_deadline_history_shows_extensions_and_corrections_not_notes(app, demo):
    with app.app_context():
        item = make_item(stage="rectifying")
        item.published = True
        db.session.get(Activity, item.activity_id).published = True
        db.session.commit()
        item_id = item.id
    edu, staff = login_as(app, "unit_edu"), login_as(app, "staff")
    new = local_today() + timedelta(days=200)
    edu.post(f"/items/{item_id}/extension", {"requested_deadline": new.isoformat(), "reason": "内部理由：资金未到位"})
    with app.app_context():
        from tracker.models import ExtensionRequest
        request_id = db.session.scalar(sa.select(ExtensionRequest.id))
    assert staff.post(f"/items/{item_id}/extension/{request_id}",
                      {"decision": "approve", "note": "内部审批意见"}).status_code == 303
    page = app.test_client().get(f"/public/items/{item_id}").get_data(as_text=True)
    assert "批准延期" in page and f"{cn_date(new)}" in page
    assert "内部审批意见" not in page and "资金未到位" not in page
    with app.app_context():
        db.session.get(Item, item_id).published = False
        db.session.commit()
    assert app.test_client().get(f"/public/items/{item_id}").status_code == 404


# -- long-open report -------------------------------------------------------------------

def test_long_open_report_page_and_sheet(app, demo):
    with app.app_context():
        old_activity = make_activity(title="两年前的专项工作报告审议")
        old_activity.meeting_date = add_months(local_today(), -13)
        old = make_item(activity=old_activity, stage="rectifying")
        old.commitments = "2026年底前新建两所学校"
        recent = make_item(stage="rectifying")
        closed = make_item(activity=old_activity, stage="closed")
        db.session.commit()
        edu = user("unit_edu")
        from tracker.models import EntryKind
        from tracker.services.items import post_progress
        post_progress(old, EntryKind.PROGRESS, "一所学校已封顶", [], edu)
        db.session.commit()
        old_id, recent_id, closed_id = old.id, recent.id, closed.id
    staff = login_as(app, "staff")
    page = staff.get("/ledger/long-open").get_data(as_text=True)
    assert f"/items/{old_id}\"" in page and f"/items/{recent_id}\"" not in page and f"/items/{closed_id}\"" not in page
    assert "区教育局" in page and "2026年底前新建两所学校" in page and "一所学校已封顶" in page and "13 个月" in page
    response = staff.get("/ledger/long-open.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    import io

    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    flat = " ".join(str(v) for row in values for v in row if v is not None)
    assert "一所学校已封顶" in flat and "2026年底前新建两所学校" in flat
    assert sum(1 for row in values if row[0] == "区教育局") == 1
    assert login_as(app, "unit_edu").get("/ledger/long-open").status_code == 403


def test_last_activity_is_set_at_assignment(app_ctx, demo):
    item = make_item(stage="assigned")
    assert item.last_activity_on == local_today()
    assert isinstance(item.assigned_at, datetime)


def test_demo_data_shows_handback_silent_item_and_declared_date(app, demo):
    from tracker.demo import load_demo_items
    from tracker.lights import silent_for
    with app.app_context():
        load_demo_items()
        db.session.commit()
        assert pending_handbacks_count() == 1
        items = db.session.scalars(sa.select(Item).where(Item.stage.in_([Stage.ASSIGNED, Stage.RECTIFYING]))).all()
        assert any(silent_for(item) for item in items)
        declared = db.session.scalar(sa.select(DeclaredDate))
        assert declared is not None and declared.expected_on > local_today()
    listing = app.test_client().get("/public/overdue").get_data(as_text=True)
    assert f"承办单位预计 <strong>{cn_date(declared.expected_on)}</strong>" in listing


def test_migration_backfills_the_last_activity_date(app):
    """0014 computes each assigned item's last sign of life from its entries and 交办 time."""
    from flask_migrate import downgrade, upgrade

    from tracker.models import ProgressEntry
    from tracker.models.base import to_local
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        db.session.remove()
        downgrade(directory="migrations", revision="0009")
        upgrade(directory="migrations")
        items = db.session.scalars(sa.select(Item).where(Item.assigned_at.is_not(None))).all()
        assert items
        for item in items:
            moments = [item.assigned_at, *db.session.scalars(
                sa.select(ProgressEntry.created_at).where(ProgressEntry.item_id == item.id))]
            assert item.last_activity_on == to_local(max(moments)).date()
        assert all(i.last_activity_on is None for i in db.session.scalars(
            sa.select(Item).where(Item.assigned_at.is_(None))))
