"""The dashboard's figures stay exact: after a random sequence of real operations (fixed
seeds), every figure equals a recount done in plain Python from the rows.

The recount loops over ``Item``, ``Evaluation`` and ``Verdict`` objects and applies the
definitions of ``tracker.dashboard.stats`` by hand; it shares no SQL with the dashboard
(the lights come from ``lights.light_for``, the Python side of the light rule, which
``test_lights`` holds equal to the SQL side). "Time passing" is simulated the way the other
dashboard tests do it: some stored dates are moved back, so that deadlines run out and
items are assigned and closed in different months.
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, timedelta

import pytest
import sqlalchemy as sa

from tracker.dashboard.classes import answer_class_rows
from tracker.dashboard.months import month_list, monthly_flow
from tracker.dashboard.scope import Scope
from tracker.dashboard.stats import COUNTED, ListLinks, unit_rows
from tracker.extensions import db
from tracker.lights import light_for
from tracker.models import (
    Activity,
    ActivityKind,
    AnswerClass,
    ClosureKind,
    Evaluation,
    EvaluationMode,
    EvaluationStatus,
    Item,
    Origin,
    Stage,
    TerminationCause,
    Unit,
    Verdict,
    VerdictGrade,
    local_today,
)
from tracker.models.base import LOCAL_TZ
from tracker.services import OperationError, commitments, corrections
from tracker.services import activities as activity_ops
from tracker.services import closure as closing
from tracker.services import evaluations as ev
from tracker.services import items as ops
from tracker.tally import Grade
from tracker.workdays import Light
from tracker.workflow import InvalidTransition

from .conftest import login_as
from .helpers import current_evaluation, unit, user

UNITS = {"区教育局": "unit_edu", "区卫生健康局": "unit_health", "区民政局": None}  # 民政局: no account


def _activity(title: str, meeting: date, committee: str):
    return activity_ops.create_activity(activity_ops.ActivityData(
        kind=ActivityKind.REPORT_REVIEW, title=title, meeting_session=20, meeting_date=meeting, report_title=None,
        target_organ="区人民政府", lead_committee_id=unit(committee).id, evaluation_rule_key="zhenhai"), user("staff"))


def _lead_user(item: Item):
    names = {unit(name).id: account for name, account in UNITS.items()}
    account = names.get(item.lead_unit_id)
    return user(account) if account else None


class Operations:
    """The random walk: each step picks an item and an operation; a refused operation
    (wrong stage, no quorum, …) is rolled back to its savepoint and the walk goes on."""

    def __init__(self, rng: random.Random, activities: list, today: date):
        self.rng, self.activities, self.today = rng, activities, today
        self.staff = user("staff")
        self.items: list[Item] = []

    def step(self) -> None:
        rng = self.rng
        if not self.items or rng.random() < 0.12:
            name, args = "add", ()
        else:
            item = rng.choice(self.items)
            # Mostly the stage's next step, so items get far; else anything (often refused).
            name = rng.choice(self.NEXT.get(item.stage, self.CHOICES) if rng.random() < 0.6 else self.CHOICES)
            args = (item,)
        try:
            with db.session.begin_nested():
                getattr(self, name)(*args)
        except (OperationError, InvalidTransition):
            pass

    NEXT = {Stage.ASKED: ("answer", "assign"), Stage.ANSWERED: ("assign", "classify", "withdraw"),
            Stage.ASSIGNED: ("acknowledge", "close", "age"), Stage.RECTIFYING: ("report", "extend", "age", "close"),
            Stage.REPORTED: ("accept", "return_report"), Stage.ACCEPTED: ("evaluate", "close"),
            Stage.EVALUATING: ("evaluate",), Stage.CLOSED: ("reopen", "age", "age")}
    CHOICES = ("answer", "assign", "assign", "acknowledge", "report", "report", "return_report", "accept", "accept",
               "evaluate", "evaluate", "close", "reopen", "extend", "withdraw", "classify", "age", "age", "move",
               "regrade", "reschedule", "reschedule", "reschedule")

    def add(self) -> None:
        activity = self.rng.choice(self.activities)
        self.items.append(ops.add_item(activity, ops.ItemData(
            origin=Origin.QUESTION, question="城区学校大班额问题何时解决？", asker="张委员",
            asked_unit_id=unit("区教育局").id), self.staff))

    def answer(self, item: Item) -> None:
        ops.record_answer(item, ops.AnswerData("王局长", "局长", "今年新建两所学校。", None), self.staff)

    def assign(self, item: Item) -> None:
        lead = unit(self.rng.choice(list(UNITS)))
        ops.assign_item(item, ops.Assignment(lead.id, [], self.today + timedelta(days=self.rng.randint(1, 40))),
                        self.staff)

    def acknowledge(self, item: Item) -> None:
        ops.acknowledge(item, _lead_user(item) or self.staff)

    def report(self, item: Item) -> None:
        ops.submit_report(item, "已完成整改。", [], _lead_user(item) or self.staff)

    def return_report(self, item: Item) -> None:
        ops.return_report(item, "材料不全，请补充。", self.staff)

    def accept(self, item: Item) -> None:
        grade = self.rng.choice([None, *VerdictGrade])
        ops.accept_report(item, self.staff, closing.VerdictInput(grade, "依据整改报告评定。" if grade else None))

    def evaluate(self, item: Item) -> None:
        if item.stage is Stage.ACCEPTED:
            ev.open_evaluation(item, EvaluationMode.ONLINE, 5, self.staff)
            return
        evaluation = current_evaluation(item)
        for i in range(1, self.rng.randint(2, 5)):  # 1 to 4 of 5 members: sometimes no quorum
            ev.cast_vote(evaluation, item, self.rng.choice([Grade.SATISFIED, Grade.BASIC, Grade.UNSATISFIED]),
                         user(f"reviewer{i}"))
        new_deadline = self.today + timedelta(days=self.rng.randint(5, 60))
        ev.close_evaluation(evaluation, item, self.staff, new_deadline=new_deadline)

    def close(self, item: Item) -> None:
        if self.rng.random() < 0.5:
            given = closing.ClosureInput(ClosureKind.IMPLEMENTED, "已办结。")
        else:
            given = closing.ClosureInput(ClosureKind.TERMINATED, "超出职权范围。", TerminationCause.BEYOND_POWER)
        closing.close_item(item, given, self.staff)

    def reopen(self, item: Item) -> None:
        closing.reopen_item(item, "回头看发现反弹。", self.staff)

    def extend(self, item: Item) -> None:
        if item.deadline is None or _lead_user(item) is None:
            raise OperationError("no deadline or no account")
        request = ops.request_extension(item, "施工周期较长，申请延期。", item.deadline + timedelta(days=30),
                                        _lead_user(item))
        ops.decide_extension(item, request, self.rng.random() < 0.6, None, self.staff)

    def withdraw(self, item: Item) -> None:
        corrections.withdraw_item(item, "重复录入", self.staff)

    def classify(self, item: Item) -> None:
        cls = self.rng.choice([AnswerClass.A, AnswerClass.D])
        commitments.set_answer_class(item, cls, "暂不具备条件。" if cls is AnswerClass.D else None, self.staff)

    def move(self, item: Item) -> None:
        """The item passes to another lead unit (figures are kept per lead unit: both the
        unit it leaves and the one it joins must be counted again)."""
        if item.lead_unit_id is None:
            raise OperationError("not assigned")
        item.lead_unit_id = unit(self.rng.choice([u for u in UNITS if unit(u).id != item.lead_unit_id])).id

    def regrade(self, item: Item) -> None:
        """A verdict's grade corrected and nothing else: the item itself does not change, so
        its unit's figures must be renewed through the verdict (``Partitions``)."""
        verdict = db.session.scalar(sa.select(Verdict).where(Verdict.item_id == item.id)
                                    .order_by(Verdict.round.desc()).limit(1))
        if verdict is None:
            raise OperationError("no verdict")
        verdict.grade = self.rng.choice([g for g in VerdictGrade if g is not verdict.grade])

    def reschedule(self, item: Item) -> None:
        """The item's activity moves to the other year or to the other lead committee (figures
        are kept per lead unit: every unit with an item in that activity must be counted again,
        in the year it leaves and in the one it joins)."""
        activity = db.session.get(Activity, item.activity_id)
        if self.rng.random() < 0.5:
            year = local_today().year
            activity.meeting_date = date(year - 1 if activity.meeting_date.year == year else year, 3, 1)
        else:
            names = ["社会建设工作委员会", "财政经济工作委员会"]
            activity.lead_committee_id = unit(self.rng.choice(
                [n for n in names if unit(n).id != activity.lead_committee_id])).id

    def age(self, item: Item) -> None:
        """Time passes for one item: its dates move back by up to ~5 months."""
        days = timedelta(days=self.rng.randint(1, 150))
        if item.deadline is not None:
            item.deadline -= days
        for name in ("assigned_at", "acknowledged_at", "closed_at"):
            if getattr(item, name) is not None:
                setattr(item, name, getattr(item, name) - days)


