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
    AuditEntry,
    Commitment,
    CommitmentSource,
    CommitmentStatus,
    Item,
    Notice,
    ProgressEntry,
    Stage,
    local_today,
)

from .conftest import login_as
from .helpers import PDF_BYTES, make_activity, make_item, user


def _item(app, stage="rectifying", **kw) -> int:
    with app.test_request_context():
        item = make_item(stage=stage, **kw)
        db.session.commit()
        return item.id


def _commitments(app, item_id) -> list[Commitment]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Commitment).where(Commitment.item_id == item_id)
                                  .order_by(Commitment.id)).all()
        db.session.expunge_all()
        return rows


def _history(app, action: AuditAction) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == action.value))


def _meeting(app, item_id) -> date:
    with app.app_context():
        from tracker.models import Activity
        return db.session.scalar(sa.select(Activity.meeting_date).join(Item, Item.activity_id == Activity.id)
                                 .where(Item.id == item_id))


def _add(staff, item_id, text="年底前完成学校改扩建。", due: date | None = None, **extra):
    data = {"text": text, "due_on": due.isoformat() if due else "", "source": "answer", "unit_id": "0"} | extra
    return staff.post(f"/items/{item_id}/commitments", data)


# -- answer class at 答 -----------------------------------------------------------------

def _answer(staff, item_id, version, **over):
    data = {"respondent_name": "王局长", "respondent_post": "区教育局局长", "answer": "将新建两所学校。",
            "commitments": "", "commitment_due": "", "answer_class": "", "answer_class_reason": "",
            "version": str(version)}
    return staff.post(f"/items/{item_id}/answer", data | over)


def test_class_b_or_c_without_a_dated_commitment_is_refused_and_nothing_saved(app, demo):
    item_id = _item(app, stage="asked")
    staff = login_as(app, "staff")
    before = _history(app, AuditAction.ITEM_ANSWER)
    for cls in ("B", "C"):
        for promise in ("", "尽快研究解决。"):  # no promise at all, or one without a date
            response = _answer(staff, item_id, 1, answer_class=cls, commitments=promise)
            page = response.get_data(as_text=True)
            assert response.status_code == 200
            assert "答复分类" in page and "须至少有一项写明完成日期的承诺" in page
    assert _history(app, AuditAction.ITEM_ANSWER) == before
    assert _commitments(app, item_id) == []
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.stage is Stage.ASKED and item.answer is None and item.answer_class is None


def test_class_d_needs_its_reason(app, demo):
    item_id = _item(app, stage="asked")
    staff = login_as(app, "staff")
    refused = _answer(staff, item_id, 1, answer_class="D")
    assert refused.status_code == 200 and "D 因条件限制暂不能解决”须说明理由" in refused.get_data(as_text=True)
    ok = _answer(staff, item_id, 1, answer_class="D", answer_class_reason="涉及市级规划调整，区级暂无权限。")
    assert ok.status_code == 303
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.answer_class is AnswerClass.D and item.answer_class_reason == "涉及市级规划调整，区级暂无权限。"
    assert "D 因条件限制暂不能解决" in staff.get(f"/items/{item_id}").get_data(as_text=True)


def test_class_c_with_a_dated_promise_makes_a_proposed_commitment_shown_as_unconfirmed(app, demo):
    item_id = _item(app, stage="asked")
    year = _meeting(app, item_id).year + 1
    staff = login_as(app, "staff")
    response = _answer(staff, item_id, 1, answer_class="C",
                       commitments=f"{year}年6月底前完成改扩建。新建学校列入明年计划。")
    assert response.status_code == 303
    rows = _commitments(app, item_id)
    assert len(rows) == 1
    commitment = rows[0]
    assert commitment.proposed_due == date(year, 6, 30) and commitment.due_on is None
    assert commitment.source is CommitmentSource.ANSWER and commitment.status is CommitmentStatus.OPEN
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    assert "待确认" in page and "C 列入计划逐步解决" in page
    with app.app_context():
        assert db.session.get(Item, item_id).answer_class is AnswerClass.C


