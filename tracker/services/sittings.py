"""测评会议: open a sitting over one or many reports, take attendance, enter the
表决器 table or on-the-spot grades, stop voting, void and reopen.

Counting is in ``counting.py``. Every operation checks each entry's item through the
workflow (``check``), writes history and flushes; none commits. Entered tallies are
history only as "录入了票数", never with the numbers, until the sitting is counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    AuditAction,
    EntryKind,
    Evaluation,
    EvaluationMode,
    Item,
    ProgressEntry,
    ResultSource,
    ReviewStatus,
    Role,
    Sitting,
    SittingStatus,
    SittingVoter,
    User,
)
from ..tally import Grade, rule_from_dict, rule_to_dict
from ..tally.count import quorum_text
from ..tally.rules import Tally
from ..workflow import Action, apply, check
from . import OperationError
from .audit import record
from .ballots import discard_ballots
from .settings import get_rule

MAX_ENTRIES = 60


@dataclass
class SittingData:
    title: str
    meeting_date: date
    members_total: int | None
    mode: EvaluationMode
    rule_key: str | None
    item_ids: list[int]


@dataclass
class Row:
    """One row of the 表决器 / on-the-spot table. Counts None: not entered.

    ``grade`` is a result published without counts (on-the-spot grading only).
    """

    satisfied: int | None = None
    basic: int | None = None
    unsatisfied: int | None = None
    invalid: int | None = None
    confirm_unbalanced: bool = False
    grade: Grade | None = None
    published_text: str = ""

    @property
    def has_counts(self) -> bool:
        return any(v is not None for v in (self.satisfied, self.basic, self.unsatisfied, self.invalid))

    @property
    def cast(self) -> int:
        return sum(v or 0 for v in (self.satisfied, self.basic, self.unsatisfied, self.invalid))


class TallyMismatch(OperationError):
    """Rows whose votes do not add up to the members present; each needs a confirmation."""

    def __init__(self, message: str, differences: dict[int, int]):
        super().__init__(message)
        self.differences = differences  # entry id -> cast minus present


def load_entries(sitting: Sitting) -> list[Evaluation]:
    return list(db.session.scalars(sa.select(Evaluation).where(Evaluation.sitting_id == sitting.id)
                                   .options(selectinload(Evaluation.item)).order_by(Evaluation.position)))


def check_entries(actor: User, entries: list[Evaluation], action: Action) -> None:
    for entry in entries:
        check(actor, entry.item, action)


def eligible_reviewers() -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(User.role == Role.REVIEWER, User.active.is_(True))
                                   .order_by(User.id)))


def _accepted_report(item: Item) -> int | None:
    return db.session.scalar(sa.select(ProgressEntry.id).where(
        ProgressEntry.item_id == item.id, ProgressEntry.round == item.round,
        ProgressEntry.kind == EntryKind.REPORT, ProgressEntry.review_status == ReviewStatus.ACCEPTED,
    ).order_by(ProgressEntry.id.desc()).limit(1))


def open_sitting(data: SittingData, actor: User) -> Sitting:
    """Open a sitting over accepted reports; online, snapshot who may vote."""
    item_ids = list(dict.fromkeys(data.item_ids))
    if not item_ids:
        raise OperationError("请至少选择一项已受理报告的事项")
    if len(item_ids) > MAX_ENTRIES:
        raise OperationError(f"一次测评会议最多 {MAX_ENTRIES} 项")
    items = {i.id: i for i in db.session.scalars(sa.select(Item).where(Item.id.in_(item_ids)))}
    if len(items) != len(item_ids):
        raise OperationError("所选事项不存在")
    voters = eligible_reviewers() if data.mode is EvaluationMode.ONLINE else []
    total = data.members_total or len(voters)
    if total < 1:
        raise OperationError("请填写全体组成人员数（至少 1 人）")
    if len(voters) > total:
        raise OperationError(f"可投票的测评人有 {len(voters)} 人，多于全体组成人员数（{total}），"
                             "请核对组成人员数或停用多余的测评人账号")
    rule = get_rule(data.rule_key)
    snapshot = rule_to_dict(rule)
    sitting = Sitting(title=data.title.strip(), meeting_date=data.meeting_date, mode=data.mode,
                      members_total=total, rule_key=rule.key, rule=snapshot, opened_by_id=actor.id)
    db.session.add(sitting)
    db.session.flush()
    for position, item_id in enumerate(item_ids, 1):
        item = items[item_id]
        apply(actor, item, Action.OPEN_EVALUATION)
        entry = Evaluation(sitting_id=sitting.id, position=position, item_id=item.id, round=item.round,
                           report_entry_id=_accepted_report(item), mode=data.mode, rule_key=rule.key,
                           rule=snapshot, members_total=total, opened_by_id=actor.id)
        db.session.add(entry)
        db.session.flush()
        record(AuditAction.EVALUATION_OPEN, f"列入测评会议“{sitting.title}”，开启第 {item.round} 轮满意度测评"
               f"（{data.mode.label}，规则：{rule.name}，组成人员 {total} 人）",
               object_type="evaluation", object_id=entry.id, item_id=item.id, actor=actor,
               details={"sitting_id": sitting.id})
    if voters:
        db.session.execute(sa.insert(SittingVoter), [{"sitting_id": sitting.id, "user_id": u} for u in voters])
    record(AuditAction.SITTING_OPEN, f"开启测评会议“{sitting.title}”（{len(item_ids)} 项，{data.mode.label}，"
           f"规则：{rule.name}，组成人员 {total} 人）", object_type="sitting", object_id=sitting.id, actor=actor)
    return sitting


def _require_open(sitting: Sitting) -> None:
    if sitting.status is not SittingStatus.OPEN:
        raise OperationError(f"测评会议当前为“{sitting.status.label}”，不能再修改")


def set_attendance(sitting: Sitting, present: int, actor: User) -> None:
    """实到人数, once for the sitting; the quorum is checked here, not only at counting."""
    entries = load_entries(sitting)
    check_entries(actor, entries, Action.ENTER_TALLY)
    _require_open(sitting)
    if sitting.mode is EvaluationMode.ONLINE:
        raise OperationError("网上测评的实到人数为实际参加投票的人数，无需录入")
    if not 0 <= present <= sitting.members_total:
        raise OperationError(f"实到人数应在 0 到全体组成人员数 {sitting.members_total} 之间")
    rule = rule_from_dict(sitting.rule)
    ok, text = quorum_text(rule, Tally(sitting.members_total, present, 0, 0, 0))
    if not ok:
        raise OperationError(f"{text}，不足法定人数，不能进行测评")
    sitting.members_present = present
    for entry in entries:
        entry.members_present = present
    record(AuditAction.SITTING_ATTENDANCE, f"录入测评会议“{sitting.title}”实到人数：{present}/{sitting.members_total}",
           object_type="sitting", object_id=sitting.id, actor=actor)


def enter_rows(sitting: Sitting, rows: dict[int, Row], actor: User) -> None:
    """The whole 表决器 table (or on-the-spot grades) at once; refused rows change nothing."""
    entries = load_entries(sitting)
    check_entries(actor, entries, Action.ENTER_TALLY)
    _require_open(sitting)
    if sitting.mode is EvaluationMode.ONLINE:
        raise OperationError("网上测评的票数由选票统计，不能录入")
    if sitting.members_present is None:
        raise OperationError("请先录入实到人数")
    present, problems, differences = sitting.members_present, [], {}
    rule = rule_from_dict(sitting.rule)
    for entry in entries:
        row = rows.get(entry.id, Row())
        label = f"第 {entry.position} 行"
        if row.grade is not None and sitting.mode is not EvaluationMode.SPOT:
            problems.append(f"{label}：只有现场评定可以录入无票数的公布结果")
        if row.grade is not None and row.grade not in rule.grades:
            problems.append(f"{label}：本规则没有“{row.grade.label}”这一等级")
        if not row.has_counts:
            if row.grade is None:
                hint = "或公布的结果" if sitting.mode is EvaluationMode.SPOT else ""
                problems.append(f"{label}：请填写票数{hint}")
            continue
        if row.basic and rule.two_grade:
            problems.append(f"{label}：本规则只有满意、不满意两个等级，基本满意票应为 0")
        if any(v is not None and v < 0 for v in (row.satisfied, row.basic, row.unsatisfied, row.invalid)):
            problems.append(f"{label}：票数不能为负数")
        elif row.cast != present:
            differences[entry.id] = row.cast - present
    if problems:
        raise OperationError("；".join(problems))
    unconfirmed = [e for e in entries if e.id in differences and not rows[e.id].confirm_unbalanced]
    if unconfirmed:
        detail = "；".join(f"第 {e.position} 行合计 {rows[e.id].cast} 票，{'超过' if d > 0 else '少于'}实到人数 "
                          f"{present}（相差 {abs(d)}）" for e in unconfirmed if (d := differences[e.id]))
        raise TallyMismatch(f"{detail}。如与表决器记录一致，请勾选“确认无误”后再提交", differences)
    for entry in entries:
        row = rows.get(entry.id, Row())
        entry.satisfied, entry.basic = row.satisfied or 0, row.basic or 0
        entry.unsatisfied, entry.invalid = row.unsatisfied or 0, row.invalid or 0
        entry.unbalanced_confirmed = row.has_counts and row.cast != present
        entry.members_present = present
        entry.result_source = ResultSource.COUNTED if row.has_counts else ResultSource.PUBLISHED
        entry.result = None if row.has_counts else row.grade
        entry.published_text = (row.published_text or None) if not row.has_counts else None
    # The history says that the table was entered, never the numbers, until counting.
    record(AuditAction.SITTING_TALLY, f"录入测评会议“{sitting.title}”的表决结果（{len(entries)} 行）",
           object_type="sitting", object_id=sitting.id, actor=actor)


def stop_sitting(sitting: Sitting, actor: User) -> None:
    """No more ballots; nothing is computed, so stopping reveals nothing."""
    entries = load_entries(sitting)
    check_entries(actor, entries, Action.CLOSE_EVALUATION)
    _require_open(sitting)
    # Takes the row lock that ballots share, so no ballot lands after this commits.
    db.session.execute(sa.select(Sitting.id).where(Sitting.id == sitting.id).with_for_update())
    sitting.status = SittingStatus.STOPPED
    record(AuditAction.SITTING_STOP, f"测评会议“{sitting.title}”停止投票", object_type="sitting", object_id=sitting.id,
           actor=actor)


def void_sitting(sitting: Sitting, reason: str, actor: User) -> None:
    """Void what was cast or entered and reopen; counted results are final."""
    entries = load_entries(sitting)
    check_entries(actor, entries, Action.CLOSE_EVALUATION)
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("请填写作废并重新测评的理由")
    if sitting.status is SittingStatus.COUNTED:
        raise OperationError("已计票的测评结果不能作废")
    db.session.execute(sa.select(Sitting.id).where(Sitting.id == sitting.id).with_for_update())
    discard_ballots(sitting)
    for entry in entries:
        entry.satisfied = entry.basic = entry.unsatisfied = entry.invalid = 0
        entry.members_present, entry.unbalanced_confirmed = 0, False
        entry.result, entry.result_source, entry.published_text = None, None, None
    sitting.members_present = None
    sitting.status = SittingStatus.OPEN
    record(AuditAction.SITTING_VOID, f"测评会议“{sitting.title}”作废已投/已录入的票并重新测评，理由：{reason}",
           object_type="sitting", object_id=sitting.id, actor=actor, details={"reason": reason})
    for entry in entries:
        record(AuditAction.EVALUATION_VOID, f"测评作废并重新测评，理由：{reason}", object_type="evaluation",
               object_id=entry.id, item_id=entry.item_id, actor=actor)
