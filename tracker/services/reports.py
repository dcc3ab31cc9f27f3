"""One report answers a document: a unit reports on all of its points of an activity at
once, and staff accept (with the committee's 审查意见) or return (with a reason) once.

Every covered item still moves through the one stage machine (``workflow.apply``) and
gets its own report entry and history row, so item pages, evaluations, the public pages
and the dashboard read a document report exactly like a single-item one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..limits import NOTE_TEXT, REASON_TEXT, REPORT_TEXT, PasteError, check_text
from ..models import (
    Activity,
    ActivityKind,
    AnswerClass,
    Attachment,
    AuditAction,
    EntryKind,
    Item,
    LineStatus,
    ProgressEntry,
    Report,
    ReviewStatus,
    Stage,
    User,
    utcnow,
)
from ..naming import terms_for
from ..workflow import Action, apply
from . import OperationError
from .attachments import UploadedFile, store_report_attachments
from .audit import record
from .closure import VerdictInput, check_verdict, grade_item
from .commitments import check_answer_class, commitments_from_accepted_report, has_dated_commitment, set_answer_class
from .liveness import mark_activity


@dataclass
class ReportLine:
    item: Item
    status: LineStatus | None = None
    promised_on: date | None = None
    note: str | None = None
    answer_class: AnswerClass | None = None
    class_reason: str | None = None


def reportable_items(activity_id: int, unit_id: int) -> list[Item]:
    """The unit's points of this activity that await its report (it leads them, 整改中)."""
    return list(db.session.scalars(
        sa.select(Item).where(Item.activity_id == activity_id, Item.lead_unit_id == unit_id,
                              Item.stage == Stage.RECTIFYING).order_by(Item.seq)))


def last_returned(activity_id: int, unit_id: int) -> Report | None:
    """The unit's latest returned report of this activity: the form reopens with it."""
    return db.session.scalar(sa.select(Report).where(
        Report.activity_id == activity_id, Report.unit_id == unit_id, Report.status == ReviewStatus.RETURNED)
        .order_by(Report.id.desc()).limit(1))


def report_title(activity: Activity, items: list[Item]) -> str:
    """"关于区人民政府关于…情况报告审议意见的研究处理情况报告", from what the activity records;
    no brackets inside, so pages and history can quote it as 《…》."""
    kind = terms_for(items[0].origin).report if items else "办理情况报告"
    if activity.report_title and activity.kind is not ActivityKind.INQUIRY:
        deliberated = activity.report_title.strip("《》")
        if deliberated.endswith("的报告"):
            deliberated = deliberated[:-3] + "报告"
        return f"关于{deliberated}审议意见的{kind}"[:200]
    return f"关于{activity.title}的{kind}"[:200]


def submit_report(activity: Activity, text: str, lines: list[ReportLine], files: list[UploadedFile], actor: User,
                  keep_from: Report | None = None, keep_ids: set[int] | None = None) -> Report:
    """报送: one report for the lines' items; each must be the actor's unit's, 整改中."""
    if not lines:
        raise OperationError("请至少选择一项报送")
    problems = []
    try:
        text = check_text(text, REPORT_TEXT, "报告正文").strip()
    except PasteError as error:
        problems.append(error.message)
    for line in lines:
        if line.status is not None and line.status.needs_date and line.promised_on is None:
            problems.append(f"{line.item.heading}：“{line.status.label}”须写明预计完成日期")
        if line.promised_on is not None and line.promised_on < activity.meeting_date:
            problems.append(f"{line.item.heading}：预计完成日期不能早于会议日期")
        if line.note:
            try:
                check_text(line.note, NOTE_TEXT, f"{line.item.heading}的说明")
            except PasteError as error:
                problems.append(error.message)
        try:
            check_answer_class(line.answer_class, line.class_reason, line.promised_on is not None
                               or has_dated_commitment(line.item.id), f"{line.item.heading}的答复分类")
        except OperationError as error:
            problems.append(error.message)
    if problems:
        raise OperationError("；".join(problems))
    for line in lines:
        if line.item.activity_id != activity.id:
            raise OperationError("报告只能包含本次监督活动的事项")
        apply(actor, line.item, Action.SUBMIT_REPORT)  # 403/409 for anything not the unit's to report
    items = [line.item for line in lines]
    report = Report(activity_id=activity.id, unit_id=actor.unit_id, round=max(i.round for i in items),
                    title=report_title(activity, items), text=text, submitted_by_id=actor.id,
                    previous_id=keep_from.id if keep_from else None)
    db.session.add(report)
    db.session.flush()
    kept = _carry_attachments(keep_from, report, keep_ids or set()) if keep_from else 0
    store_report_attachments(report.id, files, kept)
    for line in lines:
        entry = ProgressEntry(item_id=line.item.id, round=line.item.round, kind=EntryKind.REPORT,
                              text=(line.note or "").strip(), unit_id=actor.unit_id, author_id=actor.id,
                              review_status=ReviewStatus.PENDING, report_id=report.id, line_status=line.status,
                              promised_on=line.promised_on)
        db.session.add(entry)
        db.session.flush()
        mark_activity(line.item)
        set_answer_class(line.item, line.answer_class, line.class_reason, actor, f"{line.item.heading}的答复分类",
                         promised_on=line.promised_on)
        status = f"（{line.status.label}）" if line.status else ""
        record(AuditAction.ITEM_REPORT, f"随《{report.title}》报送第 {line.item.round} 轮{status}",
               object_type="progress_entry", object_id=entry.id, item_id=line.item.id, actor=actor,
               details={"report_id": report.id})
    record(AuditAction.REPORT_SUBMIT, f"报送《{report.title}》，涉及 {len(lines)} 项", object_type="report",
           object_id=report.id, actor=actor, details={"items": [i.id for i in items]})
    return report


