"""审查意见 asks become follow-up items of the same activity; one limits table everywhere."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import AuditEntry, Item, Origin, Stage
from tracker.paste.asks import review_asks
from tracker.services import reports as report_ops

from .conftest import login_as
from .helpers import make_activity, make_item, unit, user

OPINION = "总体同意。建议区政府进一步加大投入，一是加快城区学校建设进度；二是完善教师交流轮岗考核机制。"


def _accepted_report(app, opinion=OPINION) -> tuple[int, int, int]:
    with app.test_request_context():
        activity = make_activity()
        item = make_item(activity, "rectifying")
        report = report_ops.submit_report(activity, "现将研究处理情况报告如下。", [report_ops.ReportLine(item)], [],
                                          user("unit_edu"))
        report_ops.accept_report(report, opinion, user("staff"))
        db.session.commit()
        return report.id, item.id, activity.id


def test_review_asks_are_the_numbered_asks_or_the_asking_sentences():
    assert review_asks(OPINION) == ["加快城区学校建设进度；", "完善教师交流轮岗考核机制。"]
    assert review_asks("总体同意。") == []
    asks = review_asks("原则同意该报告。建议进一步加强督查，确保年底前完成。")
    assert asks == ["建议进一步加强督查，确保年底前完成。"]
    assert review_asks(None) == []


def test_an_ask_becomes_a_follow_up_item_under_the_point_it_follows(app, demo):
    report_id, item_id, activity_id = _accepted_report(app)
    staff = login_as(app, "staff")
    assert f"/reports/{report_id}/follow-up" in staff.get(f"/reports/{report_id}").get_data(as_text=True)
    page = staff.get(f"/reports/{report_id}/follow-up?ask=1").get_data(as_text=True)
    assert "完善教师交流轮岗考核机制。</textarea>" in page and 'data-fill-from-selection="follow-up-question"' in page
    response = staff.post(f"/reports/{report_id}/follow-up",
                          {"question": "完善教师交流轮岗考核机制。", "parent_id": str(item_id)})
    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalar(sa.select(Item).where(Item.activity_id == activity_id, Item.parent_id == item_id))
        assert new.question == "完善教师交流轮岗考核机制。" and new.stage is Stage.ASKED
        assert new.origin is Origin.QUESTION and new.asked_unit_id == unit("区教育局").id
        summaries = db.session.scalars(sa.select(AuditEntry.summary).where(
            AuditEntry.object_type == "report", AuditEntry.object_id == report_id)).all()
        assert any(s.startswith("根据《") and "审查意见新增后续事项" in s for s in summaries)


def test_follow_up_needs_an_accepted_report_and_staff(app, demo):
    with app.test_request_context():
        activity = make_activity()
        item = make_item(activity, "rectifying")
        pending = report_ops.submit_report(activity, "报告。", [report_ops.ReportLine(item)], [], user("unit_edu"))
        db.session.commit()
        pending_id = pending.id
    staff = login_as(app, "staff")
    refused = staff.post(f"/reports/{pending_id}/follow-up", {"question": "加快建设。", "parent_id": "0"})
    assert refused.status_code == 200 and "报告受理并写明审查意见后" in refused.get_data(as_text=True)
    too_long = staff.post(f"/reports/{pending_id}/follow-up", {"question": "长" * 5001, "parent_id": "0"})
    assert "共 5,001 字，超过上限 5,000 字" in too_long.get_data(as_text=True)
    assert login_as(app, "unit_edu").get(f"/reports/{pending_id}/follow-up").status_code == 403


def test_every_stored_text_field_shows_its_limit_and_refuses_with_it(app, demo):
    """The counter (static/js/limits.js) reads data-limit; nothing renders maxlength,
    which would cut a paste silently in the browser."""
    with app.test_request_context():
        item_id = make_item(make_activity(), "asked").id
        db.session.commit()
    staff = login_as(app, "staff")
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    import re
    assert 'data-limit="10000"' in page  # 答复内容
    assert not [tag for tag in re.findall(r"<(?:input|textarea)[^>]*>", page)
                if "maxlength" in tag and 'type="search"' not in tag]
    assert "js/limits.js" in page
    with app.app_context():
        version = db.session.get(Item, item_id).version
    response = staff.post(f"/items/{item_id}/answer", {"answer": "答" * 10_001, "version": str(version)})
    assert "「答复内容」共 10,001 字，超过上限 10,000 字；系统不会自动截断" in response.get_data(as_text=True)
    new = staff.get("/activities/new").get_data(as_text=True)
    assert 'data-limit="200"' in new and 'data-limit="20000"' in new  # title, preamble


def test_officials_over_the_limit_are_refused_not_cut(app, demo):
    staff = login_as(app, "staff")
    response = staff.post("/activities/new", {
        "kind": "inquiry", "title": "关于养老服务的专题询问", "meeting_date": "2026-03-10",
        "target_organ": "区人民政府", "lead_committee_id": "0", "evaluation_rule_key": "zhenhai",
        "officials": "张某某 " + "局" * 101})
    assert "「应询人员第 1 行的职务」共 101 字，超过上限 100 字" in response.get_data(as_text=True)
