"""The stage machine of an item: one transition table, and who may do what.

Every workflow change goes through :func:`check` (called by the operations in
``services``); templates ask :func:`can` to decide which buttons to show, so the page
and the server never disagree.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from .models import DEADLINE_STAGES, Item, Stage, User
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
    BACKFILL = "backfill"  # 补录: a matter handled before the system, entered with its real dates
    RECORD_ITEM = "record_item"  # 录入询问问题/审议意见 (before there is an item)
    REQUEST_HANDBACK = "request_handback"  # 退办: the lead unit contests the assignment
    DECIDE_HANDBACK = "decide_handback"  # staff reassign (back to 待签收) or refuse
    DECLARE_DATE = "declare_date"  # 预计完成日期 stated by the lead unit once overdue
    MANAGE_COMMITMENTS = "manage_commitments"  # 承诺: add, confirm the date, set the status
    POST_COMMITMENT_EVIDENCE = "post_commitment_evidence"  # the unit's evidence that a promise is kept
    CLOSE_ITEM = "close_item"  # 办结 or 终止跟踪 by staff, with the kind and a reason
    SET_CLOSURE = "set_closure"  # 更正办结类型 of a closed item, with a reason
    REOPEN = "reopen"  # a closed item back to 整改 as a new round, with a reason
    SCHEDULE_LOOKBACK = "schedule_lookback"  # 安排回头看
    ANSWER_LOOKBACK = "answer_lookback"  # the unit's short update for a 回头看
    RECORD_LOOKBACK = "record_lookback"  # 记录回头看结论

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
    Action.CORRECT_ASSIGNMENT: "更正交办", Action.REQUEST_HANDBACK: "申请退办",
    Action.DECIDE_HANDBACK: "处理退办申请", Action.DECLARE_DATE: "填报预计完成日期",
    Action.BACKFILL: "补录办理经过", Action.MANAGE_COMMITMENTS: "管理承诺事项",
    Action.POST_COMMITMENT_EVIDENCE: "报送承诺兑现情况", Action.CLOSE_ITEM: "办结或终止跟踪",
    Action.SET_CLOSURE: "更正办结类型",
    Action.REOPEN: "重新打开（进入新一轮整改）", Action.SCHEDULE_LOOKBACK: "安排回头看",
    Action.ANSWER_LOOKBACK: "报送回头看情况", Action.RECORD_LOOKBACK: "记录回头看结论",
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
# From the answer on: a commitment comes from an answer, a report or the 审查意见.
COMMITMENT_STAGES = [s for s in Stage if s not in (S.ASKED, S.WITHDRAWN)]

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
    # 退办 while the unit holds the item (the window in working days is checked by the service).
    _t(Action.REQUEST_HANDBACK, UNIT_WORK, [], [Actor.LEAD_UNIT]),
    # Reassigning sends the item back to 待签收 for the new unit; refusing leaves the stage.
    _t(Action.DECIDE_HANDBACK, UNIT_WORK, [S.ASSIGNED], [Actor.STAFF]),
    # Only once overdue (checked by the service, from the light): 期限 X，承办单位预计 Y.
    _t(Action.DECLARE_DATE, sorted(DEADLINE_STAGES), [], [Actor.LEAD_UNIT]),
    # 补录 moves a not-yet-assigned item straight to where its real history left it
    # (交办 → 签收 → 受理 → 办结), each step with the date it really happened.
    _t(Action.BACKFILL, [S.ASKED, S.ANSWERED], [S.ASSIGNED, S.RECTIFYING, S.ACCEPTED, S.CLOSED], [Actor.STAFF]),
    # Promises outlive the vote: after 办结 they are still followed to their dates.
    _t(Action.MANAGE_COMMITMENTS, COMMITMENT_STAGES, [], [Actor.STAFF]),
    _t(Action.POST_COMMITMENT_EVIDENCE, [S.RECTIFYING, S.REPORTED, S.ACCEPTED, S.EVALUATING, S.CLOSED], [],
       [Actor.LEAD_UNIT, Actor.CO_UNIT]),
    # Honest closure without a vote: once the unit has the item, no report awaits review
    # (accept or return it first) and no vote is running (its tally decides, and the
    # closure kind can then be corrected).
    _t(Action.CLOSE_ITEM, [S.ASSIGNED, S.RECTIFYING, S.ACCEPTED], [S.CLOSED], [Actor.STAFF]),
    _t(Action.SET_CLOSURE, [S.CLOSED], [], [Actor.STAFF]),
    # 回头看 and reopening: only a closed item is looked back at or reopened.
    _t(Action.REOPEN, [S.CLOSED], [S.RECTIFYING], [Actor.STAFF]),
    _t(Action.SCHEDULE_LOOKBACK, [S.CLOSED], [], [Actor.STAFF]),
    _t(Action.ANSWER_LOOKBACK, [S.CLOSED], [], [Actor.LEAD_UNIT]),
    _t(Action.RECORD_LOOKBACK, [S.CLOSED], [], [Actor.STAFF]),
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
