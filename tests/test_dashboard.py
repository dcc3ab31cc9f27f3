"""Dashboard figures against values computed by hand on a small fixture, and every
figure's link against the staff list it opens."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import ActivityKind, EvaluationMode, local_today
from tracker.services import activities as activity_ops
from tracker.services import evaluations as ev
from tracker.services import items as ops
from tracker.tally import Grade

from .conftest import login_as
from .helpers import current_evaluation, make_item, unit, user

YEAR = 2024


def activity(title, meeting_date, committee="社会建设工作委员会"):
    return activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.REPORT_REVIEW, title=title, meeting_session=20, meeting_date=meeting_date,
        report_title=None, target_organ="区人民政府", lead_committee_id=unit(committee).id,
        evaluation_rule_key="zhenhai"), user("staff"))


def evaluate(item, grade, new_deadline=None):
    evaluation = current_evaluation(item)
    for i in range(1, 5):
        ev.cast_vote(evaluation, item, grade, user(f"reviewer{i}"))
    ev.close_evaluation(evaluation, item, user("staff"), new_deadline=new_deadline)


def second_round_satisfied(item):
    """Round 1 不满意 → 重新整改, then round 2 满意 and closed."""
    staff, lead = user("staff"), user("unit_edu")
    evaluate(item, Grade.UNSATISFIED)
    ops.submit_report(item, "第二轮整改情况报告。", [], lead)
    ops.accept_report(item, staff)
    ev.open_evaluation(item, EvaluationMode.ONLINE, 5, staff)
    evaluate(item, Grade.SATISFIED)


def utc(*args):
    return datetime(*args)


def build_fixture(app) -> dict:
    """Nine items in 2024 (eight in activity A of 社建委, one in B of 财经委) and one in 2023.

    Expected figures are worked out by hand in the tests below.
    """
    today = local_today()
    with app.app_context():
        a = activity("A 审议意见", date(YEAR, 2, 20))
        b = activity("B 审议意见", date(YEAR, 6, 20), committee="财政经济工作委员会")
        c = activity("C 审议意见", date(YEAR - 1, 6, 20))
        items = {
            1: make_item(a, "closed"),
            2: make_item(a, "evaluating"),
            3: make_item(a, "rectifying"),
            4: make_item(a, "assigned"),
            5: make_item(a, "rectifying", unit_name="区卫生健康局"),
            6: make_item(a, "evaluating", unit_name="区卫生健康局"),
            7: make_item(a, "asked", unit_name="区卫生健康局"),
            8: make_item(a, "evaluating"),
            9: make_item(b, "closed"),
            10: make_item(c, "closed"),
        }
        second_round_satisfied(items[2])
        evaluate(items[6], Grade.BASIC)  # zhenhai: 基本满意 closes the item
        times = {  # (assigned_at UTC, closed_at UTC, closed_on_time)
            # 2024-02-29 17:00 UTC is 1 March in China; 10 days to close.
            1: (utc(YEAR, 2, 29, 17), utc(YEAR, 3, 10, 17), True),
            2: (utc(YEAR, 3, 5, 2), utc(YEAR, 5, 4, 2), False),  # 60 days, late
            3: (utc(YEAR, 5, 10, 2), None, None),
            4: (utc(YEAR, 6, 15, 2), None, None),
            5: (utc(YEAR, 6, 20, 2), None, None),
            6: (utc(YEAR, 4, 1, 2), utc(YEAR, 4, 21, 2), True),  # 20 days
            8: (utc(YEAR, 2, 1, 2), None, None),
            9: (utc(YEAR, 7, 1, 2), utc(YEAR, 7, 4, 2), True),  # 3 days
        }
        for number, (assigned_at, closed_at, on_time) in times.items():
            item = items[number]
            item.assigned_at = assigned_at
            if closed_at:
                item.closed_at, item.closed_on_time = closed_at, on_time
        items[3].deadline = date(YEAR, 6, 30)  # red: overdue, still rectifying
        items[4].deadline = today + timedelta(days=1)  # yellow
        items[5].deadline = today + timedelta(days=60)  # green
        db.session.commit()
        return {"ids": {n: i.id for n, i in items.items()}, "edu": unit("区教育局").id,
                "health": unit("区卫生健康局").id, "shejian": unit("社会建设工作委员会").id}


@pytest.fixture
def fixture(app, demo):
    return build_fixture(app)


def text_of(fragment: str) -> str:
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
    return text.replace(" ）", "）")


def unit_row(body: str, name: str) -> str:
    table = body[body.index('class="compact responsive unit-figures"'):]
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        if f">{name}</th>" in row:
            return text_of(row)
    raise AssertionError(f"no row for {name}")


def test_per_unit_figures_match_hand_computed_values(app, fixture):
    staff = login_as(app, "staff")
    body = staff.get(f"/dashboard?year={YEAR}").get_data(as_text=True)
    # 区教育局 leads items 1,2,3,4,8,9: all assigned, 4 not acknowledged → 5/6;
    # closed 1,2,9 of which 1,9 on time, 3 open and overdue → 2/(3+1);
    # round-1 results 满意 (1), 不满意 (2), 满意 (9) → 2/3; item 8 still voting;
    # evaluations 满意,不满意,满意,满意 → 3/4 over items 1,2,9; round ≥ 2: item 2 → 1/3;
    # days (10 + 60 + 3) / 3 = 24.3.
    assert unit_row(body, "区教育局") == (
        "区教育局 6 83.3% 5 / 6 50.0% 2 / 4 66.7% 2 / 3 75.0% 3 / 4 次测评（涉及 3 项） 33.3% 1 / 3 24.3 天 3 项")
    # 区卫生健康局 leads 5 and 6 (7 is not assigned yet): 基本满意 is not 满意.
    assert unit_row(body, "区卫生健康局") == (
        "区卫生健康局 2 100.0% 2 / 2 100.0% 1 / 1 0.0% 0 / 1 0.0% 0 / 1 次测评（涉及 1 项） 0.0% 0 / 1 20.0 天 1 项")
    # All nine 2024 items, item 10 (2023) excluded: (10+60+20+3)/4 = 23.25.
    assert unit_row(body, "合计") == (
        "合计 9 87.5% 7 / 8 60.0% 3 / 5 50.0% 2 / 4 60.0% 3 / 5 次测评（涉及 4 项） 25.0% 1 / 4 23.2 天 4 项")
    assert "“合计”含尚未交办" in body


def test_committee_filter_excludes_other_committees_activities(app, fixture):
    staff = login_as(app, "staff")
    body = staff.get(f"/dashboard?year={YEAR}&committee={fixture['shejian']}").get_data(as_text=True)
    # Without item 9 (财经委): closed 1,2 → on time 1/(2+1); days (10+60)/2.
    assert unit_row(body, "区教育局") == (
        "区教育局 5 80.0% 4 / 5 33.3% 1 / 3 50.0% 1 / 2 66.7% 2 / 3 次测评（涉及 2 项） 50.0% 1 / 2 35.0 天 2 项")


def test_funnel_lights_and_months(app, fixture):
    staff = login_as(app, "staff")
    body = staff.get(f"/dashboard?year={YEAR}").get_data(as_text=True)
    labels = dict(re.findall(r'aria-label="([^"：]+)：(\d+) 件', body))
    assert labels == {"已录入": "9", "已交办": "8", "已签收": "7", "已完成测评": "4", "已办结": "4",
                      "红灯（逾期）": "1", "黄灯（临期）": "1", "绿灯（正常）": "1"}
    table = body[body.index('class="compact month-flow"'):]
    rows = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:3]]
    # 交办 by China-time month: Feb (item 8), Mar (1: 29 Feb 17:00 UTC, and 2), Apr (6), May (3), Jun (4, 5), Jul (9).
    assert rows[0] == "交办 0 1 2 1 1 2 1 0 0 0 0 0" + " 0" * (len(rows[0].split()) - 13)
    assert rows[1] == "办结 0 0 1 1 1 0 1 0 0 0 0 0" + " 0" * (len(rows[1].split()) - 13)
    assert "<svg" in body and "<script" not in body.split("</header>", 1)[1]


def test_a_terminated_item_is_not_counted_as_done_in_the_month_it_closed(app, fixture):
    """终止跟踪 closes an item without it being done: the dashboard says so of 办结, so its
    monthly 办结 row and that row's list must not count it either (they did)."""
    from tracker.models import ClosureKind, Item, TerminationCause
    from tracker.services import closure as closing
    with app.app_context():
        item = db.session.get(Item, fixture["ids"][5])
        closing.close_item(item, closing.ClosureInput(ClosureKind.TERMINATED, "超出职权范围。",
                                                      TerminationCause.BEYOND_POWER), user("staff"))
        item.closed_at = utc(YEAR, 8, 1, 2)
        db.session.commit()
    staff = login_as(app, "staff")
    body = staff.get(f"/dashboard?year={YEAR}").get_data(as_text=True)
    table = body[body.index('class="compact month-flow"'):]
    done = text_of(re.findall(r"<tr>(.*?)</tr>", table, re.S)[2])
    assert done.startswith("办结 0 0 1 1 1 0 1 0 0 ")  # August (the 8th month) still 0
    assert "共 0 项" in staff.get(f"/items?year={YEAR}&closed_in={YEAR}-08").get_data(as_text=True)


