"""退办: the lead unit contests an assignment within N working days of 交办 (a setting);
staff either reassign it — another lead unit, the deadline restarted by the activity's
rule, the item back to 待签收 — or refuse with a note. Both sides hear about it (the
HANDBACK_* routes in ``notify.ROUTES``) and every step is in the history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..limits import NOTE_TEXT, REASON_TEXT
from ..models import (
    Activity,
    AuditAction,
    HandbackRequest,
    HandbackStatus,
    Item,
    Unit,
    User,
    local_today,
    utcnow,
)
from ..models.base import to_local
from ..workflow import Action, apply, check
from . import OperationError, checked_text
from .audit import record
from .calendar import get_calendar, handback_workdays
from .corrections import Correction, correct_assignment
from .deadlines import due_date
from .liveness import mark_activity


def handback_last_day(item: Item) -> date | None:
    """The last day the lead unit may still ask to hand the item back (None: not assigned)."""
    if item.assigned_at is None:
        return None
    return get_calendar().add_working_days(to_local(item.assigned_at).date(), handback_workdays())


def pending_handback(item_id: int) -> HandbackRequest | None:
    return db.session.scalar(sa.select(HandbackRequest).where(
        HandbackRequest.item_id == item_id, HandbackRequest.status == HandbackStatus.PENDING))


def request_handback(item: Item, reason: str, suggested_unit_id: int | None, actor: User,
                     today: date | None = None) -> HandbackRequest:
    check(actor, item, Action.REQUEST_HANDBACK)
    today = today or local_today()
    last_day = handback_last_day(item)
    if last_day is None or today > last_day:
        assigned = f"{to_local(item.assigned_at):%Y-%m-%d} 交办，" if item.assigned_at else ""
        raise OperationError(f"退办须在交办之日起 {handback_workdays()} 个工作日内提出（{assigned}"
                             f"最迟 {last_day:%Y-%m-%d}），已超过退办期限；如确有困难请申请延期或与工作人员联系"
                             if last_day else "事项尚未交办，不能退办")
    reason = checked_text(reason, REASON_TEXT, "退办理由")
    if pending_handback(item.id) is not None:
        raise OperationError("该事项已有待处理的退办申请")
    suggested = None
    if suggested_unit_id:
        suggested = db.session.get(Unit, suggested_unit_id)
        if suggested is None or suggested.id == item.lead_unit_id:
            raise OperationError("建议承办单位：请选择其他单位")
    request = HandbackRequest(item_id=item.id, round=item.round, unit_id=item.lead_unit_id, reason=reason,
                              suggested_unit_id=suggested.id if suggested else None, requested_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    hint = f"，建议由{suggested.name}承办" if suggested else ""
    record(AuditAction.HANDBACK_REQUEST, f"申请退办{hint}。理由：{reason}", object_type="handback_request",
           object_id=request.id, item_id=item.id, actor=actor,
           details={"from_unit_id": item.lead_unit_id, "suggested_unit_id": request.suggested_unit_id})
    return request


@dataclass
class HandbackDecision:
    reassign: bool
    note: str | None = None
    lead_unit_id: int | None = None  # reassign only
    co_unit_ids: list[int] | None = None


def decide_handback(item: Item, request: HandbackRequest, decision: HandbackDecision, actor: User,
                    today: date | None = None) -> HandbackRequest:
    """Reassign (the new unit must 签收; the deadline restarts from today by the rule) or refuse."""
    check(actor, item, Action.DECIDE_HANDBACK)
    today = today or local_today()
    if request.item_id != item.id or request.status is not HandbackStatus.PENDING:
        raise OperationError("该退办申请已处理")
    from_unit_id = request.unit_id
    note = checked_text(decision.note, NOTE_TEXT, "处理意见", required=not decision.reassign)
    if decision.reassign:
        if not decision.lead_unit_id or decision.lead_unit_id == from_unit_id:
            raise OperationError("新的牵头单位：请选择申请退办以外的单位")
        kind = db.session.get(Activity, item.activity_id).kind
        deadline = due_date(kind, "handle", today)
        reason = f"同意退办（退办申请 {request.id}）" + (f"：{note}" if note else "")
        correct_assignment(item, Correction(decision.lead_unit_id, decision.co_unit_ids or [], deadline,
                                            item.question, reason), actor, handed_back=True)
        apply(actor, item, Action.DECIDE_HANDBACK)  # back to 待签收 for the new unit
        item.assigned_at, item.acknowledged_at = utcnow(), None
        mark_activity(item, today)
        request.status, request.new_unit_id = HandbackStatus.REASSIGNED, item.lead_unit_id
        new_unit = db.session.get(Unit, item.lead_unit_id)
        summary = f"同意退办，改由{new_unit.name}牵头办理，期限按规则重新计算为 {deadline:%Y-%m-%d}"
    else:
        request.status = HandbackStatus.REFUSED
        summary = f"未同意退办，请继续办理：{note}"
    request.decided_by_id, request.decided_at, request.decision_note = actor.id, utcnow(), note
    record(AuditAction.HANDBACK_DECIDE, summary, object_type="handback_request", object_id=request.id,
           item_id=item.id, actor=actor, details={"from_unit_id": from_unit_id, "reassigned": decision.reassign})
    return request


# -- staff's list ---------------------------------------------------------------------

def pending_handbacks_count() -> int:
    """How many 退办 requests wait for staff (for the home to-do list)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(HandbackRequest)
                             .where(HandbackRequest.status == HandbackStatus.PENDING)) or 0


def pending_handbacks() -> list[tuple[HandbackRequest, Item]]:
    """Pending requests, oldest first, with their items and the units named on them."""
    from sqlalchemy.orm import joinedload
    rows = db.session.execute(
        sa.select(HandbackRequest, Item).join(Item, Item.id == HandbackRequest.item_id)
        .where(HandbackRequest.status == HandbackStatus.PENDING)
        .options(joinedload(HandbackRequest.unit), joinedload(HandbackRequest.suggested_unit),
                 joinedload(HandbackRequest.requested_by))
        .order_by(HandbackRequest.created_at, HandbackRequest.id)).all()
    return [(row[0], row[1]) for row in rows]


_HANDBACKS = (sa.select(HandbackRequest).where(HandbackRequest.item_id == sa.bindparam("item_id"))
              .options(sa.orm.joinedload(HandbackRequest.unit), sa.orm.joinedload(HandbackRequest.suggested_unit),
                       sa.orm.joinedload(HandbackRequest.new_unit))
              .order_by(HandbackRequest.id))  # built once (the item page reads it on every view)


def item_handbacks(item_id: int) -> list[HandbackRequest]:
    return list(db.session.scalars(_HANDBACKS, {"item_id": item_id}))
