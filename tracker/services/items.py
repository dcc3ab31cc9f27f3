"""Operations on items: 问, 答, 交办, 签收, 进展, 报告, 退回/受理, 延期 (activities: ``services.activities``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Activity,
    AuditAction,
    EntryKind,
    ExtensionRequest,
    ExtensionStatus,
    Item,
    Origin,
    ProgressEntry,
    ReviewStatus,
    Stage,
    Unit,
    User,
    local_today,
    utcnow,
)
from ..workflow import Action, apply, check, check_role
from . import OperationError
from .activities import create_activity
from .attachments import UploadedFile, store_attachments
from .audit import record
from .closure import VerdictInput, check_verdict, grade_item
from .liveness import mark_activity


def _unit_name(actor: User) -> str:
    """The actor's unit name, from the identity map when the request already loaded it."""
    unit = db.session.get(Unit, actor.unit_id) if actor.unit_id else None
    return unit.name if unit else ""


@dataclass
class ItemData:
    origin: Origin
    question: str
    ref: str | None = None  # the document's own number: "一", "（二）", "3"
    parent_id: int | None = None
    asker: str | None = None
    asked_unit_id: int | None = None
    respondent_name: str | None = None
    respondent_post: str | None = None
    answer: str | None = None
    commitments: str | None = None


def _check_organ(unit_id: int | None, label: str) -> Unit | None:
    if unit_id is None:
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None or not unit.kind.is_organ or not unit.active:
        raise OperationError(f"{label}必须是启用中的一府一委两院单位")
    return unit


def clean_ref(ref: str | None) -> str | None:
    """"（二）、" → "（二）": the number as the document prints it, without the trailing 、 or ．."""
    ref = (ref or "").strip().rstrip("、.．,，:： ")
    return ref or None


def _check_parent(activity: Activity, parent_id: int | None, item: Item | None = None) -> None:
    if parent_id is None:
        return
    parent = db.session.get(Item, parent_id)
    if parent is None or parent.activity_id != activity.id:
        raise OperationError("上级条目必须是同一监督活动中的事项")
    if item is not None and (parent.id == item.id or parent.parent_id == item.id):
        raise OperationError("上级条目不能是本条或本条的下级")


def add_item(activity: Activity, data: ItemData, actor: User) -> Item:
    """Record a question or opinion (问). Numbers are per activity, so take the
    activity row lock first: two clerks adding at once must not get the same number."""
    check_role(actor, Action.RECORD_ITEM)
    _check_organ(data.asked_unit_id, "被询问单位")
    _check_parent(activity, data.parent_id)
    db.session.execute(sa.select(Activity.id).where(Activity.id == activity.id).with_for_update())
    seq = (db.session.scalar(sa.select(sa.func.max(Item.seq)).where(Item.activity_id == activity.id)) or 0) + 1
    values = {**data.__dict__, "ref": clean_ref(data.ref)}
    item = Item(activity_id=activity.id, seq=seq, stage=Stage.ASKED, round=1, **values)
    if data.answer:
        apply(actor, item, Action.RECORD_ANSWER)  # recorded with its answer: 问 and 答 at once
    db.session.add(item)
    db.session.flush()
    record(AuditAction.ITEM_CREATE, f"录入{item.heading}" + ("（含答复）" if data.answer else ""),
           object_type="item", object_id=item.id, item_id=item.id, actor=actor)
    return item


def update_item(item: Item, data: ItemData, actor: User) -> Item:
    check(actor, item, Action.EDIT)
    _check_organ(data.asked_unit_id, "被询问单位")
    _check_parent(db.session.get(Activity, item.activity_id), data.parent_id, item)
    data.ref = clean_ref(data.ref)
    changed = [k for k, v in data.__dict__.items() if getattr(item, k) != v]
    for key in changed:
        setattr(item, key, getattr(data, key))
    if changed:
        record(AuditAction.ITEM_UPDATE, "修改事项内容", object_type="item", object_id=item.id, item_id=item.id,
               details={"fields": changed}, actor=actor)
    return item


@dataclass
class AnswerData:
    respondent_name: str | None
    respondent_post: str | None
    answer: str
    commitments: str | None


def record_answer(item: Item, data: AnswerData, actor: User) -> Item:
    apply(actor, item, Action.RECORD_ANSWER)
    for key, value in data.__dict__.items():
        setattr(item, key, value)
    who = f"（应询人：{data.respondent_name}）" if data.respondent_name else ""
    record(AuditAction.ITEM_ANSWER, f"记录答复{who}", object_type="item", object_id=item.id, item_id=item.id,
           actor=actor)
    return item


@dataclass
class Assignment:
    lead_unit_id: int
    co_unit_ids: list[int] = field(default_factory=list)
    deadline: date | None = None


