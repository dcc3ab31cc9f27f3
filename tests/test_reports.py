"""One report answers a document: a unit reports on all its points of an activity at
once, staff return it once (the unit's form keeps the text and files) and accept it once
with the committee's 审查意见, which the public page then shows."""
from __future__ import annotations

import io

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import ActivityKind, Attachment, Item, Notification, Report, ReviewStatus, Stage, User

from .conftest import login_as
from .helpers import PDF_BYTES, make_activity, make_item


def _three_items(app) -> tuple[int, list[int]]:
    with app.test_request_context():
        activity = make_activity(title="审议区人民政府关于学前教育发展情况的报告", kind=ActivityKind.REPORT_REVIEW)
        ids = [make_item(activity=activity, stage="rectifying", co_units=("区卫生健康局",)).id for _ in range(3)]
        db.session.commit()
        return activity.id, ids


def _form(ids, **over):
    data = {"text": "区政府高度重视审议意见，逐条研究，现将办理情况报告如下。", "pick": [str(i) for i in ids]}
    data |= {f"status_{ids[0]}": "done", f"status_{ids[1]}": "planned", f"promised_{ids[1]}": "2027-06-30",
             f"note_{ids[1]}": "新建幼儿园列入明年计划", f"status_{ids[2]}": "under_way",
             f"promised_{ids[2]}": "2027-03-31"}
    return data | over


def _stages(app, ids):
    with app.app_context():
        return [db.session.get(Item, i).stage for i in ids]


def test_one_report_for_three_points_returned_then_accepted(app, demo):
    activity_id, ids = _three_items(app)
    unit = login_as(app, "unit_edu")
    # A promise without a date is refused, nothing saved, the typed text kept.
    refused = unit.post(f"/activities/{activity_id}/report", _form(ids, **{f"promised_{ids[1]}": ""}))
    assert refused.status_code == 200 and "须写明预计完成日期" in refused.get_data(as_text=True)
    assert "新建幼儿园列入明年计划" in refused.get_data(as_text=True)
    assert _stages(app, ids) == [Stage.RECTIFYING] * 3
    data = _form(ids) | {"files": [(io.BytesIO(PDF_BYTES), "幼儿园建设计划.pdf")]}
    response = unit.post(f"/activities/{activity_id}/report", data, content_type="multipart/form-data")
    assert response.status_code == 303
    report_url = response.headers["Location"]
    assert _stages(app, ids) == [Stage.REPORTED] * 3
    with app.app_context():
        report = db.session.scalar(sa.select(Report))
        staff_ids = [u.id for u in db.session.scalars(sa.select(User).where(User.username == "staff"))]
        told = db.session.scalars(sa.select(Notification).where(Notification.user_id.in_(staff_ids),
                                                                Notification.kind == "report")).all()
        assert len(told) == 1  # three items, one report, one notice
    staff = login_as(app, "staff")
    # The document is reviewed as a whole: the single-item accept refuses.
    single = staff.post(f"/items/{ids[0]}/accept", {})
    assert "请在报告页面统一受理或退回" in single.get_data(as_text=True)
    returned = staff.post(f"{report_url}/return", {"reason": "未说明经费来源，请补充。"})
    assert returned.status_code == 303
    assert _stages(app, ids) == [Stage.RECTIFYING] * 3
    page = unit.get(f"/items/{ids[0]}").get_data(as_text=True)
    assert "报告已被退回" in page and "未说明经费来源，请补充。" in page
    # Only whoever may report again is told to (and only for them is the entry read).
    assert "报告已被退回，请修改后重新报送" not in staff.get(f"/items/{ids[0]}").get_data(as_text=True)
    with app.app_context():
        notice = db.session.scalar(sa.select(Notification).where(Notification.kind == "return"))
        assert "未说明经费来源" in notice.text  # the reason is in the notification itself
    form = unit.get(f"/activities/{activity_id}/report").get_data(as_text=True)
    assert "区政府高度重视审议意见" in form and "新建幼儿园列入明年计划" in form and "幼儿园建设计划.pdf" in form
    with app.app_context():
        kept = db.session.scalar(sa.select(Attachment.id).where(Attachment.report_id == report.id))
    again = unit.post(f"/activities/{activity_id}/report", _form(ids, keep=str(kept),
                      text="补充：经费由区财政预算安排。"))
    assert again.status_code == 303
    second_url = again.headers["Location"]
    accepted = staff.post(f"{second_url}/accept", {"opinion": "总体同意。请于明年6月底前报告新建幼儿园进展。"})
    assert accepted.status_code == 303
    assert _stages(app, ids) == [Stage.ACCEPTED] * 3
    with app.app_context():
        second = db.session.get(Report, int(second_url.rsplit("/", 1)[1]))
        assert second.status is ReviewStatus.ACCEPTED and second.previous_id == report.id
        names = [a.filename for a in db.session.scalars(sa.select(Attachment).where(Attachment.report_id == second.id))]
        assert names == ["幼儿园建设计划.pdf"]
    # The 审查意见 and the report show on the item's public page once published.
    staff.post(f"/public/manage/activities/{activity_id}/items", {"published": "1"})
    staff.post(f"/activities/{activity_id}/publish", {"published": "1"})
    public = app.test_client().get(f"/public/items/{ids[1]}").get_data(as_text=True)
    assert "经费由区财政预算安排" in public and "总体同意" in public and "列入计划" in public


def test_other_units_and_co_units_cannot_report_or_read(app, demo):
    activity_id, ids = _three_items(app)
    assert login_as(app, "unit_health").get(f"/activities/{activity_id}/report").status_code == 404  # co-unit
    unit = login_as(app, "unit_edu")
    url = unit.post(f"/activities/{activity_id}/report", _form(ids)).headers["Location"]
    assert login_as(app, "unit_health").get(url).status_code == 200  # a co-unit may read it
    with app.app_context():
        other = db.session.scalar(sa.select(User).where(User.username == "unit_edu"))
        other_unit_user = db.session.scalar(sa.select(User).where(User.role == other.role,
                                                                  User.unit_id.not_in([other.unit_id, 0]),
                                                                  User.username != "unit_health"))
    if other_unit_user is not None:
        assert login_as(app, other_unit_user.username).get(url).status_code == 404
    # A unit cannot accept its own report.
    assert unit.post(f"{url}/accept", {"opinion": ""}).status_code == 403
