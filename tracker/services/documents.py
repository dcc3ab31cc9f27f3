"""Operations on a document as a whole: save the points of a pasted 审议意见 or the
exchanges of a pasted 专题询问 record after the preview, and 交办 many points in one request.

Both check every row first and raise one error listing every problem by row, so a
clerk fixes them all at once and nothing is half-saved.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..extensions import db
from ..limits import (
    ANSWER_TEXT,
    COMMITMENT_TEXT,
    ITEM_REF,
    ITEM_TEXT,
    PERSON_NAME,
    PERSON_POST,
    PREAMBLE_TEXT,
    PasteError,
    check_text,
)
from ..models import Activity, AuditAction, Item, Origin, Report, ReviewStatus, User
from ..paste.commitments import dated_promises
from ..workflow import Action, InvalidTransition, check_role
from . import OperationError
from . import items as ops
from .audit import record


@dataclass
class PointRow:
    """One row of the preview as staff left it."""

    ref: str | None
    text: str
    parent_row: int | None = None  # index of another row in the same list
    unit_id: int | None = None


def _row_problems(rows: list[PointRow]) -> list[str]:
    problems = []
    for number, row in enumerate(rows, start=1):
        try:
            check_text(row.text, ITEM_TEXT, f"第 {number} 条的内容")
        except PasteError as error:
            problems.append(error.message)
        try:
            check_text(row.ref, ITEM_REF, f"第 {number} 条的编号", required=False)
        except PasteError as error:
            problems.append(error.message)
        if row.parent_row is not None and not 0 <= row.parent_row < number - 1:
            problems.append(f"第 {number} 条的上级必须是它前面的一条")
    return problems


def save_document_points(activity: Activity, rows: list[PointRow], preamble: str | None, actor: User) -> list[Item]:
    """Create one item per row, keeping the document's numbers and nesting; the preamble
    (会议认为… and the problem list) is kept as the activity's text."""
    check_role(actor, Action.RECORD_ITEM)
    if not rows:
        raise OperationError("没有可保存的条目：请至少保留一条")
    problems = _row_problems(rows)
    if preamble:
        try:
            check_text(preamble, PREAMBLE_TEXT, "前言", required=False)
        except PasteError as error:
            problems.append(error.message)
    if problems:
        more = f"（另有 {len(problems) - 20} 处）" if len(problems) > 20 else ""
        raise OperationError("；".join(problems[:20]) + more)
    if preamble and preamble.strip():
        activity.preamble = preamble.strip()
    created: list[Item] = []
    for row in rows:
        parent = created[row.parent_row] if row.parent_row is not None else None
        created.append(ops.add_item(activity, ops.ItemData(
            origin=Origin.OPINION, question=row.text.strip(), ref=row.ref, parent_id=parent.id if parent else None,
            asked_unit_id=row.unit_id), actor))
    record(AuditAction.ACTIVITY_UPDATE, f"粘贴审议意见全文，拆分录入 {len(created)} 条", object_type="activity",
           object_id=activity.id, actor=actor)
    return created


@dataclass
class ExchangeRow:
    """One question with its answer(s) from the inquiry preview, as staff left it."""

    asker: str
    question: str
    respondent_name: str
    respondent_post: str
    answer: str
    commitments: str  # one promise a line, dated ones as 【承诺期限 YYYY-MM-DD】…
    unit_id: int | None = None


def _exchange_problems(rows: list[ExchangeRow]) -> list[str]:
    problems = []
    for number, row in enumerate(rows, start=1):
        checks = [(row.question, ITEM_TEXT, "问题", True), (row.answer, ANSWER_TEXT, "答复", False),
                  (row.commitments, COMMITMENT_TEXT, "承诺事项", False), (row.asker, PERSON_NAME, "询问人", False),
                  (row.respondent_name, PERSON_NAME, "应询人", False),
                  (row.respondent_post, PERSON_POST, "应询人职务", False)]
        for text, limit, label, required in checks:
            try:
                check_text(text, limit, f"第 {number} 问的{label}", required=required)
            except PasteError as error:
                problems.append(error.message)
        try:
            dated_promises(row.commitments)
        except ValueError as error:
            problems.append(f"第 {number} 问的承诺事项{error}")
    return problems