def test_a_date_typed_at_the_answer_is_confirmed_and_one_before_the_meeting_is_refused(app, demo):
    item_id = _item(app, stage="asked")
    meeting = _meeting(app, item_id)
    staff = login_as(app, "staff")
    early = _answer(staff, item_id, 1, answer_class="B", commitments="年底前完成。",
                    commitment_due=(meeting - timedelta(days=1)).isoformat())
    assert early.status_code == 200 and "承诺完成日期：不能早于会议日期" in early.get_data(as_text=True)
    assert _commitments(app, item_id) == []
    due = meeting + timedelta(days=90)
    assert _answer(staff, item_id, 1, answer_class="B", commitments="年底前完成。",
                   commitment_due=due.isoformat()).status_code == 303
    [commitment] = _commitments(app, item_id)
    assert commitment.due_on == due and commitment.confirmed_by_id == demo["staff"]


# -- the panel: staff add, confirm and grade; the unit posts evidence ------------------------

def test_a_commitment_date_before_the_meeting_is_refused_nothing_saved(app, demo):
    item_id = _item(app)
    meeting = _meeting(app, item_id)
    staff = login_as(app, "staff")
    before = _history(app, AuditAction.COMMITMENT_CREATE)
    response = _add(staff, item_id, due=meeting - timedelta(days=1))
    assert response.status_code == 200
    assert "承诺完成日期：不能早于会议日期" in response.get_data(as_text=True)
    assert _commitments(app, item_id) == [] and _history(app, AuditAction.COMMITMENT_CREATE) == before
    assert _add(staff, item_id, due=meeting).status_code == 303  # the meeting day itself is allowed
    # Confirming a date before the meeting is refused too, and the old date stays.
    [commitment] = _commitments(app, item_id)
    refused = staff.post(f"/items/{item_id}/commitments/{commitment.id}/confirm",
                         {"due_on": (meeting - timedelta(days=30)).isoformat()})
    assert refused.status_code == 200 and "确认完成日期：不能早于会议日期" in refused.get_data(as_text=True)
    assert _commitments(app, item_id)[0].due_on == meeting


def test_each_status_change_through_the_panel(app, demo):
    item_id = _item(app)
    meeting = _meeting(app, item_id)
    staff = login_as(app, "staff")
    assert _add(staff, item_id, text="明年6月底前完成改造。").status_code == 303
    [commitment] = _commitments(app, item_id)
    url = f"/items/{item_id}/commitments/{commitment.id}"
    assert commitment.due_on is None
    # 待确认 → confirmed.
    due = local_today() + timedelta(days=60)
    assert staff.post(f"{url}/confirm", {"due_on": due.isoformat()}).status_code == 303
    confirmed = _commitments(app, item_id)[0]
    assert confirmed.due_on == due and confirmed.confirmed_by_id == demo["staff"] and confirmed.confirmed_at
    # 部分兑现 and 不再适用 need a reason.
    for status in ("partly", "dropped"):
        refused = staff.post(f"{url}/status", {"status": status, "reason": ""})
        assert refused.status_code == 200 and "理由：标记为" in refused.get_data(as_text=True)
        assert _commitments(app, item_id)[0].status is CommitmentStatus.OPEN
    steps = [("partly", "完成了一半。"), ("dropped", "规划调整，不再建设。"), ("broken", ""), ("kept", ""),
             ("open", "")]
    before = _history(app, AuditAction.COMMITMENT_STATUS)
    for status, reason in steps:
        assert staff.post(f"{url}/status", {"status": status, "reason": reason}).status_code == 303, status
        row = _commitments(app, item_id)[0]
        assert row.status is CommitmentStatus(status) and row.status_reason == (reason or None)
    assert _history(app, AuditAction.COMMITMENT_STATUS) == before + len(steps)
    # Overdue is derived by the light, not stored: a confirmed date in the past shows 逾期未兑现.
    staff.post(f"{url}/confirm", {"due_on": max(meeting, local_today() - timedelta(days=2)).isoformat()})
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    section = page[page.index('id="commitments"'):]
    if max(meeting, local_today() - timedelta(days=2)) < local_today():
        assert "逾期未兑现" in section and "light-red" in section
    assert _commitments(app, item_id)[0].status is CommitmentStatus.OPEN


def test_the_unit_posts_evidence_and_claims_kept_but_only_staff_set_the_status(app, demo):
    item_id = _item(app)
    staff = login_as(app, "staff")
    _add(staff, item_id, due=local_today() + timedelta(days=20))
    [commitment] = _commitments(app, item_id)
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
    assert _add(unit, item_id).status_code == 403
    assert _commitments(app, item_id)[0].status is CommitmentStatus.OPEN
    # Staff may not post the unit's evidence.
    assert staff.post(f"{url}/evidence", {"text": "代为报送"}).status_code == 403
    # Once kept, no more evidence is taken.
    staff.post(f"{url}/status", {"status": "kept", "reason": ""})
    closed = unit.post(f"{url}/evidence", {"text": "补充材料"})
    assert closed.status_code == 200 and "该承诺已记为“已兑现”，不再报送兑现情况" in closed.get_data(as_text=True)