# -- the recount, in plain Python ---------------------------------------------------------

def recount(year: int, committee_id: int | None, today: date) -> dict:
    activities = {a.id: a for a in db.session.scalars(sa.select(Activity))}
    evaluations, verdicts = defaultdict(list), defaultdict(list)
    for e in db.session.scalars(sa.select(Evaluation)):
        evaluations[e.item_id].append(e)
    for v in db.session.scalars(sa.select(Verdict)):
        verdicts[v.item_id].append(v)
    months = month_list(year, today)
    per_unit: dict = defaultdict(lambda: defaultdict(float))
    flow = {"assigned": dict.fromkeys(months, 0), "closed": dict.fromkeys(months, 0)}
    for item in db.session.scalars(sa.select(Item)):
        activity = activities[item.activity_id]
        if item.stage is Stage.WITHDRAWN or activity.meeting_date.year != year:
            continue
        if committee_id and activity.lead_committee_id != committee_id:
            continue
        c = per_unit[item.lead_unit_id]
        c["total"] += 1
        closed = [e for e in evaluations[item.id] if e.status is EvaluationStatus.CLOSED]
        done = item.stage is Stage.CLOSED and item.closure_kind is not ClosureKind.TERMINATED
        light = light_for(item, today)
        latest = max(verdicts[item.id], key=lambda v: v.round, default=None)
        facts = {
            "assigned": item.assigned_at is not None,
            "acknowledged": item.acknowledged_at is not None,
            "closed": done,
            "closed_on_time": done and item.closed_on_time is True,
            "terminated": item.stage is Stage.CLOSED and item.closure_kind is ClosureKind.TERMINATED,
            "due": item.stage is Stage.CLOSED or light is Light.RED,
            "evaluated": bool(closed),
            "first_closed": any(e.round == 1 for e in closed),
            "first_satisfied": any(e.round == 1 and e.result is Grade.SATISFIED for e in closed),
            "satisfied": any(e.result is Grade.SATISFIED for e in closed),
            "rerectified": item.round >= 2,
            "verdicted": latest is not None,
            "verdict_done": latest is not None and latest.grade in (VerdictGrade.FULL, VerdictGrade.MOSTLY),
            **{f"verdict_{g.value}": latest is not None and latest.grade is g for g in VerdictGrade},
            **{f"light_{x.value}": light is x for x in (Light.RED, Light.YELLOW, Light.GREEN)},
            **{f"stage_{s.value}": item.stage is s for s in Stage},
            **{f"class_{a.value}": item.answer_class is a for a in AnswerClass},
            "unclassed": item.answer_class is None,
        }
        for key, value in facts.items():
            c[key] += int(value)
        c["evals_closed"] += len(closed)
        c["evals_satisfied"] += sum(e.result is Grade.SATISFIED for e in closed)
        if done and item.assigned_at is not None:
            c["days_n"] += 1
            c["days_sum"] += (item.closed_at - item.assigned_at).total_seconds() / 86400
        # The 办结 row counts what the 办结 figures count: a 终止跟踪 item is closed, not done.
        for kind, at in (("assigned", item.assigned_at), ("closed", item.closed_at if done else None)):
            if at is not None:
                month = f"{at.replace(tzinfo=UTC).astimezone(LOCAL_TZ):%Y-%m}"  # stored as naive UTC
                if month in flow[kind]:
                    flow[kind][month] += 1
    return {"units": per_unit, "flow": flow}


