"""Counting a stopped sitting: decide every entry by the rule snapshot, move each item on.

Counting never rolls back for a missing follow-up deadline: a failed entry takes the
rule's months, or the activity kind's 重新整改 deadline rule, or (for "在下次常委会会议
上重新报告") stays without a deadline until staff set one (``set_followup_deadline``).
The only refusal is a void vote (no quorum, nothing to count), which says so and
computes nothing else.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    AuditAction,
    Evaluation,
    EvaluationMode,
    EvaluationStatus,
    Item,
    ProgressEntry,
    ResultSource,
    Sitting,
    SittingStatus,
    Stage,
    User,
    local_today,
    utcnow,
)
from ..models.base import to_local
from ..tally import Consequence, Decision, Grade, Rule, Tally, TallyError, decide, rule_from_dict, should_escalate
from ..workdays import add_months
from ..workflow import Action, apply, check
from . import OperationError
from .audit import record
from .ballots import ballot_counts, participants, scrub_after_count, shuffle_ballots
from .closure import record_vote_closure
from .deadlines import redo_deadline
from .followup import supervise_item
from .sittings import check_entries, load_entries


def entry_tally(sitting: Sitting, entry: Evaluation, counts=None, present: int | None = None) -> Tally:
    if sitting.mode is EvaluationMode.ONLINE:
        by_grade = counts or {}
        return Tally(sitting.members_total, present or 0, by_grade.get(Grade.SATISFIED, 0),
                     by_grade.get(Grade.BASIC, 0), by_grade.get(Grade.UNSATISFIED, 0), by_grade.get(None, 0))
    return Tally(sitting.members_total, sitting.members_present or 0, entry.satisfied, entry.basic,
                 entry.unsatisfied, entry.invalid, unbalanced_ok=entry.unbalanced_confirmed)


def _published_decision(entry: Evaluation, rule: Rule) -> Decision:
    note = f"（{entry.published_text}）" if entry.published_text else ""
    return Decision(entry.result, rule.outcome(entry.result),
                    f"公布结果：{entry.result.label}{note}；未公布票数，结果按公布的等级记载，未经本系统计算", True)


def count_sitting(sitting: Sitting, actor: User, today: date | None = None,
                  deadlines: dict[int, date] | None = None) -> list[Evaluation]:
    today, deadlines = today or local_today(), deadlines or {}
    entries = load_entries(sitting)
    check_entries(actor, entries, Action.CLOSE_EVALUATION)
    db.session.execute(sa.select(Sitting.id).where(Sitting.id == sitting.id).with_for_update())
    db.session.refresh(sitting)
    if sitting.status is not SittingStatus.STOPPED:
        raise OperationError("请先停止投票，再计票" if sitting.is_open else "该测评会议已计票")
    rule = rule_from_dict(sitting.rule)
    counts, voters = {}, []
    if sitting.mode is EvaluationMode.ONLINE:
        counts, voters = ballot_counts(sitting), participants(sitting)
        sitting.members_present = len(voters)
    decisions = []
    for entry in entries:
        if entry.is_published_result:
            decisions.append((entry, None, _published_decision(entry, rule)))
            continue
        if sitting.mode is not EvaluationMode.ONLINE and entry.result_source is None:
            raise OperationError(f"第 {entry.position} 行尚未录入票数，不能计票")
        try:
            tally = entry_tally(sitting, entry, counts.get(entry.id), len(voters))
        except TallyError as error:
            raise OperationError(f"第 {entry.position} 行：{error}") from None
        decision = decide(tally, rule)
        if decision.grade is None:
            raise OperationError(f"测评无效，未计票：{decision.reason}。可作废后重新测评。")
        decisions.append((entry, tally, decision))
    for entry, tally, decision in decisions:
        if sitting.mode is EvaluationMode.ONLINE:
            record(AuditAction.EVALUATION_PARTICIPATION, f"{len(voters)} 名测评人参加网上测评（无记名）",
                   object_type="evaluation", object_id=entry.id, item_id=entry.item_id, actor=actor)
        _store(entry, tally, decision, actor)
        _move_item(entry, decision, rule, actor, today, deadlines.get(entry.id))
    if sitting.mode is EvaluationMode.ONLINE:
        shuffle_ballots(sitting)
        # Who took part, written now, without time of vote or address, in name order.
        for voter in voters:
            record(AuditAction.SITTING_PARTICIPATE, f"参加测评会议“{sitting.title}”的满意度测评（无记名）",
                   object_type="sitting", object_id=sitting.id, actor=voter, with_address=False)
        db.session.info.setdefault("after_commit", []).append(scrub_after_count)
    sitting.status, sitting.counted_at, sitting.counted_by_id = SittingStatus.COUNTED, utcnow(), actor.id
    record(AuditAction.SITTING_COUNT, f"测评会议“{sitting.title}”计票（{len(entries)} 项）", object_type="sitting",
           object_id=sitting.id, actor=actor)
    return entries


def _store(entry: Evaluation, tally: Tally | None, decision: Decision, actor: User) -> None:
    if tally is not None:
        entry.members_present = tally.members_present
        entry.satisfied, entry.basic, entry.unsatisfied, entry.invalid = (
            tally.satisfied, tally.basic, tally.unsatisfied, tally.invalid)
        entry.result_source = ResultSource.COUNTED
    entry.status = EvaluationStatus.CLOSED
    entry.result = decision.grade
    entry.consequence = decision.outcome.consequence
    entry.decision_reason = decision.reason
    entry.closed_at, entry.closed_by_id = utcnow(), actor.id


def counts_text(entry: Evaluation) -> str:
    if entry.is_published_result:
        return f"公布结果{('：' + entry.published_text) if entry.published_text else ''}"
    text = (f"满意 {entry.satisfied}、基本满意 {entry.basic}、不满意 {entry.unsatisfied}、无效 {entry.invalid}，"
            f"实到 {entry.members_present}/{entry.members_total}")
    return text + ("（票数与实到人数不符，已确认）" if entry.unbalanced_confirmed else "")


def _move_item(entry: Evaluation, decision: Decision, rule: Rule, actor: User, today: date,
               given: date | None) -> None:
    item = db.session.get(Item, entry.item_id)
    if item.stage is not Stage.EVALUATING or item.round != entry.round:
        raise OperationError(f"事项 {item.heading} 已不在第 {entry.round} 轮测评中")
    outcome, grade = decision.outcome, decision.grade
    counts = counts_text(entry)
    if decision.closes:
        apply(actor, item, Action.CLOSE_EVALUATION, Stage.CLOSED)
        item.closed_at = utcnow()
        item.closed_on_time = _reported_on_time(entry, item, today)
        closure = record_vote_closure(item, grade, actor)
        summary = (f"第 {item.round} 轮测评结果：{grade.label}（{counts}），"
                   f"事项办结：{closure.kind.label}（{closure.reason}）")
    else:
        deadline = given or (add_months(today, outcome.months) if outcome.months else None)
        if deadline is None and outcome.uses_deadline_rule:
            deadline = redo_deadline(item, today)
        if deadline is not None and deadline <= today:
            raise OperationError(f"事项 {item.heading} 的新办理期限必须晚于今天")
        apply(actor, item, Action.CLOSE_EVALUATION, Stage.RECTIFYING)
        entry.new_deadline = deadline
        item.round += 1
        item.deadline = item.original_deadline = deadline
        due = f"期限 {deadline:%Y-%m-%d}" if deadline else "期限待定（在下次常委会会议上重新报告，请录入期限）"
        summary = (f"第 {item.round - 1} 轮测评结果：{grade.label}（{counts}），{outcome.label}，"
                   f"进入第 {item.round} 轮，{due}")
    record(AuditAction.EVALUATION_CLOSE, summary, object_type="evaluation", object_id=entry.id, item_id=item.id,
           actor=actor, details={"rule": rule.key, "reason": decision.reason})
    if decision.failed and not item.supervised and should_escalate(rule, failed_rounds(item)):
        supervise_item(item, f"连续 {failed_rounds(item)} 轮测评未通过：{rule.escalation.label}", None,
                       object_type="evaluation", object_id=entry.id)


def _reported_on_time(entry: Evaluation, item: Item, today: date) -> bool:
    """On time means the unit's accepted report came in by the deadline: the committee's
    own scheduling of the vote must not count against the unit."""
    if item.deadline is None:
        return True
    report = db.session.get(ProgressEntry, entry.report_entry_id) if entry.report_entry_id else None
    reported_on = to_local(report.created_at).date() if report else today
    return reported_on <= item.deadline


def failed_rounds(item: Item) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation).where(
        Evaluation.item_id == item.id, Evaluation.status == EvaluationStatus.CLOSED,
        Evaluation.consequence.is_not(None), Evaluation.consequence != Consequence.CLOSE)) or 0


def set_followup_deadline(entry: Evaluation, deadline: date, actor: User, today: date | None = None) -> None:
    """The deadline a counted result left open (下次常委会会议), set afterwards per item."""
    today = today or local_today()
    item = db.session.get(Item, entry.item_id)
    check(actor, item, Action.DECIDE_EXTENSION)
    if entry.status is not EvaluationStatus.CLOSED or entry.new_deadline is not None \
            or item.round != entry.round + 1 or item.deadline is not None:
        raise OperationError("该事项的新办理期限已经确定")
    if deadline <= today:
        raise OperationError("新的办理期限必须晚于今天")
    entry.new_deadline = item.deadline = item.original_deadline = deadline
    record(AuditAction.EVALUATION_DEADLINE, f"确定第 {item.round} 轮整改期限：{deadline:%Y-%m-%d}",
           object_type="evaluation", object_id=entry.id, item_id=item.id, actor=actor)