def lead_and_co_units(lead_unit_id: int | None, co_unit_ids: list[int]) -> tuple[Unit, list[int], list[Unit]]:
    """The checked lead unit, and the co-units (sorted ids, units) without the lead."""
    lead = _check_organ(lead_unit_id, "牵头单位")
    if lead is None:
        raise OperationError("请选择牵头单位")
    co_ids = sorted(set(co_unit_ids) - {lead.id})
    return lead, co_ids, [_check_organ(uid, "协办单位") for uid in co_ids]


def assign_item(item: Item, data: Assignment, actor: User, today: date | None = None) -> Item:
    """交办: lead unit, co-units and a deadline; the unit must then 签收."""
    today = today or local_today()
    lead, co_ids, co_units = lead_and_co_units(data.lead_unit_id, data.co_unit_ids)
    if data.deadline is None or data.deadline <= today:
        raise OperationError("办理期限必须晚于今天（已经过去的事项请用“补录办理经过”录入真实日期）")
    apply(actor, item, Action.ASSIGN)
    if "co_units" in sa.inspect(item).unloaded:
        db.session.refresh(item, attribute_names=["co_units"])
    item.lead_unit_id = lead.id
    item.co_units = co_units
    item.deadline = item.original_deadline = data.deadline
    item.assigned_at = utcnow()
    mark_activity(item, today)
    co_text = f"，协办：{'、'.join(u.name for u in co_units)}" if co_units else ""
    record(AuditAction.ITEM_ASSIGN, f"交办 {lead.name}{co_text}，期限 {data.deadline:%Y-%m-%d}", object_type="item",
           object_id=item.id, item_id=item.id, actor=actor,
           details={"lead_unit_id": lead.id, "co_unit_ids": co_ids, "deadline": data.deadline.isoformat()})
    return item


def acknowledge(item: Item, actor: User) -> Item:
    apply(actor, item, Action.ACKNOWLEDGE)
    item.acknowledged_at = utcnow()
    record(AuditAction.ITEM_ACKNOWLEDGE, f"{_unit_name(actor)}签收", object_type="item",
           object_id=item.id, item_id=item.id, actor=actor)
    return item


def post_progress(item: Item, kind: EntryKind, text: str, files: list[UploadedFile], actor: User) -> ProgressEntry:
    if kind is EntryKind.REPORT:
        raise OperationError("整改情况报告请通过“提交报告”报送")
    check(actor, item, Action.POST_PROGRESS)
    entry = _new_entry(item, kind, text, files, actor)
    record(AuditAction.ITEM_PROGRESS,
           f"{_unit_name(actor)}报送{kind.label}" + (f"（附件 {len(files)} 个）" if files else ""),
           object_type="progress_entry", object_id=entry.id, item_id=item.id, actor=actor)
    return entry


