"""测评会议 through the pages: eight reports online (one ballot page per reviewer) and on
表决器 (one table, a row that does not add up), on-the-spot grading, two-step closing,
void and reopen, follow-up deadlines, the results table and its 通报."""
from __future__ import annotations

import io
import json
from datetime import timedelta

import sqlalchemy as sa
from docx import Document

from tracker.extensions import db
from tracker.models import (
    AuditEntry,
    Ballot,
    Evaluation,
    Item,
    ResultSource,
    Role,
    Sitting,
    SittingParticipant,
    SittingStatus,
    Stage,
    User,
    local_today,
)
from tracker.tally import Grade

from .conftest import login_as
from .sitting_helpers import accepted_items, entry_ids, open_sitting, stop_and_count, vote

EIGHT = ["satisfied", "basic", "unsatisfied", "satisfied", "satisfied", "basic", "satisfied", "blank"]


def test_eight_reports_online_each_reviewer_submits_one_page(app, demo):
    staff = login_as(app, "staff")
    items = accepted_items(app, 8)
    sitting_id = open_sitting(staff, items)
    entries = entry_ids(app, sitting_id)
    with app.app_context():  # one sitting, one notice per reviewer (not eight)
        from tracker.models import Notification
        reviewer = db.session.scalar(sa.select(User.id).where(User.username == "reviewer1"))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == reviewer, Notification.kind == "evaluation")) == 1
    # The ballot lists every report with its link first, then one form for all of them.
    page = login_as(app, "reviewer1").get(f"/sittings/{sitting_id}/ballot").get_data(as_text=True)
    links = [page.index(f"/items/{i}#rounds") for i in items]
    assert max(links) < page.index(f'action="/sittings/{sitting_id}/ballot"') and page.count('type="radio"') == 8 * 4
    assert 'data-confirm="共 8 项，提交后不能修改' in page
    for n in range(1, 6):
        assert vote(app, f"reviewer{n}", sitting_id, EIGHT).status_code == 303
    again = vote(app, "reviewer1", sitting_id, EIGHT)
    assert "您已参加本次测评" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 40
        # An account created after opening is not on the voter list.
        late = User(username="reviewer6", display_name="新委员", role=Role.REVIEWER, active=True,
                    password_hash="x")
        db.session.add(late)
        db.session.commit()
    # Nothing computed or shown before counting, to anyone.
    unit_page = login_as(app, "unit_edu").get(f"/items/{items[0]}").get_data(as_text=True)
    assert "测评结果" not in unit_page and "满意 5" not in unit_page
    assert "请先停止投票" in staff.post(f"/sittings/{sitting_id}/count").get_data(as_text=True)
    assert staff.post(f"/sittings/{sitting_id}/stop").status_code == 303
    stopped = staff.get(f"/sittings/{sitting_id}").get_data(as_text=True)
    assert "第二步：计票" in stopped and "结果为" not in stopped
    assert staff.post(f"/sittings/{sitting_id}/count").status_code == 303
    results = staff.get(f"/sittings/{sitting_id}").get_data(as_text=True)
    # 5 members; row 1: 满意 5 ≥ 2.5 → 满意; row 3: 不满意 5 → 满意0, 合计0 → 不满意.
    assert "满意5，达到全体组成人员5人的半数（2.5），结果为满意" in results
    assert "满意0+基本满意0=0，未超过全体组成人员5人的半数（2.5），结果为不满意" in results
    with app.app_context():
        grades = [e.result for e in db.session.scalars(sa.select(Evaluation).where(
            Evaluation.sitting_id == sitting_id).order_by(Evaluation.position))]
        assert grades[:3] == [Grade.SATISFIED, Grade.BASIC, Grade.UNSATISFIED]
        assert grades[7] is Grade.UNSATISFIED  # eight blank ballots: no valid grade
        third = db.session.get(Item, items[2])
        assert third.stage is Stage.RECTIFYING and third.round == 2
    # Each item still shows its own result and round.
    own = staff.get(f"/items/{items[2]}").get_data(as_text=True)
    assert "第 1 轮测评结果：不满意" in own and "5 名测评人参加网上测评（无记名）" in own
    # One 测评结果通报 for the sitting: the published table, a row per report.
    issued = staff.post(f"/sittings/{sitting_id}/notice")
    assert issued.status_code == 303
    notice = staff.get(issued.headers["Location"])
    assert notice.status_code == 200
    assert staff.post(f"/sittings/{sitting_id}/notice").headers["Location"] == issued.headers["Location"]
    table = Document(io.BytesIO(notice.data)).tables[0]
    assert len(table.rows) == 9 and table.rows[3].cells[-1].text == "不满意"
    assert len(entries) == 8


