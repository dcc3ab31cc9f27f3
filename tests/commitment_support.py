"""Helpers for the commitment tests: an item, its commitments and history, the meeting
date, and the answer and commitment forms as staff post them."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
    AuditAction,
    AuditEntry,
    Commitment,
    Item,
)

from .helpers import make_item


def stored_item(app, stage="rectifying", **kw) -> int:
    with app.test_request_context():
        item = make_item(stage=stage, **kw)
        db.session.commit()
        return item.id


def commitments_of(app, item_id) -> list[Commitment]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Commitment).where(Commitment.item_id == item_id)
                                  .order_by(Commitment.id)).all()
        db.session.expunge_all()
        return rows


def history_count(app, action: AuditAction) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == action.value))


def meeting_of(app, item_id) -> date:
    with app.app_context():
        from tracker.models import Activity
        return db.session.scalar(sa.select(Activity.meeting_date).join(Item, Item.activity_id == Activity.id)
                                 .where(Item.id == item_id))


def add_commitment(staff, item_id, text="年底前完成学校改扩建。", due: date | None = None, **extra):
    data = {"text": text, "due_on": due.isoformat() if due else "", "source": "answer", "unit_id": "0"} | extra
    return staff.post(f"/items/{item_id}/commitments", data)


def record_answer(staff, item_id, version, **over):
    data = {"respondent_name": "王局长", "respondent_post": "区教育局局长", "answer": "将新建两所学校。",
            "commitments": "", "commitment_due": "", "answer_class": "", "answer_class_reason": "",
            "version": str(version)}
    return staff.post(f"/items/{item_id}/answer", data | over)