def test_every_figure_link_opens_a_list_of_the_same_count(app, fixture):
    staff = login_as(app, "staff")
    for query in (f"year={YEAR}", f"year={YEAR}&committee={fixture['shejian']}"):
        body = staff.get(f"/dashboard?{query}").get_data(as_text=True)
        links = {(html.unescape(href), int(count))
                 for href, count in re.findall(r'<a href="([^"]+)" data-count="(\d+)"', body)}
        links |= {(html.unescape(href), int(count))
                  for href, count in re.findall(r'href="([^"]+)" aria-label="[^"：]+：(\d+) 件', body)}
        assert len(links) > 40
        for href, count in links:
            assert href.startswith("/items?")
            listing = staff.get(href).get_data(as_text=True)
            assert f"共 {count} 项" in listing, (href, count)
            assert "统计口径" in listing or "basis" not in href


def test_list_keeps_and_describes_the_dashboard_filters(app, fixture):
    staff = login_as(app, "staff")
    body = staff.get(f"/items?year={YEAR}&lead={fixture['edu']}&basis=closed_on_time").get_data(as_text=True)
    assert "统计口径：牵头单位：区教育局；按期办结" in body
    assert '<input type="hidden" name="basis" value="closed_on_time">' in body
    assert "共 2 项" in body
    # Unknown values are ignored, never an error.
    assert staff.get("/items?basis=nope&light=blue&assigned_in=2024-13&lead=x").status_code == 200


def test_query_count_does_not_grow_with_data(app, fixture):
    staff = login_as(app, "staff")

    def count_queries() -> int:
        # Warm first: a change to an activity renews the per-process reference data
        # (services.refdata), which the first request after it reads once.
        assert staff.get(f"/dashboard?year={YEAR}").status_code == 200
        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert staff.get(f"/dashboard?year={YEAR}").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    before = count_queries()
    with app.app_context():
        extra = activity("D", date(YEAR, 9, 1), committee="财政经济工作委员会")
        for _ in range(4):
            make_item(extra, "closed", unit_name="区卫生健康局")
        db.session.commit()
    assert count_queries() == before


def test_dashboard_is_staff_only_and_ignores_bad_input(app, fixture):
    assert login_as(app, "unit_edu").get("/dashboard").status_code == 403
    assert login_as(app, "reviewer1").get("/dashboard").status_code == 403
    staff = login_as(app, "staff")
    for query in ("year=abc", "year=1999", "committee=99999", "committee=-1", "year=99999999999999"):
        assert staff.get(f"/dashboard?{query}").status_code == 200
    # An empty database still renders.
    assert staff.get("/dashboard?year=2030").status_code == 200