def test_other_units_cannot_see_or_touch_commitments(app, demo):
    item_id = _item(app)
    other_id = _item(app)
    staff = login_as(app, "staff")
    _add(staff, item_id, due=local_today() + timedelta(days=20))
    _add(staff, other_id, text="另一事项的承诺。")
    [commitment] = _commitments(app, item_id)
    [elsewhere] = _commitments(app, other_id)
    health = login_as(app, "unit_health")
    before = _history(app, AuditAction.COMMITMENT_EVIDENCE)
    url = f"/items/{item_id}/commitments/{commitment.id}"
    assert health.get(f"/items/{item_id}").status_code == 404
    assert health.post(f"{url}/evidence", {"text": "试图报送"}).status_code == 404
    assert health.post(f"{url}/status", {"status": "kept"}).status_code == 404
    assert health.post(f"/items/{item_id}/commitments", {"text": "x"}).status_code == 404
    assert _history(app, AuditAction.COMMITMENT_EVIDENCE) == before
    # A commitment is reached only through its own item: another item's id is 404.
    edu = login_as(app, "unit_edu")
    assert edu.post(f"/items/{item_id}/commitments/{elsewhere.id}/evidence", {"text": "x"}).status_code == 404
    assert staff.post(f"/items/{item_id}/commitments/{elsewhere.id}/status",
                      {"status": "kept"}).status_code == 404
    # 我的事项 of 区卫生健康局 does not list 区教育局's commitment.
    assert "年底前完成学校改扩建" not in health.get("/my").get_data(as_text=True)
    assert "年底前完成学校改扩建" in edu.get("/my").get_data(as_text=True)


def test_my_items_lists_commitments_due_within_the_window_only(app, demo):
    item_id = _item(app)
    staff = login_as(app, "staff")
    _add(staff, item_id, text="近期承诺：下月完成", due=local_today() + timedelta(days=10))
    _add(staff, item_id, text="远期承诺：明年完成", due=local_today() + timedelta(days=200))
    _add(staff, item_id, text="待确认的承诺")
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
    assert _commitments(app, ids[0]) == []  # a submitted report is not yet a promise taken
    staff = login_as(app, "staff")
    assert staff.post(f"{url}/accept", {"opinion": "总体同意。请于明年3月底前报告幼儿园选址进展。"}).status_code == 303
    [from_line] = _commitments(app, ids[0])
    assert from_line.source is CommitmentSource.REPORT and from_line.proposed_due == date(local_today().year + 1, 6, 30)
    assert from_line.due_on is None and from_line.text == "列入明年计划"
    assert _commitments(app, ids[1]) == []
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
    [review] = _commitments(app, ids[1])
    assert review.source is CommitmentSource.REVIEW and review.report_id == report_id
    assert review.due_on == date(local_today().year + 1, 3, 31)
    # The unit reads the report but may not turn asks into commitments.
    assert unit.post(f"/reports/{report_id}/commitments", {"item_id": str(ids[1]), "text": "x"}).status_code == 403


# -- dashboard: classes per unit against a hand-computed fixture -----------------------------