def test_a_late_or_foreign_vote_is_refused(app, demo):
    staff = login_as(app, "staff")
    sitting_id = open_sitting(staff, accepted_items(app, 2))
    assert login_as(app, "unit_edu").get(f"/sittings/{sitting_id}/ballot").status_code == 403
    with app.app_context():
        db.session.add(User(username="reviewer6", display_name="新委员", role=Role.REVIEWER, active=True,
                            password_hash="x"))
        db.session.commit()
        from tracker.passwords import hash_password
        db.session.scalar(sa.select(User).where(User.username == "reviewer6")).password_hash = \
            hash_password("demo-password")
        db.session.commit()
    assert login_as(app, "reviewer6").get(f"/sittings/{sitting_id}/ballot").status_code == 404
    assert staff.post(f"/sittings/{sitting_id}/stop").status_code == 303
    late = vote(app, "reviewer1", sitting_id, ["satisfied", "satisfied"])
    assert "已停止投票" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0


def test_more_reviewers_than_members_is_refused_at_opening(app, demo):
    staff = login_as(app, "staff")
    items = accepted_items(app, 1)
    response = staff.post("/sittings/new", {"title": "测评", "meeting_date": "2026-11-30", "mode": "online",
                                            "members_total": "3", "rule_key": "zhenhai", "item_ids": [str(items[0])]})
    assert "可投票的测评人有 5 人，多于全体组成人员数（3）" in response.get_data(as_text=True)


def _table(entries, rows, confirm=()):
    data = {}
    for entry, counts in zip(entries, rows, strict=True):
        for name, value in zip(("satisfied", "basic", "unsatisfied", "invalid"), counts, strict=True):
            data[f"{name}-{entry}"] = str(value)
        if entry in confirm:
            data[f"confirm-{entry}"] = "1"
    return data


