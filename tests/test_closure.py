"""Staff verdicts, honest closure and reopening, each status change through the HTTP client."""
from __future__ import annotations

import io
import re

import openpyxl
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
    AuditEntry,
    Closure,
    ClosureKind,
    EvaluationMode,
    Item,
    Stage,
    TerminationCause,
    Verdict,
    VerdictGrade,
    local_today,
)
from tracker.services import evaluations as ev
from tracker.services import items as ops
from tracker.services import reports as report_ops
from tracker.services.closure import ClosureInput, VerdictInput, close_item
from tracker.services.deadlines import redo_deadline
from tracker.tally import Grade

from .closure_support import get, reported_item, vote_all
from .conftest import login_as
from .helpers import history, make_activity, make_item, text_of, user

# -- verdicts at 受理 -----------------------------------------------------------------

def test_item_page_accept_refuses_a_partial_verdict_without_reason_and_saves_nothing(app, demo):
    item_id = reported_item(app)
    staff = login_as(app, "staff")
    before = history(app)
    response = staff.post(f"/items/{item_id}/accept", {"grade": "partly", "reason": "  "})
    assert response.status_code == 200
    assert "落实评定理由：请写明理由" in text_of(response)
    assert history(app) == before
    assert get(app, item_id).stage is Stage.REPORTED
    response = staff.post(f"/items/{item_id}/accept", {"grade": "partly", "reason": "新校区尚未建成"})
    assert response.status_code == 303
    assert get(app, item_id).stage is Stage.ACCEPTED
    with app.app_context():
        verdict = db.session.scalar(sa.select(Verdict).where(Verdict.item_id == item_id))
        assert (verdict.round, verdict.grade, verdict.reason) == (1, VerdictGrade.PARTLY, "新校区尚未建成")
    page = text_of(staff.get(f"/items/{item_id}"))
    assert "落实评定：部分落实" in page and "新校区尚未建成" in page


def test_document_report_accept_grades_each_item_and_refuses_as_a_whole(app, demo):
    with app.app_context():
        activity = make_activity(title="审议区人民政府关于学前教育发展情况的报告")
        first, second = make_item(activity, "rectifying"), make_item(activity, "rectifying")
        report = report_ops.submit_report(activity, "现将研究处理情况报告如下。",
                                          [report_ops.ReportLine(first), report_ops.ReportLine(second)], [],
                                          user("unit_edu"))
        db.session.commit()
        ids, report_id = (first.id, second.id), report.id
    staff = login_as(app, "staff")
    before = history(app)
    bad = {f"verdict_{ids[0]}": "full", f"verdict_{ids[1]}": "none", f"verdict_reason_{ids[1]}": ""}
    response = staff.post(f"/reports/{report_id}/accept", bad)
    assert response.status_code == 200 and "落实评定理由：请写明理由" in text_of(response)
    assert history(app) == before
    assert {get(app, i).stage for i in ids} == {Stage.REPORTED}
    good = {**bad, f"verdict_reason_{ids[1]}": "经费未落实"}
    assert staff.post(f"/reports/{report_id}/accept", good).status_code == 303
    with app.app_context():
        grades = dict(db.session.execute(sa.select(Verdict.item_id, Verdict.grade)
                                         .where(Verdict.report_id == report_id)).all())
    assert grades == {ids[0]: VerdictGrade.FULL, ids[1]: VerdictGrade.NONE}
    page = text_of(staff.get(f"/reports/{report_id}"))
    assert "全部落实" in page and "未落实" in page and "经费未落实" in page


# -- closure by the vote, by staff, corrected ------------------------------------------

def test_a_passing_vote_closes_with_the_kind_the_verdict_gives(app, demo):
    with app.app_context():
        item = make_item(stage="reported")
        ops.accept_report(item, user("staff"), VerdictInput(VerdictGrade.PARTLY, "只完成一所学校"))
        ev.open_evaluation(item, EvaluationMode.ONLINE, 5, user("staff"))
        vote_all(item, Grade.SATISFIED)
        db.session.commit()
        item_id = item.id
    item = get(app, item_id)
    assert (item.stage, item.closure_kind) == (Stage.CLOSED, ClosureKind.PARTLY_TRACKED)
    staff = login_as(app, "staff")
    page = text_of(staff.get(f"/items/{item_id}"))
    assert "办结（部分落实，转入跟踪）" in page and "按测评结果满意，落实评定部分落实确定" in page
    assert "办结（部分落实，转入跟踪）" in text_of(staff.get("/items?stage=closed"))


