"""The stage machine of an item: one transition table, and who may do what.

Every workflow change goes through :func:`check` (called by the operations in
``services``); templates ask :func:`can` to decide which buttons to show, so the page
and the server never disagree.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from .models import Item, Stage, User
from .models.item import urgency_of
from .visibility import is_unit_of


class Actor(enum.StrEnum):
    STAFF = "staff"  # 常委会工作人员 and admin
    LEAD_UNIT = "lead_unit"  # 牵头单位 user
    CO_UNIT = "co_unit"  # 协办单位 user
    REVIEWER = "reviewer"  # 测评人


class Action(enum.StrEnum):
    EDIT = "edit"
    RECORD_ANSWER = "record_answer"
    ASSIGN = "assign"
    ACKNOWLEDGE = "acknowledge"
    POST_PROGRESS = "post_progress"
    SUBMIT_REPORT = "submit_report"
    RETURN_REPORT = "return_report"
    ACCEPT_REPORT = "accept_report"
    OPEN_EVALUATION = "open_evaluation"
    VOTE = "vote"
    CLOSE_EVALUATION = "close_evaluation"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    URGE = "urge"
    SUPERVISE = "supervise"  # 提请主任会议挂牌督办
    UNSUPERVISE = "unsupervise"  # 解除挂牌督办
    ENTER_TALLY = "enter_tally"  # 录入会议表决器票数
    SET_PUBLISHED = "set_published"
    ISSUE_LETTER = "issue_letter"  # 制发督办函、测评结果通报
    WITHDRAW = "withdraw"  # 作废 an item entered by mistake
    CORRECT_ASSIGNMENT = "correct_assignment"  # 更正交办: units, deadline or text, with a reason
    RECORD_ITEM = "record_item"  # 录入询问问题/审议意见 (before there is an item)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.EDIT: "修改事项", Action.RECORD_ANSWER: "记录答复", Action.ASSIGN: "交办",
    Action.ACKNOWLEDGE: "签收", Action.POST_PROGRESS: "报送进展", Action.SUBMIT_REPORT: "提交整改情况报告",
    Action.RETURN_REPORT: "退回报告", Action.ACCEPT_REPORT: "受理报告", Action.OPEN_EVALUATION: "开启测评",
    Action.VOTE: "测评投票", Action.CLOSE_EVALUATION: "结束测评", Action.REQUEST_EXTENSION: "申请延期",
    Action.DECIDE_EXTENSION: "审批延期", Action.URGE: "催办/督办", Action.SUPERVISE: "挂牌督办",
    Action.UNSUPERVISE: "解除挂牌督办", Action.ENTER_TALLY: "录入表决票数", Action.SET_PUBLISHED: "设置公开",
    Action.ISSUE_LETTER: "制发公文", Action.RECORD_ITEM: "录入事项", Action.WITHDRAW: "作废",
    Action.CORRECT_ASSIGNMENT: "更正交办",
}


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Stage]
    targets: frozenset[Stage]  # empty: the stage does not change
    actors: frozenset[Actor]


def _t(action: Action, sources, targets, actors) -> Transition:
    return Transition(action, frozenset(sources), frozenset(targets), frozenset(actors))


S = Stage
OPEN_STAGES = [s for s in Stage if s.is_open]
UNIT_WORK = [S.ASSIGNED, S.RECTIFYING]

TRANSITIONS: dict[Action, Transition] = {t.action: t for t in [
    _t(Action.EDIT, [S.ASKED, S.ANSWERED], [], [Actor.STAFF]),
    _t(Action.RECORD_ANSWER, [S.ASKED, S.ANSWERED], [S.ANSWERED], [Actor.STAFF]),
    # 审议意见 are often assigned before any answer: the unit's 研究处理方案 is the answer.
    _t(Action.ASSIGN, [S.ASKED, S.ANSWERED], [S.ASSIGNED], [Actor.STAFF]),
    _t(Action.ACKNOWLEDGE, [S.ASSIGNED], [S.RECTIFYING], [Actor.LEAD_UNIT]),
    _t(Action.POST_PROGRESS, [S.RECTIFYING], [], [Actor.LEAD_UNIT, Actor.CO_UNIT]),
    _t(Action.SUBMIT_REPORT, [S.RECTIFYING], [S.REPORTED], [Actor.LEAD_UNIT]),
    _t(Action.RETURN_REPORT, [S.REPORTED], [S.RECTIFYING], [Actor.STAFF]),
    _t(Action.ACCEPT_REPORT, [S.REPORTED], [S.ACCEPTED], [Actor.STAFF]),
    _t(Action.OPEN_EVALUATION, [S.ACCEPTED], [S.EVALUATING], [Actor.STAFF]),
    _t(Action.VOTE, [S.EVALUATING], [], [Actor.REVIEWER]),
    # The tally decides which: 办结, or a new round of 改.
    _t(Action.CLOSE_EVALUATION, [S.EVALUATING], [S.CLOSED, S.RECTIFYING], [Actor.STAFF]),
    _t(Action.REQUEST_EXTENSION, UNIT_WORK, [], [Actor.LEAD_UNIT]),
    _t(Action.DECIDE_EXTENSION, [S.ASSIGNED, S.RECTIFYING, S.REPORTED], [], [Actor.STAFF]),
    _t(Action.URGE, [S.ASSIGNED, S.RECTIFYING, S.REPORTED], [], [Actor.STAFF]),
    _t(Action.SUPERVISE, OPEN_STAGES, [], [Actor.STAFF]),
    _t(Action.UNSUPERVISE, list(Stage), [], [Actor.STAFF]),
    _t(Action.ENTER_TALLY, [S.EVALUATING], [], [Actor.STAFF]),
    _t(Action.SET_PUBLISHED, list(Stage), [], [Actor.STAFF]),
    _t(Action.ISSUE_LETTER, list(Stage), [], [Actor.STAFF]),
    # Only before the unit has done anything: afterwards the matter is real and is closed honestly.
    _t(Action.WITHDRAW, [S.ASKED, S.ANSWERED, S.ASSIGNED], [S.WITHDRAWN], [Actor.STAFF]),
    # The stage stays: a wrong unit, date or wording is fixed without starting over.
    _t(Action.CORRECT_ASSIGNMENT, [S.ASSIGNED, S.RECTIFYING, S.REPORTED], [], [Actor.STAFF]),
]}
# Actions taken before there is an item to act on: only the role counts.
ROLE_ACTIONS: dict[Action, frozenset[Actor]] = {Action.RECORD_ITEM: frozenset({Actor.STAFF})}


class InvalidTransition(Exception):
    """The action is not possible now; the message is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(InvalidTransition):
    """The user's role or unit does not permit the action on this item."""