def test_eight_reports_on_voting_devices_one_table_with_a_row_that_does_not_add_up(app, demo):
    staff = login_as(app, "staff")
    items = accepted_items(app, 8)
    sitting_id = open_sitting(staff, items, mode="meeting", members_total="33")
    entries = entry_ids(app, sitting_id)
    low = staff.post(f"/sittings/{sitting_id}/attendance", {"members_present": "16"})
    assert "实到16人，未超过全体组成人员33人的半数（16.5），不足法定人数" in low.get_data(as_text=True)
    assert staff.post(f"/sittings/{sitting_id}/attendance", {"members_present": "30"}).status_code == 303
    rows = [(20, 6, 3, 1)] * 8
    rows[2] = (15, 3, 10, 1)  # 29: the published table's typo
    rows[5] = (10, 5, 15, 0)
    first = staff.post(f"/sittings/{sitting_id}/tally", _table(entries, rows))
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and "第 3 行合计 29 票，少于实到人数 30（相差 1）" in text
    assert f'name="confirm-{entries[2]}"' in text and 'value="15"' in text  # nothing typed is lost
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation).where(
            Evaluation.result_source.is_not(None))) == 0
    assert staff.post(f"/sittings/{sitting_id}/tally", _table(entries, rows, {entries[2]})).status_code == 303
    # Entered tallies are invisible to units and reviewers until counted, history included.
    unit_page = login_as(app, "unit_edu").get(f"/items/{items[2]}").get_data(as_text=True)
    assert not [t for t in ("满意 15", "满意15", "不满意 10", "实到 30", "30 人") if t in unit_page]
    assert login_as(app, "reviewer1").get(f"/sittings/{sitting_id}").status_code == 404
    with app.app_context():
        summaries = " ".join(db.session.scalars(sa.select(AuditEntry.summary).where(
            AuditEntry.action == "sitting.tally")))
        assert "15" not in summaries and "录入" in summaries
    staff_view = staff.get(f"/sittings/{sitting_id}").get_data(as_text=True)
    assert "与实到不符，已确认" in staff_view
    assert stop_and_count(staff, sitting_id).status_code == 303
    results = staff.get(f"/sittings/{sitting_id}").get_data(as_text=True)
    assert "满意15，未达到全体组成人员33人的半数（16.5）；满意15+基本满意3=18，超过全体组成人员33人的半数（16.5），" \
           "结果为基本满意" in results
    assert "满意10+基本满意5=15，未超过全体组成人员33人的半数（16.5），结果为不满意" in results
    assert login_as(app, "reviewer1").get(f"/sittings/{sitting_id}").status_code == 200  # counted: public
    with app.app_context():
        assert db.session.get(Item, items[5]).round == 2
        assert db.session.get(Item, items[0]).stage is Stage.CLOSED


def test_on_the_spot_grades_with_and_without_counts(app, demo):
    staff = login_as(app, "staff")
    items = accepted_items(app, 2)
    sitting_id = open_sitting(staff, items, mode="spot", members_total="33", title="专题询问现场评定")
    entries = entry_ids(app, sitting_id)
    assert staff.post(f"/sittings/{sitting_id}/attendance", {"members_present": "30"}).status_code == 303
    data = {f"grade-{entries[0]}": "satisfied", f"note-{entries[0]}": "现场公布满意率 93.3%",
            **_table(entries[1:], [(9, 5, 16, 0)])}
    assert staff.post(f"/sittings/{sitting_id}/tally", data).status_code == 303
    assert stop_and_count(staff, sitting_id).status_code == 303
    with app.app_context():
        first, second = db.session.scalars(sa.select(Evaluation).where(Evaluation.sitting_id == sitting_id)
                                           .order_by(Evaluation.position)).all()
        assert first.result_source is ResultSource.PUBLISHED and first.result is Grade.SATISFIED
        assert first.decision_reason.startswith("公布结果：满意（现场公布满意率 93.3%）；未公布票数")
        assert (first.satisfied, first.basic, first.unsatisfied) == (0, 0, 0)
        assert second.result_source is ResultSource.COUNTED and second.result is Grade.UNSATISFIED
    page = staff.get(f"/sittings/{sitting_id}").get_data(as_text=True)
    assert "公布结果：现场公布满意率 93.3%（未公布票数）" in page
    item_page = staff.get(f"/items/{items[0]}").get_data(as_text=True)
    assert "公布结果：现场公布满意率 93.3%（未公布票数）" in item_page and "满意 0，基本满意 0" not in item_page
    url = staff.post(f"/sittings/{sitting_id}/notice").headers["Location"]
    row = Document(io.BytesIO(staff.get(url).data)).tables[0].rows[1]
    assert [c.text for c in row.cells][3:] == ["公布结果", "—", "—", "—", "满意"]


