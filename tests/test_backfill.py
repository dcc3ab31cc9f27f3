"""补录: a matter handled before the system is entered with its real dates — past
meetings, past deadlines, the real 交办/签收/受理/办结 — and marked 补录 in the history
with who entered it and when. Outside 补录 a past deadline is still refused."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.ledger.export import item_number
from tracker.models import Activity, ActivityKind, AuditAction, AuditEntry, EntryKind, Item, ProgressEntry, Stage
from tracker.services import OperationError
from tracker.services import activities as activity_ops
from tracker.services import items as ops
from tracker.services.backfill import PastFacts, backfill_item
from tracker.services.deadlines import assign_deadline

from .conftest import login_as
from .helpers import make_activity, unit, user
from .test_ledger_import import HEADERS, counts, problems, upload, xlsx


def _old_opinion(app) -> tuple[int, int]:
    """A 2018 审议意见 with one point, entered today."""
    with app.test_request_context():
        activity = activity_ops.create_activity(activity_ops.ActivityData(
            kind=ActivityKind.REPORT_REVIEW, title="审议区人民政府关于养老服务工作情况的报告", meeting_session=None,
            meeting_date=date(2018, 4, 20), report_title=None, target_organ="区人民政府", lead_committee_id=None,
            evaluation_rule_key="zhenhai", conveyed_on=date(2018, 5, 4)), user("staff"))
        item = ops.add_item(activity, ops.ItemData(origin=ops.Origin.OPINION, question="加快社区养老服务中心建设。",
                                                   ref="一"), user("staff"))
        db.session.commit()
        return activity.id, item.id


FACTS = {"assigned_on": "2018-05-04", "deadline": "2018-08-04", "acknowledged_on": "2018-05-07",
         "accepted_on": "2018-07-30", "closed_on": "2018-08-01", "result": "已建成社区养老服务中心12个，测评满意。"}


def test_a_2018_document_is_entered_with_its_real_history(app, demo):
    _, item_id = _old_opinion(app)
    staff = login_as(app, "staff")
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    assert f"/items/{item_id}/backfill" in page  # offered beside 交办
    form = staff.get(f"/items/{item_id}/backfill").get_data(as_text=True)
    assert "补录办理经过" in form
    with app.app_context():
        edu = unit("区民政局").id
        version = db.session.get(Item, item_id).version
    response = staff.post(f"/items/{item_id}/backfill", {**FACTS, "lead_unit_id": str(edu), "version": str(version)})
    assert response.status_code == 303
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert item.stage is Stage.CLOSED and item.closed_on_time is True
        assert item.deadline == item.original_deadline == date(2018, 8, 4)
        assert item.assigned_at.date() == date(2018, 5, 4) and item.closed_at.date() == date(2018, 8, 1)
        assert item.acknowledged_at.date() == date(2018, 5, 7)
        report = db.session.scalar(sa.select(ProgressEntry).where(ProgressEntry.item_id == item_id))
        assert report.kind is EntryKind.REPORT and report.text.startswith("已建成社区养老服务中心")
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.item_id == item_id,
                                                              AuditEntry.action == AuditAction.ITEM_BACKFILL.value))
        assert entry.summary.startswith("补录办理经过：交办 区民政局（2018-05-04），期限 2018-08-04")
        assert "办结 2018-08-01；按期办结" in entry.summary
        assert entry.actor_name == user("staff").display_name and entry.at.year >= 2026  # who entered it, and when
        assert entry.details["backfill"] is True and entry.details["closed_on"] == "2018-08-01"
    detail = staff.get(f"/items/{item_id}").get_data(as_text=True)
    assert "补录办理经过" in detail and "2018-08-01" in detail


@pytest.mark.parametrize(("change", "message"), [
    ({"closed_on": "2099-01-01"}, "办结日期是补录的历史，不能晚于今天"),
    ({"assigned_on": "2018-04-01"}, "交办日期不能早于会议日期 2018-04-20"),
    ({"acknowledged_on": "2018-05-01"}, "签收日期不能早于交办日期"),
    ({"deadline": "2018-05-01"}, "办理期限不能早于交办日期"),
    ({"result": ""}, "补录受理或办结时须填写办理结果"),
    ({"acknowledged_on": ""}, "填写受理日期时须填写签收日期"),
])
def test_untrue_or_contradictory_history_is_refused(app, demo, change, message):
    _, item_id = _old_opinion(app)
    staff = login_as(app, "staff")
    with app.app_context():
        lead = unit("区民政局").id
        version = db.session.get(Item, item_id).version
        before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    response = staff.post(f"/items/{item_id}/backfill",
                          {**FACTS, **change, "lead_unit_id": str(lead), "version": str(version)})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Item, item_id).stage is Stage.ASKED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_backfill_to_an_earlier_stage_and_overdue_closing(app, demo):
    _, item_id = _old_opinion(app)
    with app.test_request_context():
        item = db.session.get(Item, item_id)
        backfill_item(item, PastFacts(unit("区民政局").id, date(2018, 5, 4), date(2018, 8, 4),
                                      acknowledged_on=date(2018, 5, 8)), user("staff"), date(2026, 12, 1))
        assert item.stage is Stage.RECTIFYING and item.closed_at is None
        with pytest.raises(Exception, match="补录办理经过"):  # once, before the matter moved on
            backfill_item(item, PastFacts(unit("区民政局").id, date(2018, 5, 4), date(2018, 8, 4)), user("staff"))
    _, other = _old_opinion(app)
    with app.test_request_context():
        item = db.session.get(Item, other)
        backfill_item(item, PastFacts(unit("区民政局").id, date(2018, 5, 4), date(2018, 8, 4),
                                      acknowledged_on=date(2018, 5, 8), closed_on=date(2018, 10, 9),
                                      result="逾期完成。"), user("staff"), date(2026, 12, 1))
        assert item.stage is Stage.CLOSED and item.closed_on_time is False


def test_outside_backfill_a_past_deadline_is_refused_and_points_to_backfill(app, demo):
    _, item_id = _old_opinion(app)
    with app.test_request_context():
        item = db.session.get(Item, item_id)
        with pytest.raises(OperationError, match="办理期限必须晚于今天（已经过去的事项请用“补录办理经过”"):
            ops.assign_item(item, ops.Assignment(unit("区民政局").id, [], date(2018, 8, 4)), user("staff"))


def test_unit_users_cannot_backfill(app, demo):
    with app.test_request_context():
        activity = make_activity()
        item = ops.add_item(activity, ops.ItemData(origin=ops.Origin.QUESTION, question="问题",
                                                   asked_unit_id=unit("区教育局").id), user("staff"))
        ops.assign_item(item, ops.Assignment(unit("区教育局").id, [], date(2099, 1, 1)), user("staff"))
        db.session.commit()
        item_id = item.id
    assert login_as(app, "unit_edu").get(f"/items/{item_id}/backfill").status_code == 403
    assert login_as(app, "unit_health").get(f"/items/{item_id}/backfill").status_code == 404
    assert login_as(app, "staff").get(f"/items/{item_id}/backfill").status_code == 409  # already 交办'd


# -- the default deadline: from the document, the meeting or the promise, never from today --

def test_default_deadline_counts_from_the_document_not_from_today(app, demo):
    activity_id, item_id = _old_opinion(app)
    with app.test_request_context():
        item = db.session.get(Item, item_id)
        assert assign_deadline(item) == date(2018, 8, 4)  # 转达 2018-05-04 + 3 months
        activity = db.session.get(Activity, activity_id)
        activity.document_deadline = date(2018, 6, 30)
        assert assign_deadline(item) == date(2018, 6, 30)  # the document's own deadline wins
        activity.document_deadline = None
        item.commitments = "【承诺期限 2018-09-30】三季度末前建成\n【承诺期限 2018-12-31】年底前验收"
        assert assign_deadline(item) == date(2018, 12, 31)  # the last promised date
    staff = login_as(app, "staff")
    assert 'value="2018-08-04"' in staff.get(f"/activities/{activity_id}/assign").get_data(as_text=True)


# -- the Excel import in 补录 mode --

def _row(**extra):
    return {"监督活动名称": "审议区人民政府关于养老服务工作情况的报告", "会议日期": date(2018, 4, 20),
            "来源": "审议意见", "问题/意见内容": "加快社区养老服务中心建设。", "牵头单位": "区民政局",
            "办理期限": date(2018, 8, 4), **extra}


def test_import_refuses_past_dates_unless_backfill_is_chosen(app, demo):
    staff = login_as(app, "staff")
    data = xlsx([_row(交办日期=date(2018, 5, 4), 办结日期=date(2018, 8, 1), 办理结果="测评满意")], HEADERS)
    found = problems(upload(staff, data))
    assert ("第 2 行", "办理期限", "办理期限必须晚于今天（往年的事项请选择“补录”导入）") in found
    assert ("第 2 行", "交办日期", "只有选择“补录”导入时才能填写") in found
    without_date = problems(staff.post("/ledger/import", {"file": (io.BytesIO(xlsx([_row()], HEADERS)), "台账.xlsx"),
                                                          "step": "check", "backfill": "y"},
                                       content_type="multipart/form-data"))
    assert ("第 2 行", "交办日期", "办理期限已过：补录时请填写真实的交办日期") in without_date


def test_import_in_backfill_mode_enters_the_real_history(app, demo):
    staff = login_as(app, "staff")
    data = xlsx([_row(交办日期=date(2018, 5, 4), 签收日期=date(2018, 5, 7), 受理日期=date(2018, 7, 30),
                      办结日期=date(2018, 8, 1), 办理结果="已建成社区养老服务中心12个。")], HEADERS)
    before = counts(app)

    def post(step, digest=""):
        return staff.post("/ledger/import", {"file": (io.BytesIO(data), "台账.xlsx"), "step": step, "digest": digest,
                                             "backfill": "y"}, content_type="multipart/form-data")
    preview = post("check")
    assert "检查通过" in preview.get_data(as_text=True) and counts(app) == before
    assert re.search(r'<input checked[^>]*name="backfill"', preview.get_data(as_text=True))  # kept for the import
    assert post("import", hashlib.sha256(data).hexdigest()).status_code == 303
    with app.app_context():
        item = db.session.scalar(sa.select(Item).where(Item.question == "加快社区养老服务中心建设。"))
        assert item.stage is Stage.CLOSED and item.closed_on_time and item.closed_at.date() == date(2018, 8, 1)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.item_id == item.id, AuditEntry.action == AuditAction.ITEM_BACKFILL.value)) == 1


def test_ledger_number_is_the_documents_numbering():
    class Row:
        def __init__(self, ref, seq, parent_number=None):
            self.ref, self.seq, self.parent_number, self.activity_id = ref, seq, parent_number, 7
    assert item_number(Row("（一）", 5, "二")) == "二-（一）"
    assert item_number(Row("三", 8)) == "三"
    assert item_number(Row(None, 4)) == "4"  # no number in the document: the entry order, not "7-4"


def test_import_confirm_without_the_file_keeps_backfill_mode(app, demo):
    """Found while merging: 确认导入 of the kept file (no re-upload) re-checked it without 补录,
    so every past date was refused at the last step."""
    staff = login_as(app, "staff")
    staff.refresh_csrf("/ledger/import")
    data = xlsx([_row(交办日期=date(2018, 5, 4), 办结日期=date(2018, 8, 1), 办理结果="测评满意")], HEADERS)
    preview = staff.post("/ledger/import", {"file": (io.BytesIO(data), "台账.xlsx"), "step": "check",
                                            "backfill": "y"}, content_type="multipart/form-data")
    kept = preview.get_data(as_text=True).split('class="confirm-import"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'name="backfill"[^>]*value="1"|value="1"[^>]*name="backfill"', kept)
    done = staff.post("/ledger/import/confirm", {"digest": hashlib.sha256(data).hexdigest(), "backfill": "1"})
    assert done.status_code == 303
    with app.app_context():
        item = db.session.scalar(sa.select(Item).where(Item.question == "加快社区养老服务中心建设。"))
        assert item.stage is Stage.CLOSED and item.closed_at.date() == date(2018, 8, 1)
