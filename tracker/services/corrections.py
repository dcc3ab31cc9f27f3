"""Putting right what was entered wrong: 作废 an item recorded by mistake, 更正交办 after the
fact. Both keep what was there (the history row holds the reason and the old values);
nothing is deleted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditAction, Item, Stage, User, utcnow
from ..workflow import Action, apply, check
from . import OperationError
from .audit import record
from .items import lead_and_co_units


def withdraw_item(item: Item, reason: str, actor: User) -> Item:
    """作废: an item entered by mistake (a duplicate, a wrong split) is kept and marked with
    the reason, leaves every list and figure, and is never deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("作废须写明理由")
    if len(reason) > 2000:
        raise OperationError("理由不超过 2000 字")
    apply(actor, item, Action.WITHDRAW)
    item.withdrawn_at, item.withdrawn_reason = utcnow(), reason
    record(AuditAction.ITEM_WITHDRAW, f"作废：{reason}", object_type="item", object_id=item.id, item_id=item.id,
           actor=actor)
    return item


@dataclass
class Correction:
    lead_unit_id: int
    co_unit_ids: list[int]
    deadline: date
    question: str
    reason: str


def correct_assignment(item: Item, data: Correction, actor: User, *, handed_back: bool = False) -> Item:
    """更正交办 after the fact: another lead unit, other co-units, a corrected deadline or
    wording, always with a reason; what was there before is kept in the history row. A new
    lead unit must 签收 again. ``handed_back``: staff agreed to a 退办 (services/handbacks.py),
    so the lead unit may change even after it signed for the item."""
    check(actor, item, Action.CORRECT_ASSIGNMENT)
    reason = (data.reason or "").strip()
    if not reason:
        raise OperationError("更正交办须写明理由")
    lead, co_ids, co_units = lead_and_co_units(data.lead_unit_id, data.co_unit_ids)
    question = (data.question or "").strip()
    if not question:
        raise OperationError("请填写事项内容")
    if "co_units" in sa.inspect(item).unloaded:
        db.session.refresh(item, attribute_names=["co_units"])
    before = {"lead_unit_id": item.lead_unit_id, "co_unit_ids": sorted(u.id for u in item.co_units),
              "deadline": item.deadline.isoformat() if item.deadline else None, "question": item.question}
    changes = []
    if lead.id != item.lead_unit_id:
        changes.append(f"牵头单位改为{lead.name}")
        if item.stage is Stage.RECTIFYING and not handed_back:
            raise OperationError("承办单位已签收并在整改中，更换牵头单位请先与原单位沟通后退回重新交办")
    if co_ids != before["co_unit_ids"]:
        changes.append("协办单位改为" + ("、".join(u.name for u in co_units) or "无"))
    if data.deadline != item.deadline:
        changes.append(f"期限改为 {data.deadline:%Y-%m-%d}")
    if question != item.question:
        changes.append("修改事项内容")
    if not changes:
        raise OperationError("没有需要更正的内容")
    item.lead_unit_id, item.co_units, item.question = lead.id, co_units, question
    if data.deadline != item.deadline:
        item.deadline = item.original_deadline = data.deadline
    record(AuditAction.ITEM_CORRECT, f"更正交办：{'；'.join(changes)}。理由：{reason}", object_type="item",
           object_id=item.id, item_id=item.id, actor=actor,
           details={"before": before, "deadline": item.deadline.isoformat() if item.deadline else None})
    return item