def actors_for(user: User, item: Item | None) -> set[Actor]:
    """The hats ``user`` wears towards ``item`` (without an item: staff or reviewer only)."""
    if not user.is_authenticated or not user.active:
        return set()
    if user.is_staff:
        return {Actor.STAFF}
    if user.is_reviewer:
        return {Actor.REVIEWER}
    if item is not None and is_unit_of(user, item):
        return {Actor.LEAD_UNIT} if item.lead_unit_id == user.unit_id else {Actor.CO_UNIT}
    return set()


def check_role(user: User, action: Action) -> None:
    """For an action with no item yet (``ROLE_ACTIONS``): may ``user``'s role do it?"""
    if not actors_for(user, None) & ROLE_ACTIONS[action]:
        raise NotAllowed(f"您无权{action.label}")


def can(user: User, item: Item, action: Action) -> bool:
    transition = TRANSITIONS[action]
    return item.stage in transition.sources and bool(actors_for(user, item) & transition.actors)


def check(user: User, item: Item, action: Action, target: Stage | None = None) -> Transition:
    """Raise with a Chinese explanation unless ``user`` may do ``action`` now."""
    transition = TRANSITIONS[action]
    if not actors_for(user, item) & transition.actors:
        raise NotAllowed(f"您无权对该事项执行“{action.label}”")
    if item.stage not in transition.sources:
        allowed = "、".join(s.label for s in Stage if s in transition.sources)
        raise InvalidTransition(
            f"事项当前为“{item.stage.label}”，不能{action.label}（仅在{allowed}时可以）")
    if target is not None and target not in transition.targets:
        raise InvalidTransition(f"“{action.label}”不能使事项进入“{target.label}”")
    return transition


def apply(user: User, item: Item, action: Action, target: Stage | None = None) -> Stage:
    """Check and move the item; the only place that assigns ``item.stage``."""
    transition = check(user, item, action, target)
    if target is None:
        if len(transition.targets) > 1:
            raise InvalidTransition(f"“{action.label}”需要指明结果")
        target = next(iter(transition.targets), item.stage)
    item.stage = target
    item.urgency = urgency_of(target)
    return target