def test_staff_terminate_needs_cause_reason_and_the_merged_item(app, demo):
    """并入其他事项办理 offers the other items of the activity and the linked earlier ones, by
    document number and title (``merge_targets``), and accepts nothing else: not the item
    itself, not a withdrawn one, not an unrelated item of another activity, not a typed code."""
    from tracker.services import search as search_ops
    from tracker.services.closure import merge_targets
    from tracker.services.corrections import withdraw_item
    with app.app_context():
        activity = make_activity()
        item, other = make_item(activity, stage="rectifying"), make_item(activity, stage="rectifying")
        gone = make_item(activity, stage="assigned")
        withdraw_item(gone, "重复录入", user("staff"))
        stranger, earlier = make_item(stage="rectifying"), make_item(stage="closed")
        search_ops.link_recurrence(item, earlier, user("staff"))
        db.session.commit()
        item_id, other_id, gone_id, stranger_id, earlier_id = item.id, other.id, gone.id, stranger.id, earlier.id
        other_heading = other.heading
        assert {t.id for t in merge_targets(item)} == {other_id, earlier_id}
    staff = login_as(app, "staff")
    offered = staff.get(f"/items/{item_id}?form=close_item").get_data(as_text=True)  # the form, opened
    assert f'<option value="{other_id}">{other_heading} ' in offered and f'<option value="{earlier_id}">' in offered
    assert f'<option value="{stranger_id}">' not in offered and f'<option value="{gone_id}">' not in offered
    before = history(app)
    merged = {"close-kind": "terminated", "close-cause": "merged", "close-reason": "已并入"}
    cases = [
        ({"close-kind": "terminated", "close-reason": "已并入"}, "终止原因：终止跟踪须选择原因"),
        (merged, "并入事项：请选择"),
        (merged | {"close-merged_into": "999-9"}, "并入事项：请从列表中选择"),
        (merged | {"close-merged_into": "１２"}, "并入事项：请从列表中选择"),
        *((merged | {"close-merged_into": str(target)}, "并入事项：请选择本事项并入的另一项事项")
          for target in (item_id, gone_id, stranger_id, 10 ** 17)),
        ({"close-kind": "terminated", "close-cause": "merged", "close-merged_into": str(other_id)}, "请写明理由"),
        ({"close-kind": "implemented", "close-cause": "other", "close-reason": "已完成"}, "终止原因：只有"),
    ]
    for data, message in cases:
        response = staff.post(f"/items/{item_id}/close", data)
        assert response.status_code == 200, data
        body = response.get_data(as_text=True)
        assert message in text_of(response), (data, message)
        if data.get("close-merged_into") == str(other_id):  # what was chosen is still chosen
            assert f'<option selected value="{other_id}">' in body or f'<option value="{other_id}" selected' in body
    assert history(app) == before and get(app, item_id).stage is Stage.RECTIFYING
    data = {"close-kind": "terminated", "close-cause": "merged", "close-merged_into": str(other_id),
            "close-reason": "与另一项同一问题，并入办理"}
    assert staff.post(f"/items/{item_id}/close", data).status_code == 303
    item = get(app, item_id)
    assert (item.stage, item.closure_kind, item.closed_on_time) == (Stage.CLOSED, ClosureKind.TERMINATED, None)
    with app.app_context():
        closure = db.session.scalar(sa.select(Closure).where(Closure.item_id == item_id))
        assert (closure.cause, closure.derived, closure.merged_into_id) == (TerminationCause.MERGED, False, other_id)
        said = db.session.scalars(sa.select(AuditEntry.summary).where(AuditEntry.item_id == item_id)).all()
        assert any(f"并入事项 {other_heading}" in text for text in said), said
    page = text_of(staff.get(f"/items/{item_id}"))
    assert "终止跟踪（未落实）" in page and "并入其他事项办理" in page
    # The unit hears of it, with the kind.
    unit_inbox = text_of(login_as(app, "unit_edu").get("/notifications"))
    assert "终止跟踪（未落实）" in unit_inbox


def test_the_closure_kind_can_be_corrected_with_a_reason(app, demo):
    with app.app_context():
        item = make_item(stage="closed")
        db.session.commit()
        item_id = item.id
    assert get(app, item_id).closure_kind is ClosureKind.IMPLEMENTED
    staff = login_as(app, "staff")
    response = staff.post(f"/items/{item_id}/closure", {"closure-kind": "partly_tracked", "closure-reason": ""})
    assert response.status_code == 200 and "办结/终止理由：请写明理由" in text_of(response)
    assert get(app, item_id).closure_kind is ClosureKind.IMPLEMENTED
    response = staff.post(f"/items/{item_id}/closure", {"closure-kind": "partly_tracked",
                                                        "closure-reason": "回访发现仍有两所学校超员"})
    assert response.status_code == 303
    assert get(app, item_id).closure_kind is ClosureKind.PARTLY_TRACKED
    timeline = text_of(staff.get(f"/items/{item_id}"))
    assert "办结类型由“办结（已落实）”更正为办结（部分落实，转入跟踪）" in timeline
    # A unit cannot correct it.
    unit = login_as(app, "unit_edu")
    assert unit.post(f"/items/{item_id}/closure", {"closure-kind": "implemented",
                                                   "closure-reason": "x"}).status_code == 403


# -- reopening by hand ---------------------------------------------------------------

