"""The whole 问 → 答 → 改 → 评 loop through the HTTP client, as the users do it."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
    AuditEntry,
    Evaluation,
    Item,
    ProgressEntry,
    SittingParticipant,
    Stage,
    local_today,
)

from .conftest import login_as
from .helpers import pdf_file, unit


def _item(app, item_id) -> Item:
    with app.app_context():
        item = db.session.get(Item, item_id)
        db.session.expunge(item)
        return item


def _version(app, item_id) -> int:
    return _item(app, item_id).version


def test_full_loop_with_a_failed_round_then_closed(app, demo):
    staff = login_as(app, "staff")
    # 问: staff create the activity and record a question with the answer given at the meeting.
    response = staff.post("/activities/new", {
        "kind": "inquiry", "title": "关于学前教育普及普惠情况的专题询问", "meeting_session": "26",
        "meeting_date": (local_today() - timedelta(days=3)).isoformat(), "report_title": "",
        "target_organ": "区人民政府", "lead_committee_id": "0", "evaluation_rule_key": "zhenhai"})
    assert response.status_code == 303
    activity_path = response.headers["Location"]
    activity_id = int(activity_path.rsplit("/", 1)[1])
    with app.app_context():
        edu = unit("区教育局").id
        health = unit("区卫生健康局").id
    response = staff.post(f"/activities/{activity_id}/items", {
        "origin": "question", "question": "普惠性幼儿园覆盖率何时达到90%？", "asker": "刘委员",
        "asked_unit_id": edu, "respondent_name": "王建国", "respondent_post": "区教育局局长",
        "answer": "计划明年新增学位1200个。", "commitments": "2027年6月前覆盖率达到90%"}, htmx=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "已录入询问问题 1" in body and 'hx-swap-oob="beforeend:#item-rows"' in body
    with app.app_context():
        item_id = db.session.scalar(sa.select(Item.id).where(Item.activity_id == activity_id))
    assert _item(app, item_id).stage is Stage.ANSWERED

    # 交办 to the education bureau, with the health commission as co-unit.
    deadline = local_today() + timedelta(days=90)
    response = staff.post(f"/items/{item_id}/assign", {
        "lead_unit_id": edu, "co_unit_ids": [health], "deadline": deadline.isoformat(),
        "version": _version(app, item_id)})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert _item(app, item_id).stage is Stage.ASSIGNED

    # 改: the unit acknowledges, posts progress with evidence, and reports.
    unit_edu = login_as(app, "unit_edu")
    assert "普惠性幼儿园" in unit_edu.get("/my").get_data(as_text=True)
    assert unit_edu.post(f"/items/{item_id}/acknowledge").status_code == 303
    response = unit_edu.post(f"/items/{item_id}/progress", {
        "kind": "progress", "text": "已完成两所幼儿园选址。", "files": [pdf_file()]},
        content_type="multipart/form-data")
    assert response.status_code == 303
    # The co-unit may post progress but not the report.
    unit_health = login_as(app, "unit_health")
    assert unit_health.get(f"/items/{item_id}").status_code == 200
    assert unit_health.post(f"/items/{item_id}/report", {"text": "报告"}).status_code == 403
    response = unit_edu.post(f"/items/{item_id}/report", {"text": "第一轮整改情况报告：新增学位800个。"})
    assert response.status_code == 303

    # Staff return the report once, the unit resubmits, staff accept.
    assert staff.post(f"/items/{item_id}/return", {"reason": "缺少学位数量的证明材料"}).status_code == 303
    assert _item(app, item_id).stage is Stage.RECTIFYING
    assert "缺少学位数量的证明材料" in unit_edu.get(f"/items/{item_id}").get_data(as_text=True)
    assert unit_edu.post(f"/items/{item_id}/report", {"text": "补充了证明材料。"}).status_code == 303
    assert staff.post(f"/items/{item_id}/accept").status_code == 303

    # 评: online evaluation by the five reviewers; 1 satisfied → 不满意 under 镇海区 rule.
    assert staff.post(f"/items/{item_id}/evaluation", {"mode": "online", "members_total": "",
                                                       "rule_key": "zhenhai"}).status_code == 303
    grades = ["satisfied", "unsatisfied", "unsatisfied", "basic", "blank"]
    for number, grade in enumerate(grades, start=1):
        reviewer = login_as(app, f"reviewer{number}")
        assert reviewer.post(f"/items/{item_id}/evaluation/vote", {"grade": grade}).status_code == 303
    again = login_as(app, "reviewer1").post(f"/items/{item_id}/evaluation/vote", {"grade": "satisfied"})
    assert again.status_code == 200 and "只能投一次" in again.get_data(as_text=True)
    response = staff.post(f"/items/{item_id}/evaluation/close", {"new_deadline": ""})
    assert response.status_code == 303
    item = _item(app, item_id)
    assert item.stage is Stage.RECTIFYING and item.round == 2
    assert item.deadline > local_today()

    # Round 2: report again and pass with a meeting vote entered by staff.
    assert unit_edu.post(f"/items/{item_id}/report", {"text": "第二轮：覆盖率已达91%。"}).status_code == 303
    assert staff.post(f"/items/{item_id}/accept").status_code == 303
    assert staff.post(f"/items/{item_id}/evaluation", {"mode": "meeting", "members_total": "33",
                                                       "rule_key": "zhenhai"}).status_code == 303
    assert staff.post(f"/items/{item_id}/evaluation/tally", {
        "members_total": "33", "members_present": "29", "satisfied": "20", "basic": "6", "unsatisfied": "2",
        "invalid": "1"}).status_code == 303
    assert staff.post(f"/items/{item_id}/evaluation/close", {"new_deadline": ""}).status_code == 303
    item = _item(app, item_id)
    assert item.stage is Stage.CLOSED and item.round == 2 and item.closed_on_time is True

    with app.app_context():
        rounds = db.session.execute(sa.select(Evaluation.round, Evaluation.result, Evaluation.satisfied,
                                              Evaluation.unsatisfied, Evaluation.invalid)
                                    .where(Evaluation.item_id == item_id).order_by(Evaluation.round)).all()
        assert [tuple(r) for r in rounds] == [(1, "unsatisfied", 1, 2, 1), (2, "satisfied", 20, 2, 1)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SittingParticipant)) == 5
        reports = db.session.scalar(sa.select(sa.func.count()).select_from(ProgressEntry)
                                    .where(ProgressEntry.item_id == item_id, ProgressEntry.kind == "report"))
        assert reports == 3
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.item_id == item_id)
                                     .order_by(AuditEntry.id)).all()
    assert actions[:4] == ["item.create", "item.assign", "item.acknowledge", "item.progress"]
    assert actions.count("evaluation.close") == 2 and "item.return" in actions

    # The timeline on the page shows every round, and votes never show a grade by person.
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    assert "第 1 轮测评结果：不满意" in page and "第 2 轮测评结果：满意" in page
    # Participation is recorded at counting, as a number on the item and by name on the sitting.
    assert "5 名测评人参加网上测评（无记名）" in page
    assert "整改证明.pdf" in page


def test_attachment_download_keeps_chinese_name_and_is_404_for_other_unit(app, demo):
    with app.app_context():
        from .helpers import make_item
        item_id = make_item(stage="rectifying").id
        db.session.commit()
    unit_edu = login_as(app, "unit_edu")
    unit_edu.post(f"/items/{item_id}/progress", {"kind": "progress", "text": "证据", "files": [pdf_file()]},
                  content_type="multipart/form-data")
    page = unit_edu.get(f"/items/{item_id}").get_data(as_text=True)
    attachment_id = int(re.search(r"/attachments/(\d+)", page).group(1))
    response = unit_edu.get(f"/attachments/{attachment_id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "filename*=UTF-8''%E6%95%B4%E6%94%B9" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    other = login_as(app, "unit_health")
    assert other.get(f"/attachments/{attachment_id}").status_code == 404
    assert other.get(f"/items/{item_id}").status_code == 404


def test_invalid_transition_is_a_clear_chinese_message(app, demo):
    with app.app_context():
        from .helpers import make_item
        item_id = make_item(stage="asked").id
        db.session.commit()
    staff = login_as(app, "staff")
    response = staff.post(f"/items/{item_id}/accept")
    assert response.status_code == 409
    assert "不能受理报告" in response.get_data(as_text=True)
    unit_edu = login_as(app, "unit_edu")
    assert unit_edu.post(f"/items/{item_id}/acknowledge").status_code == 404  # not assigned to them yet


def test_deadline_in_the_past_is_refused_and_text_is_kept(app, demo):
    with app.app_context():
        from .helpers import make_item
        item = make_item(stage="answered")
        item_id, version = item.id, item.version
        db.session.commit()
        edu = unit("区教育局").id
    staff = login_as(app, "staff")
    response = staff.post(f"/items/{item_id}/assign", {
        "lead_unit_id": edu, "deadline": (local_today() - timedelta(days=1)).isoformat(), "version": version})
    assert response.status_code == 200
    assert "办理期限必须晚于今天" in response.get_data(as_text=True)
    response = staff.post(f"/items/{item_id}/assign", {"lead_unit_id": edu, "deadline": "明天", "version": version})
    assert "日期格式不正确" in response.get_data(as_text=True)


def test_second_concurrent_save_is_refused_as_modified_by_someone_else(app, demo):
    with app.app_context():
        from .helpers import make_item
        item = make_item(stage="asked")
        item_id, version = item.id, item.version
        db.session.commit()
    first, second = login_as(app, "staff"), login_as(app, "staff")  # two tabs, two sessions
    data = {"respondent_name": "甲", "respondent_post": "", "answer": "第一人的答复", "commitments": "",
            "version": version}
    assert first.post(f"/items/{item_id}/answer", data).status_code == 303
    response = second.post(f"/items/{item_id}/answer", {**data, "answer": "第二人的答复"})
    body = response.get_data(as_text=True)
    assert "已被他人修改" in body and "第二人的答复" in body  # refused, and the text is still in the form
    assert _item(app, item_id).answer == "第一人的答复"


def test_extension_request_and_approval_move_the_deadline(app, demo):
    with app.app_context():
        from .helpers import make_item
        item = make_item(stage="rectifying")
        item_id, old = item.id, item.deadline
        db.session.commit()
    unit_edu = login_as(app, "unit_edu")
    new = old + timedelta(days=30)
    assert unit_edu.post(f"/items/{item_id}/extension", {"requested_deadline": new.isoformat(),
                                                         "reason": "需等待财政资金下达"}).status_code == 303
    again = unit_edu.post(f"/items/{item_id}/extension", {"requested_deadline": new.isoformat(),
                                                          "reason": "再次申请延期"})
    assert "已有待审批的延期申请" in again.get_data(as_text=True)
    staff = login_as(app, "staff")
    with app.app_context():
        from tracker.models import ExtensionRequest
        request_id = db.session.scalar(sa.select(ExtensionRequest.id))
    assert staff.post(f"/items/{item_id}/extension/{request_id}", {"decision": "approve"}).status_code == 303
    item = _item(app, item_id)
    assert item.deadline == new and item.original_deadline == old
    assert "批准延期" in staff.get(f"/items/{item_id}").get_data(as_text=True)


def test_staff_edit_question_before_assignment_only(app, demo):
    with app.app_context():
        from .helpers import make_item
        item = make_item(stage="asked")
        item_id, version = item.id, item.version
        assigned_id = make_item(stage="assigned").id
        db.session.commit()
    staff = login_as(app, "staff")
    assert "城区学校大班额" in staff.get(f"/items/{item_id}/edit").get_data(as_text=True)
    response = staff.post(f"/items/{item_id}/edit", {"origin": "question", "question": "修改后的问题",
                                                     "asker": "", "asked_unit_id": "0", "version": version})
    assert response.status_code == 303 and _item(app, item_id).question == "修改后的问题"
    assert staff.get(f"/items/{assigned_id}/edit").status_code == 403
    assert login_as(app, "unit_edu").get(f"/items/{assigned_id}/edit").status_code == 403