def test_dashboard_answer_classes_per_unit_match_hand_computed_figures(app, demo):
    """区教育局: A, B, B, unclassed → A 1 (33.3%), B 2 (66.7%), classed 3, unclassed 1.
    区卫生健康局: C, D → C 1 (50.0%), D 1 (50.0%). Total: A 1, B 2, C 1, D 1 of 5 classed
    (20.0%, 40.0%, 20.0%, 20.0%), unclassed 2 (one not yet assigned: its own row, so the rows add
    up to 合计). A withdrawn item with a class counts nowhere."""
    with app.test_request_context():
        activity = make_activity()
        plan = [("区教育局", AnswerClass.A), ("区教育局", AnswerClass.B), ("区教育局", AnswerClass.B),
                ("区教育局", None), ("区卫生健康局", AnswerClass.C), ("区卫生健康局", AnswerClass.D)]
        for unit_name, cls in plan:
            item = make_item(activity=activity, stage="rectifying", unit_name=unit_name)
            item.answer_class = cls  # the fixture sets the class; the rules are tested above
        make_item(activity=activity, stage="answered")  # not yet assigned, no class: the 未交办 row
        withdrawn = make_item(activity=activity, stage="answered")
        from tracker.services import corrections
        corrections.withdraw_item(withdrawn, "重复录入", user("staff"))
        withdrawn.answer_class = AnswerClass.A
        db.session.commit()
        from tracker.dashboard.classes import answer_class_rows
        from tracker.dashboard.stats import Scope
        rows, total = answer_class_rows(Scope(activity.meeting_date.year), local_today())
        year = activity.meeting_date.year
    figures = {r.name: ([r.counts[c] for c in AnswerClass], r.unclassed) for r in rows}
    assert figures == {"区教育局": ([1, 2, 0, 0], 1), "区卫生健康局": ([0, 0, 1, 1], 0),
                       "（未交办）": ([0, 0, 0, 0], 1)}
    assert [total.counts[c] for c in AnswerClass] == [1, 2, 1, 1] and total.unclassed == 2
    assert [r.name for r in rows][-1] == "（未交办）"  # last, and the rows add up to 合计
    edu = next(r for r in rows if r.name == "区教育局")
    assert round(edu.rate(AnswerClass.B), 4) == 0.6667 and round(total.rate(AnswerClass.A), 4) == 0.2
    page = login_as(app, "staff").get(f"/dashboard?year={year}").get_data(as_text=True)
    section = page[page.index('id="answer-classes"'):]
    assert "B 正在解决" in section
    assert "2 <small class=\"muted\">（66.7%）</small>" in section
    assert "1 <small class=\"muted\">（50.0%）</small>" in section
    assert "2 <small class=\"muted\">（40.0%）</small>" in section


# -- the light and its SQL twin; the daily job ---------------------------------------------

def test_commitment_light_and_its_sql_twin_agree(app, demo):
    from tracker.lights import commitment_light, commitment_overdue_clause
    item_id = _item(app)
    today = local_today()
    with app.test_request_context():
        item = db.session.get(Item, item_id)
        for offset in range(-3, 4):
            for status in CommitmentStatus:
                db.session.add(Commitment(item_id=item.id, text=f"{offset}{status.value}",
                                          source=CommitmentSource.OTHER, due_on=today + timedelta(days=offset),
                                          confirmed_at=today, status=status))
        db.session.add(Commitment(item_id=item.id, text="待确认", source=CommitmentSource.OTHER,
                                  proposed_due=today - timedelta(days=5)))
        db.session.flush()
        rows = db.session.scalars(sa.select(Commitment)).all()
        red_in_sql = set(db.session.scalars(sa.select(Commitment.id).where(commitment_overdue_clause(today))))
        red_in_python = {c.id for c in rows if commitment_light(c.status, c.due_on, today).overdue}
        assert red_in_sql == red_in_python and len(red_in_python) == 3
        db.session.rollback()


def test_the_daily_job_reminds_per_commitment_once(app, demo):
    from tracker.jobs.remind import run_remind
    item_id = _item(app)
    staff = login_as(app, "staff")
    today = local_today()
    _add(staff, item_id, text="临期承诺", due=today + timedelta(days=1))
    _add(staff, item_id, text="逾期承诺", due=max(_meeting(app, item_id), today - timedelta(days=3)))
    _add(staff, item_id, text="远期承诺", due=today + timedelta(days=90))
    _add(staff, item_id, text="待确认承诺")
    kept_url = None
    for c in _commitments(app, item_id):
        if c.text == "远期承诺":
            kept_url = f"/items/{item_id}/commitments/{c.id}"
    with app.app_context():
        first = run_remind(today, deliver_mail=False)
        keys = sorted(db.session.scalars(sa.select(Notice.dedupe_key).where(Notice.dedupe_key.like("commitment-%"))))
    overdue_expected = max(_meeting(app, item_id), today - timedelta(days=3)) < today
    assert sum(first.commitments.sent.values()) == 1 + int(overdue_expected)
    assert all(k.startswith(("commitment-remind:", "commitment-warn:")) for k in keys)
    with app.app_context():
        again = run_remind(today, deliver_mail=False)
    assert sum(again.commitments.sent.values()) == 0 and again.commitments.already_sent == len(keys)
    assert "承诺提醒" in again.summary()
    # A new date is a new promise to remind about; a kept one is not reminded.
    staff.post(f"{kept_url}/confirm", {"due_on": (today + timedelta(days=1)).isoformat()})
    [near] = [c for c in _commitments(app, item_id) if c.text == "临期承诺"]
    staff.post(f"/items/{item_id}/commitments/{near.id}/status", {"status": "kept"})
    with app.app_context():
        third = run_remind(today, deliver_mail=False)
        unit_lines = db.session.scalar(sa.select(sa.func.count()).select_from(Notice).where(
            Notice.dedupe_key.like("commitment-remind:%")))
    assert sum(third.commitments.sent.values()) == 1 and unit_lines == 2


