"""The stage machine as a matrix: every stage × action × role, allowed or refused.

The expected table is written out here by hand from the domain (not derived from the
code), so a change to the transition table that nobody meant shows up as a failure.
"""
from __future__ import annotations

import itertools

import pytest

from tracker.models import Item, Role, Stage, Unit, UnitKind, User
from tracker.visibility import can_view
from tracker.workflow import Action, InvalidTransition, NotAllowed, apply, can, check

EDU, HEALTH, OTHER = 10, 11, 12
ROLES = ["admin", "secadmin", "auditor", "staff", "lead_unit", "co_unit", "other_unit", "reviewer"]

# (action, role) -> stages in which it is allowed
EXPECTED = {
    (Action.EDIT, "staff"): {"asked", "answered"},
    (Action.RECORD_ANSWER, "staff"): {"asked", "answered"},
    (Action.ASSIGN, "staff"): {"asked", "answered"},
    (Action.ACKNOWLEDGE, "lead_unit"): {"assigned"},
    (Action.POST_PROGRESS, "lead_unit"): {"rectifying"},
    (Action.POST_PROGRESS, "co_unit"): {"rectifying"},
    (Action.SUBMIT_REPORT, "lead_unit"): {"rectifying"},
    (Action.RETURN_REPORT, "staff"): {"reported"},
    (Action.ACCEPT_REPORT, "staff"): {"reported"},
    (Action.OPEN_EVALUATION, "staff"): {"accepted"},
    (Action.VOTE, "reviewer"): {"evaluating"},
    (Action.CLOSE_EVALUATION, "staff"): {"evaluating"},
    (Action.REQUEST_EXTENSION, "lead_unit"): {"assigned", "rectifying"},
    (Action.DECIDE_EXTENSION, "staff"): {"assigned", "rectifying", "reported"},
    (Action.URGE, "staff"): {"assigned", "rectifying", "reported"},
    (Action.SUPERVISE, "staff"): {s.value for s in Stage if s not in (Stage.CLOSED, Stage.WITHDRAWN)},
    (Action.UNSUPERVISE, "staff"): {s.value for s in Stage},
    (Action.ENTER_TALLY, "staff"): {"evaluating"},
    (Action.SET_PUBLISHED, "staff"): {s.value for s in Stage},
    (Action.ISSUE_LETTER, "staff"): {s.value for s in Stage},
    (Action.WITHDRAW, "staff"): {"asked", "answered", "assigned"},
    (Action.CORRECT_ASSIGNMENT, "staff"): {"assigned", "rectifying", "reported"},
    (Action.REQUEST_HANDBACK, "lead_unit"): {"assigned", "rectifying"},
    (Action.DECIDE_HANDBACK, "staff"): {"assigned", "rectifying"},
    (Action.DECLARE_DATE, "lead_unit"): {"assigned", "rectifying", "reported"},
    (Action.BACKFILL, "staff"): {"asked", "answered"},
    # 承诺 are followed from the answer on, and after 办结 until they are kept.
    (Action.MANAGE_COMMITMENTS, "staff"): {s.value for s in Stage if s not in (Stage.ASKED, Stage.WITHDRAWN)},
    (Action.POST_COMMITMENT_EVIDENCE, "lead_unit"): {"rectifying", "reported", "accepted", "evaluating", "closed"},
    (Action.POST_COMMITMENT_EVIDENCE, "co_unit"): {"rectifying", "reported", "accepted", "evaluating", "closed"},
    (Action.CLOSE_ITEM, "staff"): {"assigned", "rectifying", "accepted"},
    (Action.SET_CLOSURE, "staff"): {"closed"},
    (Action.REOPEN, "staff"): {"closed"},
    (Action.SCHEDULE_LOOKBACK, "staff"): {"closed"},
    (Action.ANSWER_LOOKBACK, "lead_unit"): {"closed"},
    (Action.RECORD_LOOKBACK, "staff"): {"closed"},
}
# 三员分立: no administrator runs the workflow, sees an item or votes (none is in EXPECTED).


