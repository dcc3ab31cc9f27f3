"""满意度测评 through the operations and pages: presets on real figures, quorum, secrecy."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import AuditEntry, Ballot, Evaluation, EvaluationMode, SittingParticipant, Stage, local_today
from tracker.services import OperationError
from tracker.services import evaluations as ev
from tracker.tally import Grade

from .conftest import login_as
from .helpers import current_evaluation, make_activity, make_item, user


def _meeting_round(rule: str, counts: dict, new_deadline=None):
    staff = user("staff")
    item = make_item(make_activity(rule=rule), stage="accepted")
    evaluation = ev.open_evaluation(item, EvaluationMode.MEETING, 33, staff)
    ev.enter_tally(evaluation, item, {"members_total": 33, **counts}, staff)
    ev.close_evaluation(evaluation, item, staff, new_deadline=new_deadline)
    return item, evaluation


@pytest.mark.parametrize("rule, counts, grade, stage, months", [
    ("zhenhai", dict(members_present=29, satisfied=20, basic=6, unsatisfied=2, invalid=1), "satisfied", "closed", None),
    ("zhenhai", dict(members_present=29, satisfied=15, basic=10, unsatisfied=3, invalid=1), "basic", "closed", None),
    ("zhenhai", dict(members_present=29, satisfied=10, basic=5, unsatisfied=13, invalid=1), "unsatisfied",
     "rectifying", 2),
    # 石泉县 has two grades: 15 满意 of 33 is not more than half, so 不满意; the deadline rule decides.
    ("shiquan", dict(members_present=29, satisfied=15, basic=0, unsatisfied=13, invalid=1), "unsatisfied",
     "rectifying", None),
    ("anhui2013", dict(members_present=29, satisfied=15, basic=10, unsatisfied=3, invalid=1), "satisfied", "closed",
     None),
])
def test_presets_on_realistic_figures(app_ctx, demo, rule, counts, grade, stage, months):
    item, evaluation = _meeting_round(rule, counts)
    assert evaluation.result == grade and item.stage.value == stage
    if months:
        from tracker.workdays import add_months
        assert item.round == 2 and item.deadline == add_months(local_today(), months)
    elif stage == "rectifying":
        from tracker.services.deadlines import redo_deadline
        assert item.round == 2 and item.deadline == redo_deadline(item)
    assert evaluation.rule["key"] == rule


def test_anhui_unsatisfied_next_meeting_counts_and_asks_for_the_date_afterwards(app_ctx, demo):
    from tracker.services.counting import set_followup_deadline
    counts = dict(members_present=29, satisfied=5, basic=5, unsatisfied=18, invalid=1)
    item, evaluation = _meeting_round("anhui2013", counts)  # counting never rolls back for a missing date
    assert evaluation.result == "unsatisfied" and item.round == 2 and item.deadline is None
    set_followup_deadline(evaluation, local_today() + timedelta(days=45), user("staff"))
    assert item.deadline == evaluation.new_deadline == local_today() + timedelta(days=45)
    with pytest.raises(OperationError, match="已经确定"):
        set_followup_deadline(evaluation, local_today() + timedelta(days=50), user("staff"))
    item, evaluation = _meeting_round("anhui2013", counts, new_deadline=local_today() + timedelta(days=60))
    assert evaluation.result == "unsatisfied" and evaluation.consequence == "redo"
    assert item.deadline == local_today() + timedelta(days=60)


def test_no_quorum_is_refused_when_the_attendance_is_entered(app_ctx, demo):
    staff = user("staff")
    item = make_item(stage="accepted")
    evaluation = ev.open_evaluation(item, EvaluationMode.MEETING, 33, staff)
    with pytest.raises(OperationError, match="实到16人，未超过全体组成人员33人的半数（16.5），不足法定人数"):
        ev.enter_tally(evaluation, item, {"members_total": 33, "members_present": 16, "satisfied": 16, "basic": 0,
                                          "unsatisfied": 0, "invalid": 0}, staff)
    assert evaluation.is_open and item.stage is Stage.EVALUATING


def test_impossible_tally_is_refused_in_chinese(app_ctx, demo):
    staff = user("staff")
    item = make_item(stage="accepted")
    evaluation = ev.open_evaluation(item, EvaluationMode.MEETING, 33, staff)
    counts = {"members_total": 33, "members_present": 29, "satisfied": 20, "basic": 10, "unsatisfied": 0,
              "invalid": 0}
    with pytest.raises(OperationError, match="超过实到人数 29（相差 1）"):
        ev.enter_tally(evaluation, item, counts, staff)
    with pytest.raises(OperationError, match="超过全体组成人员数"):
        ev.enter_tally(evaluation, item, {**counts, "members_present": 34}, staff)
    # A published table with a typo: accepted once staff confirm it, and counted as published.
    ev.enter_tally(evaluation, item, counts, staff, confirm_unbalanced=True)
    ev.close_evaluation(evaluation, item, staff)
    assert evaluation.result == "satisfied" and evaluation.unbalanced_confirmed


def test_online_nobody_voting_is_unsatisfied_only_with_quorum(app_ctx, demo):
    staff = user("staff")
    item = make_item(stage="accepted")
    evaluation = ev.open_evaluation(item, EvaluationMode.ONLINE, None, staff)
    assert evaluation.members_total == 5  # the five active reviewers
    with pytest.raises(OperationError, match="法定人数"):
        ev.close_evaluation(evaluation, item, staff)
    for i in (1, 2, 3):
        ev.cast_vote(evaluation, item, None, user(f"reviewer{i}"))  # three blank ballots
    ev.close_evaluation(evaluation, item, staff)
    assert evaluation.invalid == 3 and evaluation.result is Grade.UNSATISFIED and item.round == 2


def test_two_failed_rounds_flag_the_item_for_the_council(app_ctx, demo):
    staff = user("staff")
    item = make_item(stage="accepted")
    for round_number in (1, 2):
        evaluation = ev.open_evaluation(item, EvaluationMode.MEETING, 33, staff)
        ev.enter_tally(evaluation, item, {"members_total": 33, "members_present": 30, "satisfied": 1, "basic": 1,
                                          "unsatisfied": 28, "invalid": 0}, staff)
        ev.close_evaluation(evaluation, item, staff)
        assert item.supervised is (round_number == 2)
        if round_number == 1:
            from tracker.services import items as ops
            unit_user = user("unit_edu")
            ops.submit_report(item, "再次报告", [], unit_user)
            ops.accept_report(item, staff)
    assert item.round == 3
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.item_id == item.id)).all()
    assert actions.count("item.supervise") == 1


def test_ballot_secrecy_nothing_links_a_reviewer_to_a_grade(app, demo):
    with app.app_context():
        item = make_item(stage="evaluating")
        item_id = item.id
        db.session.commit()
    grades = {"reviewer1": "satisfied", "reviewer2": "unsatisfied"}
    for username, grade in grades.items():
        assert login_as(app, username).post(f"/items/{item_id}/evaluation/vote", {"grade": grade}).status_code == 303
    with app.app_context():
        # Participation: only (sitting, user). Ballots: only (key, sitting, entry, grade).
        assert {c.name for c in SittingParticipant.__table__.columns} == {"sitting_id", "user_id"}
        assert {c.name for c in Ballot.__table__.columns} == {"key", "sitting_id", "evaluation_id", "grade"}
        # Nothing is written to the history in the vote's own transaction, and no counter moves.
        assert not db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("%vote%"))).all()
        evaluation = current_evaluation(db.session.get(__import__("tracker").models.Item, item_id))
        assert (evaluation.satisfied, evaluation.unsatisfied) == (0, 0)
        assert sorted(b.grade.value for b in db.session.scalars(sa.select(Ballot))) == ["satisfied", "unsatisfied"]
    # While open, no page shows running counts, and units never see reviewer names.
    staff_page = login_as(app, "staff").get(f"/items/{item_id}").get_data(as_text=True)
    assert "已有 2 人参加" in staff_page and "满意 1" not in staff_page
    unit_page = login_as(app, "unit_edu").get(f"/items/{item_id}").get_data(as_text=True)
    assert "张伟" not in unit_page and "刘洋" not in unit_page


def test_vote_once_and_not_after_close(app, demo):
    with app.app_context():
        item = make_item(stage="closed")
        item_id = item.id
        db.session.commit()
    reviewer = login_as(app, "reviewer5")
    response = reviewer.post(f"/items/{item_id}/evaluation/vote", {"grade": "satisfied"})
    assert response.status_code == 409 and "测评中" in response.get_data(as_text=True)
    with app.app_context():
        evaluation = db.session.scalar(sa.select(Evaluation).where(Evaluation.item_id == item_id))
        assert evaluation.satisfied == 4  # unchanged


def test_results_are_final_tally_cannot_be_entered_after_close(app, demo):
    with app.app_context():
        item = make_item(stage="closed")
        item_id = item.id
        db.session.commit()
    staff = login_as(app, "staff")
    response = staff.post(f"/items/{item_id}/evaluation/tally", {
        "members_total": "5", "members_present": "5", "satisfied": "0", "basic": "0", "unsatisfied": "5",
        "invalid": "0"})
    assert response.status_code == 409


def test_reviewer_sees_open_evaluations_and_other_roles_cannot_vote(app, demo):
    with app.app_context():
        item = make_item(stage="evaluating")
        item_id = item.id
        db.session.commit()
    page = login_as(app, "reviewer3").get("/evaluations").get_data(as_text=True)
    assert "城区学校大班额问题" in page and "第 1 轮满意度测评" in page and "去测评" in page
    for username in ("staff", "unit_edu"):
        response = login_as(app, username).post(f"/items/{item_id}/evaluation/vote", {"grade": "satisfied"})
        assert response.status_code == 403
    assert Grade.SATISFIED.label == "满意"


def test_racing_double_vote_is_refused_by_the_database_not_a_500(app_ctx, demo, monkeypatch):
    """Two requests of one reviewer can both pass the "already voted?" check; the
    participant primary key must turn the second into a clear refusal."""
    from tracker.services import ballots
    item = make_item(stage="evaluating")
    evaluation = current_evaluation(item)
    monkeypatch.setattr(ballots, "has_voted", lambda *args: False)
    ev.cast_vote(evaluation, item, Grade.SATISFIED, user("reviewer1"))
    with pytest.raises(OperationError, match="只能投一次"):
        ev.cast_vote(evaluation, item, Grade.UNSATISFIED, user("reviewer1"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 1


def test_vote_arriving_after_voting_stopped_is_not_counted(app_ctx, demo):
    """The request saw the sitting open, but it was stopped before its ballot was written."""
    from tracker.models import Sitting
    item = make_item(stage="evaluating")
    evaluation = current_evaluation(item)
    sitting = db.session.get(Sitting, evaluation.sitting_id)
    db.session.execute(sa.update(Sitting).where(Sitting.id == sitting.id).values(status="stopped")
                       .execution_options(synchronize_session=False))
    assert sitting.is_open  # what the request had read
    with pytest.raises(OperationError, match="已停止投票"):
        ev.cast_vote(evaluation, item, Grade.SATISFIED, user("reviewer2"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0