def test_void_and_reopen_is_audited_and_a_counted_result_is_final(app, demo):
    staff = login_as(app, "staff")
    sitting_id = open_sitting(staff, accepted_items(app, 2))
    for n in (1, 2):
        assert vote(app, f"reviewer{n}", sitting_id, ["satisfied", "unsatisfied"]).status_code == 303
    assert "请填写理由" in staff.post(f"/sittings/{sitting_id}/void", {"reason": " "}).get_data(as_text=True)
    reason = {"reason": "投票系统故障，经主任会议同意重新测评"}
    assert staff.post(f"/sittings/{sitting_id}/void", reason).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SittingParticipant)) == 0
        voided = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "sitting.void"))
        assert "投票系统故障" in voided.summary and voided.actor_name
        assert db.session.get(Sitting, sitting_id).status is SittingStatus.OPEN
    for n in (1, 2, 3):
        assert vote(app, f"reviewer{n}", sitting_id, ["satisfied", "satisfied"]).status_code == 303
    assert stop_and_count(staff, sitting_id).status_code == 303
    refused = staff.post(f"/sittings/{sitting_id}/void", {"reason": "想改结果"})
    assert refused.status_code == 409 and "不能结束测评" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Sitting, sitting_id).status is SittingStatus.COUNTED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 6


def test_a_result_that_reports_at_the_next_meeting_asks_for_the_deadline_afterwards(app, demo):
    staff = login_as(app, "staff")
    items = accepted_items(app, 2, rule="anhui2013")
    sitting_id = open_sitting(staff, items, mode="meeting", members_total="33", rule="anhui2013")
    entries = entry_ids(app, sitting_id)
    assert staff.post(f"/sittings/{sitting_id}/attendance", {"members_present": "30"}).status_code == 303
    assert staff.post(f"/sittings/{sitting_id}/tally", _table(entries, [(25, 3, 2, 0), (5, 5, 20, 0)])
                      ).status_code == 303
    assert stop_and_count(staff, sitting_id).status_code == 303  # never rolls back for a missing date
    page = staff.get(f"/sittings/{sitting_id}").get_data(as_text=True)
    assert "待确定的新一轮期限" in page
    due = local_today() + timedelta(days=40)
    assert staff.post(f"/sittings/{sitting_id}/entries/{entries[1]}/deadline",
                      {"deadline": due.isoformat()}).status_code == 303
    with app.app_context():
        item = db.session.get(Item, items[1])
        assert item.round == 2 and item.deadline == due
    assert "待确定的新一轮期限" not in staff.get(f"/sittings/{sitting_id}").get_data(as_text=True)