def make_user(role: str) -> User:
    mapping = {"admin": (Role.ADMIN, None), "secadmin": (Role.SECURITY, None), "auditor": (Role.AUDITOR, None),
               "staff": (Role.STAFF, None), "lead_unit": (Role.UNIT, EDU),
               "co_unit": (Role.UNIT, HEALTH), "other_unit": (Role.UNIT, OTHER), "reviewer": (Role.REVIEWER, None)}
    user_role, unit_id = mapping[role]
    return User(id=1, username=role, display_name=role, role=user_role, unit_id=unit_id, active=True,
                password_hash="x", session_token="t")


def make_item(stage: Stage) -> Item:
    item = Item(id=1, activity_id=1, seq=1, question="q", stage=stage, round=1, lead_unit_id=EDU)
    item.co_units = [Unit(id=HEALTH, name="区卫生健康局", kind=UnitKind.GOVERNMENT)]
    return item


ITEM_ACTIONS = [a for a in Action if a is not Action.RECORD_ITEM]


@pytest.mark.parametrize("stage, action, role", list(itertools.product(Stage, ITEM_ACTIONS, ROLES)))
def test_transition_matrix(stage, action, role):
    user, item = make_user(role), make_item(stage)
    expected = stage.value in EXPECTED.get((action, role), set())
    assert can(user, item, action) is expected
    if expected:
        check(user, item, action)
    else:
        with pytest.raises(InvalidTransition) as error:
            check(user, item, action)
        assert error.value.message  # a Chinese explanation, never empty
        if not any(role == r for (a, r) in EXPECTED if a == action):
            assert isinstance(error.value, NotAllowed)


@pytest.mark.parametrize("stage", list(Stage))
def test_visibility(stage):
    item = make_item(stage)
    assert can_view(make_user("staff"), item)
    assert not any(can_view(make_user(admin), item) for admin in ("admin", "secadmin", "auditor"))
    assert can_view(make_user("lead_unit"), item) and can_view(make_user("co_unit"), item)
    assert not can_view(make_user("other_unit"), item)
    assert can_view(make_user("reviewer"), item) is (stage in (Stage.EVALUATING, Stage.CLOSED))


def test_apply_moves_to_the_single_target_and_needs_a_choice_when_there_are_two():
    staff = make_user("staff")
    item = make_item(Stage.REPORTED)
    assert apply(staff, item, Action.ACCEPT_REPORT) is Stage.ACCEPTED
    item = make_item(Stage.EVALUATING)
    with pytest.raises(InvalidTransition, match="需要指明结果"):
        apply(staff, item, Action.CLOSE_EVALUATION)
    with pytest.raises(InvalidTransition):
        apply(staff, item, Action.CLOSE_EVALUATION, Stage.ASKED)
    assert apply(staff, item, Action.CLOSE_EVALUATION, Stage.RECTIFYING) is Stage.RECTIFYING


def test_refusal_message_names_the_stage_in_chinese():
    with pytest.raises(InvalidTransition, match="事项当前为“已办结”，不能受理报告"):
        check(make_user("staff"), make_item(Stage.CLOSED), Action.ACCEPT_REPORT)
    with pytest.raises(NotAllowed, match="无权"):
        check(make_user("co_unit"), make_item(Stage.RECTIFYING), Action.SUBMIT_REPORT)


def test_inactive_user_can_do_nothing():
    user = make_user("staff")
    user.active = False
    assert not can(user, make_item(Stage.ASKED), Action.ASSIGN)


@pytest.mark.parametrize("role", ROLES)
def test_recording_an_item_is_for_staff_only(role):
    from tracker.workflow import check_role
    if role == "staff":  # 三员分立: no administrator records items
        check_role(make_user(role), Action.RECORD_ITEM)
    else:
        with pytest.raises(NotAllowed, match="无权录入事项"):
            check_role(make_user(role), Action.RECORD_ITEM)
