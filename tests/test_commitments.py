"""Commitments (承诺) and answer classes, through the doors users use: the answer form,
the report form, the item page's 承诺 panel, the 审查意见 on the report page, 我的事项,
the dashboard and the daily job."""
from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
    ActivityKind,
    AnswerClass,
    Attachment,
    AuditAction,
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    Item,
    ProgressEntry,
    Stage,
    local_today,
)

from .commitment_support import add_commitment, commitments_of, history_count, meeting_of, record_answer, stored_item
from .conftest import login_as
from .helpers import PDF_BYTES, make_activity, make_item, user

# -- answer class at 答 -----------------------------------------------------------------

def test_class_b_or_c_without_a_dated_commitment_is_refused_and_nothing_saved(app, demo):
    item_id = stored_item(app, stage="asked")
    staff = login_as(app, "staff")
    before = history_count(app, AuditAction.ITEM_ANSWER)
    for cls in ("B", "C"):
        for promise in ("", "尽快研究解决。"):  # no promise at all, or one without a date
            response = record_answer(staff, item_id, 1, answer_class=cls, commitments=promise)
            page = response.get_data(as_text=True)
            assert response.status_code == 200
            assert "答复分类" in page and "须至少有一项写明完成日期的承诺" in page
    assert history_count(app, AuditAction.ITEM_ANSWER) == before
    assert commitments_of(app, item_id) == []
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.stage is Stage.ASKED and item.answer is None and item.answer_class is None


def test_class_d_needs_its_reason(app, demo):
    item_id = stored_item(app, stage="asked")
    staff = login_as(app, "staff")
    refused = record_answer(staff, item_id, 1, answer_class="D")
    assert refused.status_code == 200 and "D 因条件限制暂不能解决”须说明理由" in refused.get_data(as_text=True)
    ok = record_answer(staff, item_id, 1, answer_class="D", answer_class_reason="涉及市级规划调整，区级暂无权限。")
    assert ok.status_code == 303
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.answer_class is AnswerClass.D and item.answer_class_reason == "涉及市级规划调整，区级暂无权限。"
    assert "D 因条件限制暂不能解决" in staff.get(f"/items/{item_id}").get_data(as_text=True)


def test_class_c_with_a_dated_promise_makes_a_proposed_commitment_shown_as_unconfirmed(app, demo):
    item_id = stored_item(app, stage="asked")
    year = meeting_of(app, item_id).year + 1
    staff = login_as(app, "staff")
    response = record_answer(staff, item_id, 1, answer_class="C",
                       commitments=f"{year}年6月底前完成改扩建。新建学校列入明年计划。")
    assert response.status_code == 303
    rows = commitments_of(app, item_id)
    assert len(rows) == 1
    commitment = rows[0]
    assert commitment.proposed_due == date(year, 6, 30) and commitment.due_on is None
    assert commitment.source is CommitmentSource.ANSWER and commitment.status is CommitmentStatus.OPEN
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    assert "待确认" in page and "C 列入计划逐步解决" in page
    with app.app_context():
        assert db.session.get(Item, item_id).answer_class is AnswerClass.C


def test_a_date_typed_at_the_answer_is_confirmed_and_one_before_the_meeting_is_refused(app, demo):
    item_id = stored_item(app, stage="asked")
    meeting = meeting_of(app, item_id)
    staff = login_as(app, "staff")
    early = record_answer(staff, item_id, 1, answer_class="B", commitments="年底前完成。",
                    commitment_due=(meeting - timedelta(days=1)).isoformat())
    assert early.status_code == 200 and "承诺完成日期：不能早于会议日期" in early.get_data(as_text=True)
    assert commitments_of(app, item_id) == []
    due = meeting + timedelta(days=90)
    assert record_answer(staff, item_id, 1, answer_class="B", commitments="年底前完成。",
                   commitment_due=due.isoformat()).status_code == 303
    [commitment] = commitments_of(app, item_id)
    assert commitment.due_on == due and commitment.confirmed_by_id == demo["staff"]