def _row_facts(row) -> dict:
    facts = {"total": row.total, **row.counts, "evals_closed": row.evals_closed,
             "evals_satisfied": row.evals_satisfied, "days_n": row.days_n}
    facts.update({f"light_{k}": v for k, v in row.lights.items()})
    facts.update({f"stage_{k}": v for k, v in row.stages.items()})
    return facts


def _expected_facts(counted: dict) -> dict:
    keys = ["total", *COUNTED, "evals_closed", "evals_satisfied", "days_n",
            *(f"light_{x.value}" for x in (Light.RED, Light.YELLOW, Light.GREEN)), *(f"stage_{s.value}" for s in Stage)]
    return {key: int(counted.get(key, 0)) for key in keys}


def assert_dashboard_matches(app, year: int, committee_id: int | None, today: date | None = None) -> None:
    today = today or local_today()
    # A context of its own, as a new request has: the kept figures are used when unchanged.
    with app.app_context(), app.test_request_context():
        scope = Scope(year, committee_id)
        rows, total = unit_rows(scope, today)
        months, opened, closed = monthly_flow(scope, ListLinks(scope), today)
        class_rows, class_total = answer_class_rows(scope)
        expected = recount(year, committee_id, today)
    units = expected["units"]
    assert [r.unit_id for r in rows] == [u for u in sorted(units, key=_unit_order) if u is not None]
    for row in rows:
        assert _row_facts(row) == _expected_facts(units[row.unit_id]), row.name
        assert row.days_sum == pytest.approx(units[row.unit_id]["days_sum"], rel=1e-6, abs=1e-6)
    everything = defaultdict(float)
    for counted in units.values():
        for key, value in counted.items():
            everything[key] += value
    assert _row_facts(total) == _expected_facts(everything)
    assert total.days_sum == pytest.approx(everything["days_sum"], rel=1e-6, abs=1e-6)
    assert {m: f.count for m, f in zip(months, opened, strict=True)} == expected["flow"]["assigned"]
    assert {m: f.count for m, f in zip(months, closed, strict=True)} == expected["flow"]["closed"]
    classes = {r.unit_id: ([r.counts[a] for a in AnswerClass], r.unclassed) for r in class_rows}
    assert classes == {lead: ([int(c[f"class_{a.value}"]) for a in AnswerClass], int(c["unclassed"]))
                       for lead, c in units.items()}
    assert ([class_total.counts[a] for a in AnswerClass], class_total.unclassed) == (
        [int(everything[f"class_{a.value}"]) for a in AnswerClass], int(everything["unclassed"]))