def test_open_commitments_for_counts_only_open_ones(app, demo):
    from tracker.services.commitments import open_commitments_for
    item_id = _item(app)
    staff = login_as(app, "staff")
    _add(staff, item_id, text="一")
    _add(staff, item_id, text="二")
    first = _commitments(app, item_id)[0]
    staff.post(f"/items/{item_id}/commitments/{first.id}/status", {"status": "kept"})
    with app.app_context():
        assert open_commitments_for([item_id, 999_999]) == {item_id: 1}
        assert open_commitments_for([]) == {}


def test_item_page_and_my_items_cost_the_same_queries_with_more_commitments(app, demo):
    from bench.querycount import page_queries
    item_id = _item(app)
    staff, unit = login_as(app, "staff"), login_as(app, "unit_edu")

    def add_with_evidence(n):
        for i in range(n):
            _add(staff, item_id, text=f"承诺{i}", due=local_today() + timedelta(days=5 + i))
            newest = _commitments(app, item_id)[-1]
            unit.post(f"/items/{item_id}/commitments/{newest.id}/evidence", {
                "text": f"进展{i}", "files": [(io.BytesIO(PDF_BYTES), f"证明{i}.pdf")]},
                content_type="multipart/form-data")

    def measure():
        return [page_queries(app, client.http, path)
                for client, path in ((staff, f"/items/{item_id}"), (unit, f"/items/{item_id}"), (unit, "/my"))]

    add_with_evidence(1)
    before = measure()
    add_with_evidence(6)
    assert measure() == before
    assert all(status == 200 for status, _ in before)


def test_the_demo_shows_each_status_classes_and_a_due_soon_commitment(app, demo):
    from tracker.demo import load_demo_items
    with app.test_request_context():
        load_demo_items()
        db.session.commit()
    with app.app_context():
        statuses = set(db.session.scalars(sa.select(Commitment.status)))
        classes = set(db.session.scalars(sa.select(Item.answer_class).where(Item.answer_class.is_not(None))))
        proposed = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)
                                     .where(Commitment.due_on.is_(None), Commitment.proposed_due.is_not(None)))
        overdue_item = db.session.scalar(sa.select(Commitment.item_id).where(
            Commitment.status == CommitmentStatus.OPEN, Commitment.due_on < local_today()))
        from_report = db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)
                                        .where(Commitment.source == CommitmentSource.REPORT))
    assert statuses == set(CommitmentStatus) and classes == set(AnswerClass)
    assert proposed >= 1 and from_report >= 1 and overdue_item is not None
    staff = login_as(app, "staff")
    page = staff.get(f"/items/{overdue_item}").get_data(as_text=True)
    assert "逾期未兑现" in page[page.index('id="commitments"'):]
    with app.app_context():
        from tracker.models import Activity
        year = db.session.scalar(sa.select(Activity.meeting_date).join(Item, Item.activity_id == Activity.id)
                                 .where(Item.answer_class == AnswerClass.D)).year
    figures = staff.get(f"/dashboard?year={year}").get_data(as_text=True)
    assert "1 <small class=\"muted\">" in figures[figures.index('id="answer-classes"'):]
    assert "三年内每个卫生院" in login_as(app, "unit_health").get("/my").get_data(as_text=True)


def test_item_page_ids_are_unique_with_the_answer_form_and_the_commitment_panel(app, demo):
    """Bug found by the browser journey: the answer form's 承诺事项 box and the 承诺 panel
    were both id="commitments" (a label, a link anchor and the browser tests then hit the
    wrong one)."""
    import collections
    import re
    item_id = _item(app, stage="answered")
    html = login_as(app, "staff").get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="answer-commitments"' in html and 'id="commitments"' in html
    visible = [tag for tag in re.findall(r"<[a-z]+\s[^>]*>", html) if 'type="hidden"' not in tag]
    ids = collections.Counter(m for tag in visible for m in re.findall(r'\sid="([^"]+)"', tag))
    assert [i for i, n in ids.items() if n > 1] == []