def test_reopen_by_hand_starts_a_new_round_and_keeps_the_old_one(app, demo):
    with app.app_context():
        item = make_item(stage="closed")
        db.session.commit()
        item_id = item.id
    staff = login_as(app, "staff")
    before = history(app)
    response = staff.post(f"/items/{item_id}/reopen", {"reason": ""})
    assert response.status_code == 200 and "重新打开的理由：重新打开须写明理由" in text_of(response)
    assert history(app) == before and get(app, item_id).stage is Stage.CLOSED
    unit = login_as(app, "unit_edu")
    assert unit.post(f"/items/{item_id}/reopen", {"reason": "想重开"}).status_code == 403
    assert login_as(app, "unit_health").post(f"/items/{item_id}/reopen", {"reason": "x"}).status_code == 404
    assert staff.post(f"/items/{item_id}/reopen", {"reason": "群众反映问题复发"}).status_code == 303
    item = get(app, item_id)
    with app.app_context():
        expected = redo_deadline(db.session.get(Item, item_id), local_today())
    assert (item.stage, item.round, item.closure_kind, item.closed_at) == (Stage.RECTIFYING, 2, None, None)
    assert item.deadline == item.original_deadline == expected
    page = text_of(staff.get(f"/items/{item_id}"))
    assert "第 2 轮" in page and "第 1 轮" in page and "本轮办结（已落实）" in page
    assert "重新打开，进入第 2 轮整改" in page and "群众反映问题复发" in page
    assert "重新打开" in text_of(unit.get("/notifications"))


def test_reopened_item_can_be_closed_again_and_both_rounds_keep_their_closure(app, demo):
    with app.app_context():
        item = make_item(stage="closed")
        from tracker.services.closure import reopen_item
        reopen_item(item, "回头看发现反弹", user("staff"))
        close_item(item, ClosureInput(ClosureKind.IMPLEMENTED, "复查已整改到位"), user("staff"))
        db.session.commit()
        kinds = dict(db.session.execute(sa.select(Closure.round, Closure.kind)
                                        .where(Closure.item_id == item.id)).all())
    assert kinds == {1: ClosureKind.IMPLEMENTED, 2: ClosureKind.IMPLEMENTED}


# -- exports and public pages ----------------------------------------------------------

def test_ledger_export_has_the_closure_kind_and_reason(app, demo):
    with app.app_context():
        item = make_item(activity=make_activity(title="关于辖区调整后遗留问题的专题询问"), stage="rectifying")
        close_item(item, ClosureInput(ClosureKind.TERMINATED, "辖区调整后不再由本单位负责",
                                      TerminationCause.BEYOND_POWER), user("staff"))
        db.session.commit()
        key = ("关于辖区调整后遗留问题的专题询问", item.number)  # 序号 is the document's numbering, not unique
    sheet = openpyxl.load_workbook(io.BytesIO(login_as(app, "staff").get("/ledger/export").data)).active
    headers = [c.value for c in sheet[2]]
    where = headers.index("监督活动"), headers.index("序号")
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if (r[where[0]], r[where[1]]) == key)
    assert row[headers.index("阶段")] == "终止跟踪（未落实）"
    assert row[headers.index("办结类型")] == "终止跟踪（未落实）（超出承办单位职权）：辖区调整后不再由本单位负责"


def test_public_page_shows_verdict_and_closure_only_when_published(app, demo):
    with app.app_context():
        item = make_item(stage="reported")
        ops.accept_report(item, user("staff"), VerdictInput(VerdictGrade.MOSTLY))
        ev.open_evaluation(item, EvaluationMode.ONLINE, 5, user("staff"))
        vote_all(item, Grade.SATISFIED)
        db.session.commit()
        item_id, activity_id = item.id, item.activity_id
    anonymous = app.test_client()
    assert anonymous.get(f"/public/items/{item_id}").status_code == 404
    staff = login_as(app, "staff")
    assert staff.post(f"/activities/{activity_id}/publish", {"published": "1"}).status_code in (302, 303)
    assert staff.post(f"/items/{item_id}/publish", {"published": "1"}).status_code == 303
    page = text_of(anonymous.get(f"/public/items/{item_id}"))
    assert "落实评定：基本落实" in page and "办结（已落实）" in page
    assert "staff" not in page  # who graded is not public


def test_merge_targets_are_read_through_indexes(app, demo):
    """``merge_targets`` runs on every item page a staff member may close. Written as
    ``activity = ? OR id IN (linked)`` it made PostgreSQL read every item (1M items: 430 ms
    per item page, through a full index scan filtered row by row); as one id list it reads
    the activity's index and the links. (SQLite read the OR through two indexes already.)"""

    from tracker.services.closure import merge_targets
    with app.app_context():
        activity = make_activity()
        item, _other = make_item(activity, stage="rectifying"), make_item(activity, stage="rectifying")
        db.session.commit()
        captured = []

        def capture(_conn, _cursor, statement, params, _context, _many):
            captured.append((statement, params))
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            assert len(merge_targets(item)) == 1
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
        [(sql, params)] = [c for c in captured if "recurrence_link" in c[0]]
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        if db.engine.dialect.name == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a table of a few rows: the plan as at scale
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            # The activity is an index condition, not a filter tested on every item read.
            assert "Index Cond: (activity_id = " in plan and not re.search(r"Filter: .*activity_id = ", plan), plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(row[3] for row in cursor.fetchall())
            assert not re.search(r"\bSCAN item(?![\w])", plan), plan
        db.session.rollback()
