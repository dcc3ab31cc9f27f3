"""Item actions check who may act before they look at the form: a user who may not act
gets 403 (or 409 for the wrong stage) even for an empty or invalid form, and learns
nothing about what the form would have required."""
from __future__ import annotations

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