# -- the panel: staff add, confirm and grade; the unit posts evidence ------------------------

def test_a_commitment_date_before_the_meeting_is_refused_nothing_saved(app, demo):
    item_id = stored_item(app)
    meeting = meeting_of(app, item_id)
    staff = login_as(app, "staff")
    before = history_count(app, AuditAction.COMMITMENT_CREATE)
    response = add_commitment(staff, item_id, due=meeting - timedelta(days=1))
    assert response.status_code == 200
    assert "承诺完成日期：不能早于会议日期" in response.get_data(as_text=True)
    assert commitments_of(app, item_id) == [] and history_count(app, AuditAction.COMMITMENT_CREATE) == before
    assert add_commitment(staff, item_id, due=meeting).status_code == 303  # the meeting day itself is allowed
    # Confirming a date before the meeting is refused too, and the old date stays.
    [commitment] = commitments_of(app, item_id)
    refused = staff.post(f"/items/{item_id}/commitments/{commitment.id}/confirm",
                         {"due_on": (meeting - timedelta(days=30)).isoformat()})
    assert refused.status_code == 200 and "确认完成日期：不能早于会议日期" in refused.get_data(as_text=True)
    assert commitments_of(app, item_id)[0].due_on == meeting


def test_each_status_change_through_the_panel(app, demo):
    item_id = stored_item(app)
    meeting = meeting_of(app, item_id)
    staff = login_as(app, "staff")
    assert add_commitment(staff, item_id, text="明年6月底前完成改造。").status_code == 303
    [commitment] = commitments_of(app, item_id)
    url = f"/items/{item_id}/commitments/{commitment.id}"
    assert commitment.due_on is None
    # 待确认 → confirmed.
    due = local_today() + timedelta(days=60)
    assert staff.post(f"{url}/confirm", {"due_on": due.isoformat()}).status_code == 303
    confirmed = commitments_of(app, item_id)[0]
    assert confirmed.due_on == due and confirmed.confirmed_by_id == demo["staff"] and confirmed.confirmed_at
    # 部分兑现 and 不再适用 need a reason.
    for status in ("partly", "dropped"):
        refused = staff.post(f"{url}/status", {"status": status, "reason": ""})
        assert refused.status_code == 200 and "理由：标记为" in refused.get_data(as_text=True)
        assert commitments_of(app, item_id)[0].status is CommitmentStatus.OPEN
    steps = [("partly", "完成了一半。"), ("dropped", "规划调整，不再建设。"), ("broken", ""), ("kept", ""),
             ("open", "")]
    before = history_count(app, AuditAction.COMMITMENT_STATUS)
    for status, reason in steps:
        assert staff.post(f"{url}/status", {"status": status, "reason": reason}).status_code == 303, status
        row = commitments_of(app, item_id)[0]
        assert row.status is CommitmentStatus(status) and row.status_reason == (reason or None)
    assert history_count(app, AuditAction.COMMITMENT_STATUS) == before + len(steps)
    # Overdue is derived by the light, not stored: a confirmed date in the past shows 逾期未兑现.
    staff.post(f"{url}/confirm", {"due_on": max(meeting, local_today() - timedelta(days=2)).isoformat()})
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    section = page[page.index('id="commitments"'):]
    if max(meeting, local_today() - timedelta(days=2)) < local_today():
        assert "逾期未兑现" in section and "light-red" in section
    assert commitments_of(app, item_id)[0].status is CommitmentStatus.OPEN


