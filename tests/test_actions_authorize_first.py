"""Item actions check who may act before they look at the form: a user who may not act
gets 403 (or 409 for the wrong stage) even for an empty or invalid form, and learns
nothing about what the form would have required."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db

from .conftest import login_as
from .helpers import make_item


def _item(app, stage, **kwargs) -> int:
    with app.test_request_context():
        item = make_item(stage=stage, **kwargs)
        db.session.commit()
        return item.id


def test_co_unit_posting_an_empty_report_is_refused_not_validated(app, demo):
    item_id = _item(app, "rectifying", co_units=("区卫生健康局",))
    response = login_as(app, "unit_health").post(f"/items/{item_id}/report", {"text": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "无权" in body and "请填写报告内容" not in body


def test_wrong_stage_is_409_before_validation(app, demo):
    item_id = _item(app, "asked")
    response = login_as(app, "staff").post(f"/items/{item_id}/return", {"reason": ""})
    assert response.status_code == 409
    assert "不能退回报告" in response.get_data(as_text=True)


def test_reviewer_cannot_supervise_and_unit_cannot_enter_tallies(app, demo):
    item_id = _item(app, "rectifying")
    assert login_as(app, "unit_edu").post(f"/items/{item_id}/supervised", {"supervised": "1"}).status_code == 403
    evaluating = _item(app, "evaluating")
    # Reviewers may see an item under evaluation, but typing tallies is staff work.
    assert login_as(app, "reviewer1").post(f"/items/{evaluating}/evaluation/tally", {}).status_code == 403


def test_allowed_user_with_an_invalid_form_gets_the_form_back(app, demo):
    item_id = _item(app, "rectifying")
    response = login_as(app, "unit_edu").post(f"/items/{item_id}/report", {"text": ""})
    assert response.status_code == 200
    assert "未能提交" in response.get_data(as_text=True)


def test_correcting_an_assignment_keeps_what_was_there(app, demo):
    from tracker.models import AuditEntry, Item, Stage

    from .helpers import unit
    item_id = _item(app, "assigned")
    with app.app_context():
        item = db.session.get(Item, item_id)
        version, health = item.version, unit("区卫生健康局").id
        old_deadline = item.deadline
    staff = login_as(app, "staff")
    data = {"lead_unit_id": health, "deadline": "2027-05-31", "question": "城区学校大班额问题何时解决？（更正）",
            "reason": "", "version": version}
    refused = staff.post(f"/items/{item_id}/correct", data)
    assert refused.status_code == 200 and "更正交办须写明理由" in refused.get_data(as_text=True)
    ok = staff.post(f"/items/{item_id}/correct", data | {"reason": "牵头单位录入错误"})
    assert ok.status_code == 303
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert (item.lead_unit_id, item.stage, str(item.deadline)) == (health, Stage.ASSIGNED, "2027-05-31")
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.item_id == item_id,
                                                              AuditEntry.action == "item.correct"))
        assert "牵头单位录入错误" in entry.summary and entry.details["before"]["deadline"] == old_deadline.isoformat()
    # The new lead unit sees it (to 签收); the old one no longer does.
    assert login_as(app, "unit_health").get(f"/items/{item_id}").status_code == 200
    assert login_as(app, "unit_edu").get(f"/items/{item_id}").status_code == 404
