"""Closure in the figures: the dashboard's verdicts and 终止跟踪 per unit against figures worked
out by hand, deadlines, the demo data and the activity lists (split from ``test_closure.py``)."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
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
from tracker.services.closure import ClosureInput, VerdictInput, close_item
from tracker.tally import Grade

from .closure_support import vote_all
from .conftest import login_as
from .helpers import make_activity, make_item, text_of, user

# -- the dashboard, against figures worked out by hand ---------------------------------

def unit_cells(body: str, name: str) -> str:
    table = body.split('class="compact responsive verdict-figures"', 1)[1].split("</table>", 1)[0]
    row = re.search(rf'<tr[^>]*data-unit="{re.escape(name)}".*?</tr>', table, re.S).group(0)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())


def test_dashboard_verdicts_per_unit_and_terminated_not_done(app, demo):
    """区教育局: A 全部落实; B 部分落实 in round 1, then reopened and 基本落实 in round 2 (latest
    counts); C 未落实; D terminated without a verdict. 区卫生健康局: E 部分落实.
    So 区教育局 has 3 graded: 1 全部, 1 基本, 0 部分, 1 未; 落实率 2/3 = 66.7%; 1 终止跟踪.
    区卫生健康局: 1 graded, 1 部分; 0/1 = 0.0%. 合计: 4 graded, 1/1/1/1, 2/4 = 50.0%, 1 终止跟踪.
    按期办结率 of 区教育局: on time A, B, C (closed by deadline) = 3; due = 4 closed (D included) → 75.0%."""
    staff_user = user

    def graded(grade, reason=None, unit_name="区教育局"):
        item = make_item(stage="reported", unit_name=unit_name)
        ops.accept_report(item, staff_user("staff"), VerdictInput(grade, reason))
        ev.open_evaluation(item, EvaluationMode.ONLINE, 5, staff_user("staff"))
        vote_all(item, Grade.SATISFIED)
        return item

    with app.app_context():
        graded(VerdictGrade.FULL)
        b = graded(VerdictGrade.PARTLY, "一半完成")
        from tracker.services.closure import reopen_item
        reopen_item(b, "回头看发现承诺未兑现", user("staff"))
        ops.submit_report(b, "第二轮报告", [], user("unit_edu"))
        ops.accept_report(b, user("staff"), VerdictInput(VerdictGrade.MOSTLY))
        ev.open_evaluation(b, EvaluationMode.ONLINE, 5, user("staff"))
        vote_all(b, Grade.SATISFIED)
        graded(VerdictGrade.NONE, "未动工")
        d = make_item(stage="rectifying")
        close_item(d, ClosureInput(ClosureKind.TERMINATED, "上级统一部署取代", TerminationCause.SUPERSEDED),
                   user("staff"))
        graded(VerdictGrade.PARTLY, "仍在推进", unit_name="区卫生健康局")
        db.session.commit()
    body = login_as(app, "staff").get(f"/dashboard?year={local_today().year}").get_data(as_text=True)
    if local_today().month == 1 and local_today().day <= 10:  # the helpers' meetings are 10 days back
        body = login_as(app, "staff").get(f"/dashboard?year={local_today().year - 1}").get_data(as_text=True)
    assert unit_cells(body, "区教育局") == "区教育局 3 1 1 0 1 66.7% 2 / 3 1"
    assert unit_cells(body, "区卫生健康局") == "区卫生健康局 1 0 0 1 0 0.0% 0 / 1 0"
    assert unit_cells(body, "合计") == "合计 4 1 1 1 1 50.0% 2 / 4 1"
    unit_rows = body.split('class="compact responsive unit-figures"', 1)[1].split("</table>", 1)[0]
    edu = re.search(r"<tr>\s*<th scope=\"row\" data-label=\"牵头单位\">区教育局</th>.*?</tr>", unit_rows, re.S).group(0)
    on_time = re.search(r'data-label="按期办结率"><strong>([^<]+)</strong><br><small>(.*?)</small>', edu, re.S)
    assert on_time.group(1) == "75.0%"
    assert re.sub(r"<[^>]+>", "", on_time.group(2)).split() == ["3", "/", "4"]
    # Each figure opens exactly its items.
    staff = login_as(app, "staff")
    listed = text_of(staff.get(f"/items?year={local_today().year}&basis=terminated"))
    assert listed.count("终止跟踪（未落实）") >= 1 and "办结（已落实）" not in listed


def test_terminated_items_count_as_closed_for_deadlines_only(app, demo):
    """Closing an overdue item as 终止跟踪 removes it from 逾期 lists but not from the rate's denominator."""
    with app.app_context():
        item = make_item(stage="rectifying", deadline_days=1)
        item.deadline = item.original_deadline = local_today() - timedelta(days=3)
        close_item(item, ClosureInput(ClosureKind.TERMINATED, "其他", TerminationCause.OTHER), user("staff"))
        db.session.commit()
        from tracker.queries import BASES
        today = local_today()
        ids = lambda basis: set(db.session.scalars(sa.select(Item.id).where(BASES[basis][1](today))))  # noqa: E731
        assert item.id in ids("due") and item.id in ids("terminated")
        assert item.id not in ids("closed") and item.id not in ids("closed_on_time")


