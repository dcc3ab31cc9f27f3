"""满意度测评 of one item: a sitting with one entry.

The item page keeps its short path (open, vote, enter the tally, close) for a report
tested alone; each call is the sitting operation on the item's one-entry sitting, so
there is one way to count, one ballot store and one history. A sitting over many
reports is run from its own pages (``tracker/sittings``).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import Activity, Evaluation, EvaluationMode, Item, Sitting, SittingStatus, User, local_today
from ..tally import Grade, Tally, TallyError
from ..workflow import Action, check
from . import OperationError
from .ballots import has_voted as sitting_has_voted
from .ballots import participant_count as sitting_participant_count
from .ballots import submit_ballot
from .counting import count_sitting, failed_rounds
from .sittings import Row, SittingData, enter_rows, open_sitting, set_attendance, stop_sitting

__all__ = ["cast_vote", "close_evaluation", "enter_tally", "failed_rounds", "has_voted", "open_evaluation",
           "participant_count"]


def open_evaluation(item: Item, mode: EvaluationMode, members_total: int | None, actor: User,
                    rule_key: str | None = None, today: date | None = None) -> Evaluation:
    activity = db.session.get(Activity, item.activity_id)
    title = f"{item.heading} {item.title}（第 {item.round} 轮满意度测评）"
    if len(title) > 200:
        title = f"{item.heading} {item.title[:150]}…（第 {item.round} 轮满意度测评）"
    sitting = open_sitting(SittingData(title, today or local_today(), members_total, mode,
                                       rule_key or activity.evaluation_rule_key, [item.id]), actor)
    return db.session.scalar(sa.select(Evaluation).where(Evaluation.sitting_id == sitting.id))


def _sitting(evaluation: Evaluation) -> Sitting:
    return db.session.get(Sitting, evaluation.sitting_id)


def _single(evaluation: Evaluation) -> Sitting:
    sitting = _sitting(evaluation)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)
                              .where(Evaluation.sitting_id == sitting.id))
    if count != 1:
        raise OperationError(f"本事项在测评会议“{sitting.title}”中与其他报告一并测评，请在测评会议页面操作")
    return sitting


def has_voted(evaluation: Evaluation, user: User) -> bool:
    return sitting_has_voted(_sitting(evaluation), user)


def participant_count(evaluation: Evaluation) -> int:
    return sitting_participant_count(_sitting(evaluation))


def cast_vote(evaluation: Evaluation, item: Item, grade: Grade | None, actor: User) -> None:
    """One secret ballot on a one-entry sitting; ``grade`` None is a 无效票."""
    check(actor, item, Action.VOTE)
    evaluation.item = item
    submit_ballot(_single(evaluation), [evaluation], {evaluation.id: grade}, actor)


def enter_tally(evaluation: Evaluation, item: Item, counts: dict[str, int], actor: User,
                confirm_unbalanced: bool = False) -> None:
    """表决器 totals for one item: the attendance and the one row of its sitting."""
    check(actor, item, Action.ENTER_TALLY)
    sitting = _single(evaluation)
    if sitting.mode is not EvaluationMode.MEETING or not sitting.is_open:
        raise OperationError("只有进行中的会议测评可以录入票数")
    try:
        Tally(**{**counts, "unbalanced_ok": True})
    except TallyError as error:
        raise OperationError(str(error)) from None
    if counts["members_total"] != sitting.members_total:
        sitting.members_total = evaluation.members_total = counts["members_total"]
    set_attendance(sitting, counts["members_present"], actor)
    enter_rows(sitting, {evaluation.id: Row(counts["satisfied"], counts["basic"], counts["unsatisfied"],
                                            counts["invalid"], confirm_unbalanced)}, actor)


def close_evaluation(evaluation: Evaluation, item: Item, actor: User, new_deadline: date | None = None,
                     today: date | None = None) -> Evaluation:
    """Stop and count a one-entry sitting in one request (nothing is computed before)."""
    check(actor, item, Action.CLOSE_EVALUATION)
    sitting = _single(evaluation)
    # One step on the item page: a refused count (no quorum) leaves the vote open.
    with db.session.begin_nested():
        if sitting.status is SittingStatus.OPEN:
            stop_sitting(sitting, actor)
        count_sitting(sitting, actor, today, {evaluation.id: new_deadline} if new_deadline else None)
    return evaluation