def _carry_attachments(previous: Report, report: Report, keep_ids: set[int]) -> int:
    """Files of the returned version the unit kept: copied, so each version keeps its own."""
    rows = db.session.scalars(sa.select(Attachment).where(Attachment.report_id == previous.id,
                                                          Attachment.id.in_(keep_ids or {0}))).all()
    for old in rows:
        db.session.add(Attachment(report_id=report.id, filename=old.filename, content_type=old.content_type,
                                  size=old.size, sha256=old.sha256, data=old.data))
    return len(rows)


def _entries(report: Report) -> list[tuple[ProgressEntry, Item]]:
    return list(db.session.execute(sa.select(ProgressEntry, Item).join(Item, Item.id == ProgressEntry.item_id)
                                   .where(ProgressEntry.report_id == report.id).order_by(Item.seq)).all())


def _review(report: Report, action: Action, actor: User) -> list[tuple[ProgressEntry, Item]]:
    if report.status is not ReviewStatus.PENDING:
        raise OperationError(f"该报告{report.status.label}，不能再次审核")
    pairs = _entries(report)
    for _entry, item in pairs:
        apply(actor, item, action)
    return pairs


def return_report(report: Report, reason: str, actor: User) -> Report:
    """退回 the whole document report, with a reason the unit sees at the top of its form."""
    try:
        reason = check_text(reason, REASON_TEXT, "退回理由").strip()
    except PasteError as error:
        raise OperationError(error.message if "超过" in error.message else "退回报告须写明理由") from None
    pairs = _review(report, Action.RETURN_REPORT, actor)
    now = utcnow()
    report.status, report.return_reason, report.reviewed_by_id, report.reviewed_at = (
        ReviewStatus.RETURNED, reason, actor.id, now)
    for entry, item in pairs:
        entry.review_status, entry.review_note, entry.reviewed_at = ReviewStatus.RETURNED, reason, now
        record(AuditAction.ITEM_RETURN, f"退回《{report.title}》：{reason}", object_type="progress_entry",
               object_id=entry.id, item_id=item.id, actor=actor, details={"report_id": report.id})
    record(AuditAction.REPORT_RETURN, f"退回《{report.title}》：{reason}", object_type="report",
           object_id=report.id, actor=actor)
    return report


def accept_report(report: Report, opinion: str | None, actor: User,
                  verdicts: dict[int, VerdictInput] | None = None) -> Report:
    """受理, carrying the committee's 审查意见 ("总体同意…" and further asks) and, per item,
    staff's 落实评定 (``verdicts`` by item id; an item without one is not graded)."""
    opinion = (opinion or "").strip() or None
    verdicts = verdicts or {}
    if opinion:
        try:
            check_text(opinion, REPORT_TEXT, "审查意见")
        except PasteError as error:
            raise OperationError(error.message) from None
    problems = []
    for _entry, item in _entries(report):  # every bad verdict at once, before anything moves
        try:
            check_verdict(item, verdicts.get(item.id, VerdictInput(None)))
        except OperationError as error:
            problems.append(error.message)
    if problems:
        raise OperationError("；".join(problems))
    pairs = _review(report, Action.ACCEPT_REPORT, actor)
    now = utcnow()
    report.status, report.review_opinion, report.reviewed_by_id, report.reviewed_at = (
        ReviewStatus.ACCEPTED, opinion, actor.id, now)
    for entry, item in pairs:
        entry.review_status, entry.reviewed_at = ReviewStatus.ACCEPTED, now
        record(AuditAction.ITEM_ACCEPT, f"受理《{report.title}》", object_type="progress_entry",
               object_id=entry.id, item_id=item.id, actor=actor, details={"report_id": report.id})
        grade_item(item, verdicts.get(item.id, VerdictInput(None)), actor, report_id=report.id)
    record(AuditAction.REPORT_ACCEPT, f"受理《{report.title}》" + (f"，审查意见：{opinion}" if opinion else ""),
           object_type="report", object_id=report.id, actor=actor)
    commitments_from_accepted_report(report, pairs, actor)  # the lines' dates, for staff to confirm
    return report