def test_demo_data_shows_verdicts_closures_lookbacks_and_a_reopened_item(app):
    from tracker.models import Lookback
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        partly = db.session.scalars(sa.select(Item).join(Verdict, Verdict.item_id == Item.id).where(
            Verdict.grade == VerdictGrade.PARTLY, Item.closure_kind == ClosureKind.PARTLY_TRACKED)).all()
        assert partly
        due = db.session.scalars(sa.select(Lookback).where(Lookback.finding.is_(None),
                                                           Lookback.due_on <= local_today())).all()
        assert any(lb.item_id in {i.id for i in partly} for lb in due)
        reopened = db.session.scalar(sa.select(Item).join(Lookback, Lookback.item_id == Item.id)
                                     .where(Lookback.reopened_round == 2))
        assert reopened.round == 2 and reopened.stage is Stage.RECTIFYING
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(
            Item.closure_kind == ClosureKind.TERMINATED)) >= 1
    staff = login_as(app, "staff")
    assert "已到期，待单位报送" in text_of(staff.get("/followup/lookbacks"))
    page = text_of(staff.get(f"/items/{reopened.id}"))
    assert "第 1 轮" in page and "第 2 轮" in page and "承诺未兑现" in page


def test_activity_lists_count_a_terminated_item_as_closed_but_not_done(app, demo):
    with app.app_context():
        activity = make_activity(title="关于校外培训治理的专题询问")
        make_item(activity, "closed")
        terminated = make_item(activity, "rectifying")
        close_item(terminated, ClosureInput(ClosureKind.TERMINATED, "并入全市统一平台", TerminationCause.SUPERSEDED),
                   user("staff"))
        db.session.commit()
        activity_id = activity.id
        item_ids = list(db.session.scalars(sa.select(Item.id).where(Item.activity_id == activity_id)))
    staff = login_as(app, "staff")
    staff.post(f"/activities/{activity_id}/publish", {"published": "1"})
    for item_id in item_ids:
        staff.post(f"/items/{item_id}/publish", {"published": "1"})
    for page in (app.test_client().get("/public/").get_data(as_text=True),
                 staff.get("/activities").get_data(as_text=True)):
        row = re.search(r"<tr>(?:(?!</tr>).)*关于校外培训治理的专题询问.*?</tr>", page, re.S).group(0)
        assert re.search(r'data-label="已办结">\s*1\s*<', row), row
    public = text_of(app.test_client().get(f"/public/activities/{activity_id}"))
    assert "终止跟踪（未落实）" in public and "办结（已落实）" in public