def test_the_unit_posts_evidence_and_claims_kept_but_only_staff_set_the_status(app, demo):
    item_id = stored_item(app)
    staff = login_as(app, "staff")
    add_commitment(staff, item_id, due=local_today() + timedelta(days=20))
    [commitment] = commitments_of(app, item_id)
    url = f"/items/{item_id}/commitments/{commitment.id}"
    unit = login_as(app, "unit_edu")
    empty = unit.post(f"{url}/evidence", {"text": ""})
    assert empty.status_code == 200 and "请填写兑现情况" in empty.get_data(as_text=True)
    response = unit.post(f"{url}/evidence", {"text": "两所学校已封顶。", "claims_kept": "y",
                                             "files": [(io.BytesIO(PDF_BYTES), "竣工验收.pdf")]},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        entry = db.session.scalar(sa.select(ProgressEntry).where(ProgressEntry.commitment_id == commitment.id))
        assert entry.text == "两所学校已封顶。" and entry.unit_id == user("unit_edu").unit_id
        filename = db.session.scalar(sa.select(Attachment.filename).where(Attachment.entry_id == entry.id))
        assert filename == "竣工验收.pdf"
        row = db.session.get(Commitment, commitment.id)
        assert row.claimed_kept_at is not None and row.status is CommitmentStatus.OPEN
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    assert "单位报请确认已兑现" in page and "竣工验收.pdf" in page
    # The unit may not grade its own promise, nor add or confirm one.
    assert unit.post(f"{url}/status", {"status": "kept", "reason": ""}).status_code == 403
    assert unit.post(f"{url}/confirm", {"due_on": "2030-01-01"}).status_code == 403
    assert add_commitment(unit, item_id).status_code == 403
    assert commitments_of(app, item_id)[0].status is CommitmentStatus.OPEN
    # Staff may not post the unit's evidence.
    assert staff.post(f"{url}/evidence", {"text": "代为报送"}).status_code == 403
    # Once kept, no more evidence is taken.
    staff.post(f"{url}/status", {"status": "kept", "reason": ""})
    closed = unit.post(f"{url}/evidence", {"text": "补充材料"})
    assert closed.status_code == 200 and "该承诺已记为“已兑现”，不再报送兑现情况" in closed.get_data(as_text=True)


def test_other_units_cannot_see_or_touch_commitments(app, demo):
    item_id = stored_item(app)
    other_id = stored_item(app)
    staff = login_as(app, "staff")
    add_commitment(staff, item_id, due=local_today() + timedelta(days=20))
    add_commitment(staff, other_id, text="另一事项的承诺。")
    [commitment] = commitments_of(app, item_id)
    [elsewhere] = commitments_of(app, other_id)
    health = login_as(app, "unit_health")
    before = history_count(app, AuditAction.COMMITMENT_EVIDENCE)
    url = f"/items/{item_id}/commitments/{commitment.id}"
    assert health.get(f"/items/{item_id}").status_code == 404
    assert health.post(f"{url}/evidence", {"text": "试图报送"}).status_code == 404
    assert health.post(f"{url}/status", {"status": "kept"}).status_code == 404
    assert health.post(f"/items/{item_id}/commitments", {"text": "x"}).status_code == 404
    assert history_count(app, AuditAction.COMMITMENT_EVIDENCE) == before
    # A commitment is reached only through its own item: another item's id is 404.
    edu = login_as(app, "unit_edu")
    assert edu.post(f"/items/{item_id}/commitments/{elsewhere.id}/evidence", {"text": "x"}).status_code == 404
    assert staff.post(f"/items/{item_id}/commitments/{elsewhere.id}/status",
                      {"status": "kept"}).status_code == 404
    # 我的事项 of 区卫生健康局 does not list 区教育局's commitment.
    assert "年底前完成学校改扩建" not in health.get("/my").get_data(as_text=True)
    assert "年底前完成学校改扩建" in edu.get("/my").get_data(as_text=True)


def test_my_items_lists_commitments_due_within_the_window_only(app, demo):
    item_id = stored_item(app)
    staff = login_as(app, "staff")
    add_commitment(staff, item_id, text="近期承诺：下月完成", due=local_today() + timedelta(days=10))
    add_commitment(staff, item_id, text="远期承诺：明年完成", due=local_today() + timedelta(days=200))
    add_commitment(staff, item_id, text="待确认的承诺")
    page = login_as(app, "unit_edu").get("/my").get_data(as_text=True)
    assert "近期承诺：下月完成" in page
    assert "远期承诺：明年完成" not in page and "待确认的承诺" not in page


# -- reports: the line's class, commitments on 受理, 审查意见 asks -------------------------

def _report_form(ids, **over):
    year = local_today().year + 1
    data = {"text": "现将研究处理情况报告如下。", "pick": [str(i) for i in ids],
            f"status_{ids[0]}": "planned", f"promised_{ids[0]}": f"{year}-06-30",
            f"note_{ids[0]}": "列入明年计划", f"class_{ids[0]}": "C",
            f"status_{ids[1]}": "done", f"class_{ids[1]}": "A"}
    return data | over


def test_report_line_class_is_checked_and_accepting_makes_the_dates_commitments(app, demo):
    with app.test_request_context():
        activity = make_activity(title="审议区人民政府关于学前教育发展情况的报告", kind=ActivityKind.REPORT_REVIEW)
        ids = [make_item(activity=activity, stage="rectifying").id for _ in range(2)]
        activity_id = activity.id
        db.session.commit()
    unit = login_as(app, "unit_edu")
    refused = unit.post(f"/activities/{activity_id}/report", _report_form(ids, **{f"class_{ids[1]}": "B"}))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "的答复分类：“B 正在解决”须至少有一项写明完成日期的承诺" in page
    no_reason = unit.post(f"/activities/{activity_id}/report", _report_form(ids, **{f"class_{ids[1]}": "D"}))
    assert "须说明理由" in no_reason.get_data(as_text=True)
    with app.app_context():
        assert [db.session.get(Item, i).stage for i in ids] == [Stage.RECTIFYING] * 2
        assert all(db.session.get(Item, i).answer_class is None for i in ids)
    url = unit.post(f"/activities/{activity_id}/report", _report_form(ids)).headers["Location"]
    with app.app_context():
        assert [db.session.get(Item, i).answer_class for i in ids] == [AnswerClass.C, AnswerClass.A]
    assert commitments_of(app, ids[0]) == []  # a submitted report is not yet a promise taken
    staff = login_as(app, "staff")
    assert staff.post(f"{url}/accept", {"opinion": "总体同意。请于明年3月底前报告幼儿园选址进展。"}).status_code == 303
    [from_line] = commitments_of(app, ids[0])
    assert from_line.source is CommitmentSource.REPORT and from_line.proposed_due == date(local_today().year + 1, 6, 30)
    assert from_line.due_on is None and from_line.text == "列入明年计划"
    assert commitments_of(app, ids[1]) == []
    # A further ask of the 审查意见 becomes a commitment on the chosen item.
    report_id = int(url.rsplit("/", 1)[1])
    assert "记为承诺" in staff.get(url).get_data(as_text=True)
    bad = staff.post(f"/reports/{report_id}/commitments", {"item_id": str(ids[1]), "text": "",
                                                           "due_on": ""})
    assert bad.status_code == 200 and "请填写要求内容" in bad.get_data(as_text=True)
    ask = staff.post(f"/reports/{report_id}/commitments", {
        "item_id": str(ids[1]), "text": "明年3月底前书面报告幼儿园选址进展。",
        "due_on": date(local_today().year + 1, 3, 31).isoformat()})
    assert ask.status_code == 303
    [review] = commitments_of(app, ids[1])
    assert review.source is CommitmentSource.REVIEW and review.report_id == report_id
    assert review.due_on == date(local_today().year + 1, 3, 31)
    # The unit reads the report but may not turn asks into commitments.
    assert unit.post(f"/reports/{report_id}/commitments", {"item_id": str(ids[1]), "text": "x"}).status_code == 403


# -- dashboard: classes per unit against a hand-computed fixture -----------------------------
