"""回头看 through the HTTP client: scheduling (item and activity), the daily notice, the
unit's answer with evidence, the finding, and reopening from it."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
    ActivityKind,
    Attachment,
    Item,
    Lookback,
    LookbackFinding,
    Notification,
    Stage,
    local_today,
)
from tracker.models.base import to_local
from tracker.services.lookbacks import lookback_months
from tracker.workdays import add_months

from .conftest import login_as
from .helpers import history, make_activity, make_item, pdf_file, text_of, user


def closed_item(app, activity=None) -> tuple[int, object]:
    with app.app_context():
        item = make_item(activity=activity, stage="closed")
        db.session.commit()
        return item.id, to_local(item.closed_at).date()


def lookbacks(app, item_id: int) -> list[Lookback]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Lookback).where(Lookback.item_id == item_id).order_by(Lookback.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_lookback_date_before_closing_is_refused_and_nothing_saved(app, demo):
    item_id, closed_on = closed_item(app)
    staff = login_as(app, "staff")
    before = history(app)
    early = (closed_on - timedelta(days=1)).isoformat()
    response = staff.post(f"/items/{item_id}/lookbacks", {"due_on": early})
    assert response.status_code == 200
    assert f"回头看日期：不能早于办结日期 {closed_on:%Y-%m-%d}" in text_of(response)
    assert history(app) == before and lookbacks(app, item_id) == []


def test_without_a_date_the_lookback_is_n_months_after_closing_by_activity_kind(app, demo):
    secadmin = login_as(app, "secadmin")
    form = {f"{kind.value}__months": "6" for kind in ActivityKind} | {"inquiry__months": "3"}
    assert login_as(app, "staff").post("/settings/lookback", form).status_code == 403
    assert secadmin.post("/settings/lookback", form | {"inquiry__months": "0"}).status_code == 200
    assert secadmin.post("/settings/lookback", form).status_code == 303
    with app.app_context():
        assert lookback_months()[ActivityKind.INQUIRY] == 3
    item_id, closed_on = closed_item(app)  # the helpers' activity is a 专题询问
    staff = login_as(app, "staff")
    assert staff.post(f"/items/{item_id}/lookbacks", {"note": "看大班额是否反弹"}).status_code == 303
    [lookback] = lookbacks(app, item_id)
    assert lookback.due_on == add_months(closed_on, 3) and lookback.note == "看大班额是否反弹"
    # A second one while the first is pending is refused, naming the field.
    response = staff.post(f"/items/{item_id}/lookbacks", {"due_on": (closed_on + timedelta(days=5)).isoformat()})
    assert response.status_code == 200 and "回头看日期：本事项已安排" in text_of(response)
    assert "未到期" in text_of(staff.get("/followup/lookbacks?state=upcoming"))


def test_only_staff_schedule_and_another_unit_sees_nothing(app, demo):
    item_id, closed_on = closed_item(app)
    due = {"due_on": closed_on.isoformat()}
    assert login_as(app, "unit_edu").post(f"/items/{item_id}/lookbacks", due).status_code == 403
    assert login_as(app, "reviewer1").post(f"/items/{item_id}/lookbacks", due).status_code == 403
    assert login_as(app, "unit_health").post(f"/items/{item_id}/lookbacks", due).status_code == 404
    assert login_as(app, "unit_edu").get("/followup/lookbacks").status_code == 403
    assert lookbacks(app, item_id) == []


def test_the_whole_loop_due_notice_answer_finding_and_reopen(app, demo):
    from tracker.jobs.lookbacks import notify_due_lookbacks
    from tracker.jobs.remind import run_remind
    item_id, closed_on = closed_item(app)
    staff, unit = login_as(app, "staff"), login_as(app, "unit_edu")
    assert staff.post(f"/items/{item_id}/lookbacks", {"due_on": closed_on.isoformat()}).status_code == 303
    [lookback] = lookbacks(app, item_id)

    # Due: on the staff list; the daily job tells the lead unit once.
    assert "已到期，待单位报送" in text_of(staff.get("/followup/lookbacks"))
    with app.app_context():
        result = run_remind(local_today(), deliver_mail=False)
        assert result.lookbacks_due == 1 and "回头看到期通知 1 项" in result.summary()
        assert notify_due_lookbacks(local_today()) == 0  # a rerun the same day sends nothing
        told = db.session.scalars(sa.select(Notification.text).where(
            Notification.item_id == item_id, Notification.kind == "lookback")).all()
        assert len(told) == 1 and "回头看已到期" in told[0]

    # Another unit: 404; a co-unit-less reviewer: 404 for the answer too.
    path = f"/items/{item_id}/lookbacks/{lookback.id}/answer"
    assert login_as(app, "unit_health").post(path, {"text": "x"}).status_code == 404
    assert staff.post(path, {"text": "x"}).status_code == 403
    # Empty answer: refused, named, nothing saved.
    before = history(app)
    response = unit.post(path, {"text": " "})
    assert response.status_code == 200 and "请填写回头看情况" in text_of(response)
    assert history(app) == before
    # One limit for the box and the operation (a progress post's): over it, named; nothing saved.
    from tracker.limits import PROGRESS_TEXT
    response = unit.post(path, {"text": "巩" * (PROGRESS_TEXT + 1)})
    assert response.status_code == 200 and f"超过上限 {PROGRESS_TEXT:,} 字" in text_of(response)
    assert history(app) == before
    response = unit.post(path, {"text": "两所新校已投用，大班额清零。" * 800, "files": [pdf_file("验收报告.pdf")]},
                         content_type="multipart/form-data")
    assert response.status_code == 303
    [lookback] = lookbacks(app, item_id)
    assert lookback.entry_id and lookback.answered_at
    with app.app_context():
        assert db.session.scalar(sa.select(Attachment.filename).where(Attachment.entry_id == lookback.entry_id)) \
            == "验收报告.pdf"
    assert "单位已报送，待记录结论" in text_of(staff.get("/followup/lookbacks"))

    # The finding: reopen without a reason is refused and saves nothing.
    finding = f"/items/{item_id}/lookbacks/{lookback.id}/finding"
    assert unit.post(finding, {"finding": "consolidated"}).status_code == 403
    before = history(app)
    response = staff.post(finding, {"finding": "unkept", "reopen": "y", "reopen_reason": ""})
    assert response.status_code == 200 and "重新打开的理由：请写明理由" in text_of(response)
    assert history(app) == before and lookbacks(app, item_id)[0].finding is None
    response = staff.post(finding, {"finding": "unkept", "note": "新校投用但老校区仍超员", "reopen": "y",
                                    "reopen_reason": "承诺的消除大班额未兑现"})
    assert response.status_code == 303
    [lookback] = lookbacks(app, item_id)
    assert (lookback.finding, lookback.reopened_round) == (LookbackFinding.UNKEPT, 2)
    with app.app_context():
        item = db.session.get(Item, item_id)
        assert (item.stage, item.round, item.closure_kind) == (Stage.RECTIFYING, 2, None)
    page = text_of(staff.get(f"/items/{item_id}"))
    assert "结论： 承诺未兑现" in page or "结论：承诺未兑现" in page
    assert "已重新打开，进入第 2 轮整改" in page
    assert "承诺未兑现" in text_of(staff.get("/followup/lookbacks?state=done"))
    assert "重新打开" in text_of(unit.get("/notifications"))


def test_a_finding_without_reopening_leaves_the_item_closed(app, demo):
    item_id, closed_on = closed_item(app)
    staff = login_as(app, "staff")
    staff.post(f"/items/{item_id}/lookbacks", {"due_on": closed_on.isoformat()})
    [lookback] = lookbacks(app, item_id)
    finding = f"/items/{item_id}/lookbacks/{lookback.id}/finding"
    response = staff.post(finding, {})
    assert response.status_code == 200 and "回头看结论" in text_of(response)
    assert staff.post(finding, {"finding": "consolidated"}).status_code == 303
    with app.app_context():
        assert db.session.get(Item, item_id).stage is Stage.CLOSED
    assert lookbacks(app, item_id)[0].finding is LookbackFinding.CONSOLIDATED
    # Done: no second finding.
    response = staff.post(finding, {"finding": "rebound"})
    assert response.status_code == 200 and "该回头看已记录结论" in text_of(response)


def test_scheduling_a_whole_activity(app, demo):
    with app.app_context():
        activity = make_activity(title="关于养老服务的专题询问")
        db.session.commit()
        activity_id = activity.id
    with app.app_context():
        from tracker.models import Activity
        activity = db.session.get(Activity, activity_id)
        first, second = make_item(activity, "closed"), make_item(activity, "closed")
        open_one = make_item(activity, "rectifying")
        db.session.commit()
        ids = (first.id, second.id, open_one.id)
        closed_on = to_local(second.closed_at).date()
    staff = login_as(app, "staff")
    assert "安排回头看" in text_of(staff.get(f"/activities/{activity_id}"))
    before = history(app)
    response = staff.post(f"/activities/{activity_id}/lookbacks",
                          {"due_on": (closed_on - timedelta(days=1)).isoformat()})
    assert response.status_code == 303
    assert "回头看日期：不能早于办结日期" in text_of(staff.get(response.headers["Location"]))
    assert history(app) == before
    due = (closed_on + timedelta(days=30)).isoformat()
    assert staff.post(f"/activities/{activity_id}/lookbacks", {"due_on": due}).status_code == 303
    assert [len(lookbacks(app, i)) for i in ids] == [1, 1, 0]
    assert login_as(app, "unit_edu").post(f"/activities/{activity_id}/lookbacks", {"due_on": due}).status_code == 403


def test_the_daily_notice_tells_each_due_lookback_once_and_skips_reopened_items(app, demo):
    from tracker.jobs.lookbacks import notify_due_lookbacks
    from tracker.services.closure import reopen_item
    from tracker.services.lookbacks import schedule_lookback
    with app.app_context():
        activity = make_activity(title="关于托育服务的专题询问")
        items = [make_item(activity, "closed") for _ in range(3)]
        today = local_today()
        for item in items:
            schedule_lookback(item, to_local(item.closed_at).date(), None, user("staff"))
        later = make_item(activity, "closed")
        schedule_lookback(later, today + timedelta(days=30), None, user("staff"))  # not due yet
        reopen_item(items[2], "群众反映问题复发", user("staff"))  # no longer closed: not asked
        db.session.commit()
        assert notify_due_lookbacks(today) == 2
        assert notify_due_lookbacks(today) == 0
        told = db.session.scalars(sa.select(Notification.item_id).where(Notification.kind == "lookback")).all()
        assert sorted(set(told)) == sorted(i.id for i in items[:2])
        assert notify_due_lookbacks(today + timedelta(days=30)) == 1


def test_the_lookback_list_pages_instead_of_stopping_at_a_fixed_number(app, demo):
    """The list used to stop at 500 rows with nothing said; now every look-back due is
    reachable, a page at a time, with the count shown."""
    app.config["PAGE_SIZE"] = 3
    with app.app_context():
        activity = make_activity()
        staff_user = user("staff")
        for _ in range(5):
            item = make_item(activity=activity, stage="closed")
            db.session.flush()
            db.session.add(Lookback(item_id=item.id, round=item.round, due_on=local_today() - timedelta(days=1),
                                    scheduled_by_id=staff_user.id))
        db.session.commit()
    staff = login_as(app, "staff")
    first, second = (text_of(staff.get(f"/followup/lookbacks?state=due&page={n}")) for n in (1, 2))
    assert "共 5 项" in first and "第 1 / 2 页" in first and "第 2 / 2 页" in second
    assert first.count("已到期，待单位报送") == 3 and second.count("已到期，待单位报送") == 2