def test_legacy_evaluations_become_one_entry_sittings(app, demo):
    """Migration 0010 on data written by the previous version: an online evaluation
    still open (counters and participants), a closed meeting one, a custom rule."""
    from flask_migrate import downgrade, upgrade
    items = accepted_items(app, 2)
    legacy_rule = {"key": "local", "name": "旧规则", "description": "旧说明", "denominator": "all_members",
                   "satisfied_share": "1/2", "pass_share": "1/2", "at_threshold_passes": True,
                   "require_quorum": True, "escalate_after_failed_rounds": 2,
                   "outcomes": {"satisfied": {"consequence": "close", "months": None, "next_meeting": False},
                                "basic": {"consequence": "close", "months": None, "next_meeting": False},
                                "unsatisfied": {"consequence": "redo", "months": 2, "next_meeting": False}}}
    with app.app_context():
        downgrade(directory="migrations", revision="0006")
        rule = json.dumps(legacy_rule, ensure_ascii=False)
        now = "2026-11-01 08:00:00"
        insert = sa.text(
            "INSERT INTO evaluation (item_id, round, mode, status, rule_key, rule, members_total, members_present, "
            "satisfied, basic, unsatisfied, invalid, result, consequence, opened_at, closed_at, published, version) "
            "VALUES (:item, 1, :mode, :status, 'local', :rule, :total, :present, :s, :b, :u, 0, :result, :cons, "
            ":now, :closed, false, 1)")
        db.session.execute(insert, {"item": items[0], "mode": "online", "status": "open", "rule": rule, "total": 5,
                                    "present": 0, "s": 2, "b": 1, "u": 0, "result": None, "cons": None,
                                    "now": now, "closed": None})
        db.session.execute(insert, {"item": items[1], "mode": "meeting", "status": "closed", "rule": rule,
                                    "total": 33, "present": 30, "s": 20, "b": 5, "u": 5, "result": "satisfied",
                                    "cons": "close", "now": now, "closed": now})
        open_id = db.session.scalar(sa.text("SELECT id FROM evaluation WHERE item_id = :i"), {"i": items[0]})
        for n in (1, 2, 3):
            db.session.execute(sa.text("INSERT INTO evaluation_participant VALUES (:e, :u)"),
                               {"e": open_id, "u": demo[f"reviewer{n}"]})
        db.session.execute(sa.text("INSERT INTO setting (key, value, updated_at) VALUES ('custom_rules', :v, :now)"),
                           {"v": json.dumps({"local": legacy_rule}, ensure_ascii=False), "now": now})
        db.session.execute(sa.text("UPDATE item SET stage = 'evaluating' WHERE id = :i"), {"i": items[0]})
        db.session.commit()
        upgrade(directory="migrations")
        db.session.remove()
        from tracker.services.settings import available_rules
        from tracker.tally import rule_from_dict
        assert available_rules()["local"].source == "旧说明"
        opened = db.session.scalar(sa.select(Evaluation).where(Evaluation.item_id == items[0]))
        closed = db.session.scalar(sa.select(Evaluation).where(Evaluation.item_id == items[1]))
        assert rule_from_dict(opened.rule).name == "旧规则" and closed.result is Grade.SATISFIED
        assert closed.result_source is ResultSource.COUNTED and closed.satisfied == 20
        assert db.session.get(Sitting, closed.sitting_id).status is SittingStatus.COUNTED
        grades = sorted(b.grade.value for b in db.session.scalars(sa.select(Ballot)))
        assert grades == ["basic", "satisfied", "satisfied"] and opened.satisfied == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SittingParticipant)) == 3
    # The migrated open evaluation counts from its ballots like any other: 2 满意 of 5 is
    # below half, 满意+基本满意 3 reaches it (the old rule's "at half passes" for both).
    staff = login_as(app, "staff")
    assert staff.post(f"/items/{items[0]}/evaluation/close", {"new_deadline": ""}).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Evaluation).where(Evaluation.item_id == items[0])).result \
            is Grade.BASIC


def test_sitting_pages_cost_the_same_queries_for_two_or_eight_reports(app, demo):
    from bench.querycount import page_queries
    staff, reviewer = login_as(app, "staff"), login_as(app, "reviewer1")
    counts = []
    for n in (2, 8):
        online = open_sitting(staff, accepted_items(app, n), title=f"网上测评 {n} 项")
        meeting = open_sitting(staff, accepted_items(app, n), mode="meeting", members_total="33",
                               title=f"表决器测评 {n} 项")
        pages = [(staff, f"/sittings/{online}"), (reviewer, f"/sittings/{online}/ballot"),
                 (staff, f"/sittings/{meeting}/tally"), (staff, "/sittings"), (reviewer, "/evaluations")]
        measured = [page_queries(app, client.http, path) for client, path in pages]
        assert all(status == 200 for status, _ in measured)
        counts.append([count for _, count in measured])
    assert counts[0] == counts[1]


def test_the_demo_has_a_counted_multi_report_sitting_with_its_notice(app):
    from tracker.demo import load_demo, load_demo_items
    with app.app_context():
        load_demo()
        load_demo_items()
        db.session.commit()
        sitting = db.session.scalar(sa.select(Sitting).where(Sitting.status == SittingStatus.COUNTED)
                                    .order_by(Sitting.id.desc()))
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)
                                 .where(Evaluation.sitting_id == sitting.id))
        assert rows == 4 and sitting.members_present == 29
    staff = login_as(app, "staff")
    notice = staff.get(staff.post(f"/sittings/{sitting.id}/notice").headers["Location"])
    table = Document(io.BytesIO(notice.data)).tables[0]
    assert [row.cells[-1].text for row in table.rows[1:]] == ["满意", "基本满意", "不满意", "满意"]
