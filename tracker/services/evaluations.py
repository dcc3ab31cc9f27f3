"""满意度测评: open, vote (secret), enter meeting tallies, close and act on the result."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    Activity,
    AuditAction,
    EntryKind,
    Evaluation,
    EvaluationMode,
    EvaluationParticipant,
    EvaluationStatus,
    Item,
    ProgressEntry,
    ReviewStatus,
    Role,
    Stage,
    User,
    local_today,
    utcnow,
)
from ..models.base import to_local
from ..tally import Grade, Tally, TallyError, decide, rule_from_dict, rule_to_dict, should_escalate
from ..workdays import add_months
from ..workflow import Action, apply, check
from . import OperationError
from .audit import record
from .deadlines import redo_deadline
from .followup import supervise_item
from .settings import get_rule

GRADE_COLUMNS = {Grade.SATISFIED: "satisfied", Grade.BASIC: "basic", Grade.UNSATISFIED: "unsatisfied"}


def eligible_reviewer_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == Role.REVIEWER, User.active.is_(True))) or 0


def open_evaluation(item: Item, mode: EvaluationMode, members_total: int | None, actor: User,
                    rule_key: str | None = None) -> Evaluation:
    apply(actor, item, Action.OPEN_EVALUATION)
    report = db.session.scalar(sa.select(ProgressEntry.id).where(
        ProgressEntry.item_id == item.id, ProgressEntry.round == item.round,
        ProgressEntry.kind == EntryKind.REPORT, ProgressEntry.review_status == ReviewStatus.ACCEPTED,
    ).order_by(ProgressEntry.id.desc()).limit(1))
    if mode is EvaluationMode.ONLINE:
        members_total = members_total or eligible_reviewer_count()
    if not members_total or members_total < 1:
        raise OperationError("请填写全体组成人员数（至少 1 人）")
    activity = db.session.get(Activity, item.activity_id)
    rule = get_rule(rule_key or activity.evaluation_rule_key)
    evaluation = Evaluation(item_id=item.id, round=item.round, report_entry_id=report, mode=mode,
                            rule_key=rule.key, rule=rule_to_dict(rule), members_total=members_total,
                            opened_by_id=actor.id)
    db.session.add(evaluation)
    db.session.flush()
    record(AuditAction.EVALUATION_OPEN, f"开启第 {item.round} 轮满意度测评（{mode.label}，规则：{rule.name}，"
           f"组成人员 {members_total} 人）", object_type="evaluation", object_id=evaluation.id, item_id=item.id,
           actor=actor)
    return evaluation


def has_voted(evaluation: Evaluation, user: User) -> bool:
    return db.session.get(EvaluationParticipant, (evaluation.id, user.id)) is not None


def cast_vote(evaluation: Evaluation, item: Item, grade: Grade | None, actor: User) -> None:
    """One secret ballot. ``grade`` None is a ballot with no valid grade (无效票).

    The counter is incremented in SQL so concurrent votes never overwrite each other,
    and the participant row has a composite primary key, so a double vote fails in the
    database even if two requests race past the check.
    """
    check(actor, item, Action.VOTE)
    if not evaluation.is_open or evaluation.mode is not EvaluationMode.ONLINE:
        raise OperationError("该测评不接受网上投票")
    if has_voted(evaluation, actor):
        raise OperationError("您已参加本轮测评，每人只能投一次，且不能修改")
    try:
        with db.session.begin_nested():
            db.session.add(EvaluationParticipant(evaluation_id=evaluation.id, user_id=actor.id))
    except IntegrityError:
        raise OperationError("您已参加本轮测评，每人只能投一次，且不能修改") from None
    column = GRADE_COLUMNS[grade] if grade else "invalid"
    # "AND status = open" is re-checked after any row lock the closing request holds, so
    # a vote can never land in a round whose result has already been counted.
    counted = db.session.execute(
        sa.update(Evaluation).where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.OPEN)
        .values({column: getattr(Evaluation, column) + 1})
        .execution_options(synchronize_session=False)).rowcount
    if counted != 1:
        raise OperationError("本轮测评已经结束，投票未计入")
    db.session.expire(evaluation)
    # The history says that this reviewer took part, never how they voted.
    record(AuditAction.EVALUATION_VOTE, "参加满意度测评（无记名）", object_type="evaluation", object_id=evaluation.id,
           item_id=item.id, actor=actor)


def enter_tally(evaluation: Evaluation, item: Item, counts: dict[str, int], actor: User) -> None:
    """Meeting votes on voting devices: staff enter the totals while the round is open."""
    check(actor, item, Action.ENTER_TALLY)
    if not evaluation.is_open or evaluation.mode is not EvaluationMode.MEETING:
        raise OperationError("只有进行中的会议测评可以录入票数")
    try:
        Tally(**counts)
    except TallyError as error:
        raise OperationError(str(error))
    for key, value in counts.items():
        setattr(evaluation, key, value)
    summary = ("录入会议表决结果：满意 {satisfied}、基本满意 {basic}、不满意 {unsatisfied}、无效 {invalid}，"
               "实到 {members_present}/{members_total}").format(**counts)
    record(AuditAction.EVALUATION_TALLY, summary, object_type="evaluation", object_id=evaluation.id, item_id=item.id,
           actor=actor)


def participant_count(evaluation: Evaluation) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationParticipant).where(
        EvaluationParticipant.evaluation_id == evaluation.id)) or 0


def current_tally(evaluation: Evaluation) -> Tally:
    present = evaluation.members_present
    if evaluation.mode is EvaluationMode.ONLINE:
        # Online, the reviewers who took part are the ones present.
        present = participant_count(evaluation)
    return Tally(members_total=evaluation.members_total, members_present=present, satisfied=evaluation.satisfied,
                 basic=evaluation.basic, unsatisfied=evaluation.unsatisfied, invalid=evaluation.invalid)


def _reported_on_time(evaluation: Evaluation, item: Item, today: date) -> bool:
    """On time means the unit's accepted report came in by the deadline: the committee's
    own scheduling of the vote must not count against the unit."""
    if item.deadline is None:
        return True
    report = db.session.get(ProgressEntry, evaluation.report_entry_id) if evaluation.report_entry_id else None
    reported_on = to_local(report.created_at).date() if report else today
    return reported_on <= item.deadline


def failed_rounds(item: Item) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation).where(
        Evaluation.item_id == item.id, Evaluation.status == EvaluationStatus.CLOSED,
        Evaluation.consequence.is_not(None), Evaluation.consequence != "close")) or 0


def close_evaluation(evaluation: Evaluation, item: Item, actor: User, new_deadline: date | None = None,
                     today: date | None = None) -> Evaluation:
    """Count, decide by the rule snapshot taken at opening, and move the item on.

    A result that is not 办结 opens round N+1 of 改 with a new deadline (from the rule
    or given by staff). The counts and the result are final: nothing edits them later.
    """
    today = today or local_today()
    check(actor, item, Action.CLOSE_EVALUATION)
    # Lock the row (PostgreSQL; SQLite already holds the write lock) so no vote is
    # counted between reading the tally and storing the result.
    db.session.execute(sa.select(Evaluation.id).where(Evaluation.id == evaluation.id).with_for_update())
    db.session.refresh(evaluation)
    if not evaluation.is_open or evaluation.item_id != item.id or evaluation.round != item.round:
        raise OperationError("该测评已结束")
    try:
        tally = current_tally(evaluation)
    except TallyError as error:
        raise OperationError(str(error))
    rule = rule_from_dict(evaluation.rule)
    decision = decide(tally, rule)
    if decision.grade is None:
        raise OperationError(f"测评无效，未能结束：{decision.reason}。请补充投票或重新录入票数。")
    outcome = decision.outcome
    if not decision.closes:
        if new_deadline is None and outcome.months:
            new_deadline = add_months(today, outcome.months)
        if new_deadline is None and not outcome.next_meeting:
            new_deadline = redo_deadline(item, today)  # the activity kind's 重新整改 rule
        if new_deadline is None:
            raise OperationError("该结果须在下次常委会会议上重新报告，请填写新的办理期限（下次会议前）")
        if new_deadline <= today:
            raise OperationError("新的办理期限必须晚于今天")
    evaluation.members_present = tally.members_present
    evaluation.status = EvaluationStatus.CLOSED
    evaluation.result = decision.grade.value
    evaluation.consequence = outcome.consequence.value
    evaluation.decision_reason = decision.reason
    evaluation.closed_at, evaluation.closed_by_id = utcnow(), actor.id
    counts = (f"满意 {tally.satisfied}、基本满意 {tally.basic}、不满意 {tally.unsatisfied}、无效 {tally.invalid}，"
              f"实到 {tally.members_present}/{tally.members_total}")
    if decision.closes:
        apply(actor, item, Action.CLOSE_EVALUATION, Stage.CLOSED)
        item.closed_at = utcnow()
        item.closed_on_time = _reported_on_time(evaluation, item, today)
        summary = f"第 {item.round} 轮测评结果：{decision.grade.label}（{counts}），事项办结"
    else:
        apply(actor, item, Action.CLOSE_EVALUATION, Stage.RECTIFYING)
        evaluation.new_deadline = new_deadline
        item.round += 1
        item.deadline = item.original_deadline = new_deadline
        summary = (f"第 {item.round - 1} 轮测评结果：{decision.grade.label}（{counts}），{outcome.consequence.label}，"
                   f"进入第 {item.round} 轮，期限 {new_deadline:%Y-%m-%d}")
    record(AuditAction.EVALUATION_CLOSE, summary, object_type="evaluation", object_id=evaluation.id, item_id=item.id,
           actor=actor, details={"rule": rule.key, "reason": decision.reason})
    if decision.failed and not item.supervised:
        failed = failed_rounds(item)
        if should_escalate(rule, failed):
            supervise_item(item, f"连续 {failed} 轮测评未通过，提请主任会议挂牌督办", None)
    return evaluation