def _unit_order(unit_id):
    found = db.session.get(Unit, unit_id) if unit_id else None
    return (found.sort_order, found.name) if found else (0, "")


@pytest.mark.parametrize("seed", [1, 2, 4, 5])
def test_figures_equal_a_python_recount_after_random_operations(app, demo, seed):
    rng = random.Random(seed)
    today = local_today()
    year = today.year
    with app.app_context():
        activities = [_activity("A 审议意见", date(year, 1, 1), "社会建设工作委员会"),
                      _activity("B 审议意见", date(year, 1, 1), "财政经济工作委员会"),
                      _activity("C 审议意见", date(year - 1, 6, 20), "社会建设工作委员会")]
        walk = Operations(rng, activities, today)
        shejian = unit("社会建设工作委员会").id
        scopes = [(year, None), (year, shejian), (year - 1, None)]
        # The kept figures hold no day (the lights come from kept deadlines), so the days
        # take turns too: yesterday's kept result must count today's lights.
        days = [today, today + timedelta(days=6), today + timedelta(days=31), today]
        for step in range(120):
            walk.step()
            # The figures are kept between changes (``services.versioned``): compared after
            # every operation, a change that did not renew them shows at once. The scopes
            # take turns, so each is kept across several changes (an activity's move from
            # one year or committee to the other renews both).
            db.session.commit()
            assert_dashboard_matches(app, *scopes[step % 3], days[step % 4])
        db.session.commit()
        stages = {item.stage for item in walk.items}
    # The walk must have reached the interesting states, or the comparison proves little.
    assert {Stage.CLOSED, Stage.RECTIFYING} <= stages and len(stages) >= 4, stages
    with app.app_context():
        assert_dashboard_matches(app, year, None)
        assert_dashboard_matches(app, year, shejian)
        assert_dashboard_matches(app, year - 1, None)
    # And the page shows them: it renders, and its 合计 count is the recount's.
    body = login_as(app, "staff").get(f"/dashboard?year={year}").get_data(as_text=True)
    with app.app_context():
        total = int(sum(c["total"] for c in recount(year, None, today)["units"].values()))
    assert f'data-count="{total}">{total}</a>' in body