def _new_entry(item: Item, kind: EntryKind, text: str, files: list[UploadedFile], actor: User) -> ProgressEntry:
    text = (text or "").strip()
    if not text:
        raise OperationError("请填写内容")
    entry = ProgressEntry(item_id=item.id, round=item.round, kind=kind, text=text, unit_id=actor.unit_id,
                          author_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    store_attachments(entry, files)
    mark_activity(item)
    return entry


def submit_report(item: Item, text: str, files: list[UploadedFile], actor: User) -> ProgressEntry:
    apply(actor, item, Action.SUBMIT_REPORT)
    entry = _new_entry(item, EntryKind.REPORT, text, files, actor)
    entry.review_status = ReviewStatus.PENDING
    record(AuditAction.ITEM_REPORT, f"{_unit_name(actor)}提交第 {item.round} 轮整改情况报告",
           object_type="progress_entry",
           object_id=entry.id, item_id=item.id, actor=actor)
    return entry


def pending_report(item: Item) -> ProgressEntry:
    entry = db.session.scalar(
        sa.select(ProgressEntry).where(ProgressEntry.item_id == item.id, ProgressEntry.kind == EntryKind.REPORT,
                                       ProgressEntry.review_status == ReviewStatus.PENDING)
        .order_by(ProgressEntry.id.desc()).limit(1))
    if entry is None:
        raise OperationError("没有待审核的报告")
    if entry.report_id is not None:
        # Part of a document report: it is accepted or returned as a whole, on its own page.
        raise OperationError("本事项随整份报告报送，请在报告页面统一受理或退回")
    return entry


def return_report(item: Item, reason: str, actor: User) -> ProgressEntry:
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("退回报告须写明理由")
    apply(actor, item, Action.RETURN_REPORT)
    entry = pending_report(item)
    entry.review_status, entry.review_note, entry.reviewed_at = ReviewStatus.RETURNED, reason, utcnow()
    record(AuditAction.ITEM_RETURN, f"退回整改情况报告：{reason}", object_type="progress_entry", object_id=entry.id,
           item_id=item.id, actor=actor)
    return entry


def accept_report(item: Item, actor: User, verdict: VerdictInput | None = None) -> ProgressEntry:
    """受理 one item's report, with staff's 落实评定 for the round when given."""
    verdict = verdict or VerdictInput(None)
    check_verdict(item, verdict)
    apply(actor, item, Action.ACCEPT_REPORT)
    entry = pending_report(item)
    entry.review_status, entry.reviewed_at = ReviewStatus.ACCEPTED, utcnow()
    record(AuditAction.ITEM_ACCEPT, f"受理第 {item.round} 轮整改情况报告", object_type="progress_entry",
           object_id=entry.id, item_id=item.id, actor=actor)
    grade_item(item, verdict, actor)
    return entry


def request_extension(item: Item, reason: str, new_deadline: date, actor: User) -> ExtensionRequest:
    check(actor, item, Action.REQUEST_EXTENSION)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise OperationError("申请延期须书面说明理由（至少 5 个字）")
    if item.deadline is None or new_deadline <= item.deadline:
        raise OperationError("申请的期限必须晚于当前期限")
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(ExtensionRequest).where(
        ExtensionRequest.item_id == item.id, ExtensionRequest.status == ExtensionStatus.PENDING))
    if pending:
        raise OperationError("已有待审批的延期申请，请等待审批结果")
    request = ExtensionRequest(item_id=item.id, round=item.round, reason=reason, current_deadline=item.deadline,
                               requested_deadline=new_deadline, requested_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    record(AuditAction.EXTENSION_REQUEST, f"申请延期至 {new_deadline:%Y-%m-%d}：{reason}",
           object_type="extension_request",
           object_id=request.id, item_id=item.id, actor=actor)
    return request


def decide_extension(item: Item, request: ExtensionRequest, approve: bool, note: str | None,
                     actor: User) -> ExtensionRequest:
    check(actor, item, Action.DECIDE_EXTENSION)
    if request.item_id != item.id or request.status is not ExtensionStatus.PENDING:
        raise OperationError("该延期申请已处理")
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_by_id, request.decided_at, request.decision_note = actor.id, utcnow(), (note or "").strip() or None
    if approve:
        item.deadline = request.requested_deadline
        summary = f"批准延期：期限由 {request.current_deadline:%Y-%m-%d} 延至 {request.requested_deadline:%Y-%m-%d}"
    else:
        summary = "不批准延期" + (f"：{request.decision_note}" if request.decision_note else "")
    record(AuditAction.EXTENSION_DECIDE, summary, object_type="extension_request", object_id=request.id,
           item_id=item.id,
           actor=actor)
    return request


def set_item_published(item: Item, published: bool, actor: User) -> None:
    check(actor, item, Action.SET_PUBLISHED)
    item.published = published
    record(AuditAction.ITEM_PUBLISH if published else AuditAction.ITEM_UNPUBLISH,
           "向社会公布" if published else "取消公布",
           object_type="item", object_id=item.id, item_id=item.id, actor=actor)


def set_items_published(activity: Activity, published: bool, actor: User) -> int:
    """Publish (or withdraw) every item of the activity; each change gets its own history row
    through the single-item operation, so the item timelines stay complete."""
    items = db.session.scalars(sa.select(Item).where(Item.activity_id == activity.id,
                                                     Item.published.is_not(published)).order_by(Item.seq)).all()
    for item in items:
        set_item_published(item, published, actor)
    db.session.flush()
    return len(items)


def import_plan(plan, actor: User, today: date) -> list[Item]:
    """Create the activities and items of a checked 台账 import (``ledger.importer.Plan``)
    through the same operations as the screens; the caller commits once."""
    if not plan.ok:
        raise ValueError("only a plan without problems can be imported")
    activities = {key: db.session.get(Activity, activity_id) for key, activity_id in plan.existing.items()}
    for key, new in plan.new.items():
        activities[key] = create_activity(new.data, actor)
    items = []
    for row in plan.rows:
        item = add_item(activities[row.activity_key], row.item, actor)
        if row.past is not None:
            from .backfill import backfill_item  # 补录 rows: the real history, not today's 交办
            backfill_item(item, row.past, actor, today)
        elif row.lead_unit_id:
            assign_item(item, Assignment(row.lead_unit_id, row.co_unit_ids, row.deadline), actor, today)
        items.append(item)
    record(AuditAction.LEDGER_IMPORT, f"导入台账：{len(items)} 项事项，新建监督活动 {len(plan.new)} 个",
           object_type="ledger", details={"items": len(items), "new_activities": len(plan.new)}, actor=actor)
    return items