def _merge_officials(activity: Activity, rows: list[ExchangeRow]) -> None:
    """The 应询 officials the record names join the activity's list (name and post, once each)."""
    officials = list(activity.officials or [])
    known = {o.get("name") for o in officials}
    for row in rows:
        names = [n for n in row.respondent_name.split("、") if n.strip()]
        posts = row.respondent_post.split("、")
        for i, name in enumerate(names):
            if name.strip() not in known:
                known.add(name.strip())
                officials.append({"name": name.strip(), "post": posts[i].strip() if i < len(posts) else ""})
    if officials != (activity.officials or []):
        activity.officials = officials


def save_inquiry_exchanges(activity: Activity, rows: list[ExchangeRow], actor: User) -> list[Item]:
    """One item per question: 询问人, question, 应询人 (name and post), answer and the dated
    promises, recorded as 问 and 答 at once; all rows are checked before any is saved."""
    check_role(actor, Action.RECORD_ITEM)
    if not rows:
        raise OperationError("没有可保存的问答：请至少保留一问")
    problems = _exchange_problems(rows)
    if problems:
        more = f"（另有 {len(problems) - 20} 处）" if len(problems) > 20 else ""
        raise OperationError("；".join(problems[:20]) + more)
    created = [ops.add_item(activity, ops.ItemData(
        origin=Origin.QUESTION, question=row.question.strip(), asker=row.asker.strip() or None,
        asked_unit_id=row.unit_id, respondent_name=row.respondent_name.strip() or None,
        respondent_post=row.respondent_post.strip() or None, answer=row.answer.strip() or None,
        commitments=row.commitments.strip() or None), actor) for row in rows]
    _merge_officials(activity, rows)
    promised = sum(1 for row in rows for p in dated_promises(row.commitments) if p.due)
    record(AuditAction.ACTIVITY_UPDATE, f"粘贴专题询问记录，录入 {len(created)} 问（含 {promised} 项有期限的承诺）",
           object_type="activity", object_id=activity.id, actor=actor)
    return created


@dataclass
class AssignRow:
    item: Item
    lead_unit_id: int | None
    co_unit_ids: list[int] = field(default_factory=list)


def assign_points(rows: list[AssignRow], deadline: date | None, actor: User, today: date | None = None) -> list[Item]:
    """批量交办: every ticked point to its lead unit (and the common co-units) with one
    deadline. All rows are checked before any is assigned."""
    if not rows:
        raise OperationError("请勾选要交办的条目")
    problems = []
    for row in rows:
        if not row.lead_unit_id:
            problems.append(f"{row.item.heading}：请选择牵头单位")
    if problems:
        raise OperationError("；".join(problems))
    for row in rows:
        try:
            ops.assign_item(row.item, ops.Assignment(row.lead_unit_id, row.co_unit_ids, deadline), actor, today)
        except (OperationError, InvalidTransition) as error:
            raise OperationError(f"{row.item.heading}：{error.message}") from None
    return [row.item for row in rows]


def add_follow_up(report: Report, text: str, parent: Item | None, origin: Origin, actor: User) -> Item:
    """A further ask of the committee's 审查意见 becomes an item of the same activity,
    under the point it follows (or at the top), asked of the unit that reported."""
    check_role(actor, Action.RECORD_ITEM)
    if report.status is not ReviewStatus.ACCEPTED:
        raise OperationError("报告受理并写明审查意见后，才能把其中的要求转为后续事项")
    try:
        check_text(text, ITEM_TEXT, "后续事项内容")
    except PasteError as error:
        raise OperationError(error.message) from None
    if parent is not None and parent.activity_id != report.activity_id:
        raise OperationError("上级条目必须是同一监督活动中的事项")
    item = ops.add_item(db.session.get(Activity, report.activity_id), ops.ItemData(
        origin=origin, question=text.strip(), parent_id=parent.id if parent else None,
        asked_unit_id=report.unit_id), actor)
    record(AuditAction.ITEM_CREATE, f"根据《{report.title}》的审查意见新增后续事项 {item.number}",
           object_type="report", object_id=report.id, item_id=item.id, actor=actor,
           details={"report_id": report.id, "parent_id": parent.id if parent else None})
    return item
