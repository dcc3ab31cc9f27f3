"""Loading items for pages: visibility, filters, eager loading and pagination.

Every list uses the same three steps: ``visible_items`` (who may see what), ``apply_filters``
(what the user asked for) and ``with_list_loads`` (a fixed number of queries per page,
whatever the data size).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import DEADLINE_STAGES, Activity, Item, Stage, User, item_co_unit, local_today
from ..workflow import can_view

PHASES = {"问": [Stage.ASKED], "答": [Stage.ANSWERED],
          "改": [Stage.ASSIGNED, Stage.RECTIFYING, Stage.REPORTED, Stage.ACCEPTED],
          "评": [Stage.EVALUATING], "办结": [Stage.CLOSED]}


def visible_items(user: User) -> sa.Select:
    stmt = sa.select(Item)
    if user.is_staff:
        return stmt
    if user.is_unit_user and user.unit_id:
        co = sa.select(item_co_unit.c.item_id).where(item_co_unit.c.unit_id == user.unit_id)
        return stmt.where(sa.or_(Item.lead_unit_id == user.unit_id, Item.id.in_(co)))
    if user.is_reviewer:
        return stmt.where(sa.or_(Item.stage.in_([Stage.EVALUATING, Stage.CLOSED]), Item.round > 1))
    return stmt.where(sa.false())


@dataclass
class ItemFilters:
    stage: str = ""
    unit_id: int | None = None
    activity_id: int | None = None
    year: int | None = None
    overdue: bool = False
    supervised: bool = False
    q: str = ""

    @classmethod
    def from_args(cls, args) -> ItemFilters:
        def as_int(name):
            value = args.get(name, "").strip()
            return int(value) if value.isdigit() and len(value) < 10 else None
        stage = args.get("stage", "")
        if stage not in PHASES and stage not in {s.value for s in Stage}:
            stage = ""
        return cls(stage=stage, unit_id=as_int("unit"), activity_id=as_int("activity"), year=as_int("year"),
                   overdue=args.get("overdue") == "1", supervised=args.get("supervised") == "1",
                   q=args.get("q", "").strip()[:100])

    def as_args(self) -> dict:
        args = {"stage": self.stage, "unit": self.unit_id, "activity": self.activity_id, "year": self.year,
                "overdue": "1" if self.overdue else None, "supervised": "1" if self.supervised else None,
                "q": self.q}
        return {k: v for k, v in args.items() if v}


def overdue_clause(today: date):
    return sa.and_(Item.stage.in_(DEADLINE_STAGES), Item.deadline < today)


def apply_filters(stmt: sa.Select, filters: ItemFilters, today: date | None = None) -> sa.Select:
    today = today or local_today()
    if filters.stage in PHASES:
        stmt = stmt.where(Item.stage.in_(PHASES[filters.stage]))
    elif filters.stage:
        stmt = stmt.where(Item.stage == Stage(filters.stage))
    if filters.unit_id:
        co = sa.select(item_co_unit.c.item_id).where(item_co_unit.c.unit_id == filters.unit_id)
        stmt = stmt.where(sa.or_(Item.lead_unit_id == filters.unit_id, Item.id.in_(co)))
    if filters.activity_id:
        stmt = stmt.where(Item.activity_id == filters.activity_id)
    if filters.year:
        start, end = date(filters.year, 1, 1), date(filters.year + 1, 1, 1)
        stmt = stmt.where(Item.activity_id.in_(
            sa.select(Activity.id).where(Activity.meeting_date >= start, Activity.meeting_date < end)))
    if filters.overdue:
        stmt = stmt.where(overdue_clause(today))
    if filters.supervised:
        stmt = stmt.where(Item.supervised.is_(True))
    if filters.q:
        like = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(sa.or_(Item.question.ilike(like, escape="\\"), Item.answer.ilike(like, escape="\\")))
    return stmt


def with_list_loads(stmt: sa.Select) -> sa.Select:
    return stmt.options(joinedload(Item.activity), joinedload(Item.lead_unit), selectinload(Item.co_units))


def urgency_order(today: date):
    """Red first, then by deadline; items not running against a deadline last."""
    running = Item.stage.in_(DEADLINE_STAGES)
    return (sa.case((sa.and_(running, Item.deadline < today), 0), (running, 1), else_=2),
            Item.deadline.is_(None), Item.deadline, Item.id)


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def paginate(stmt: sa.Select, page: int, per_page: int) -> Page:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def get_item(item_id: int) -> Item:
    """Load-or-404 with the object-level check: an item the user may not see is 404,
    never 403, so its existence is not revealed."""
    item = db.session.scalar(
        sa.select(Item).where(Item.id == item_id)
        .options(joinedload(Item.activity).joinedload(Activity.lead_committee), joinedload(Item.lead_unit),
                 joinedload(Item.asked_unit), selectinload(Item.co_units)))
    if item is None or not can_view(current_user, item):
        abort(404)
    return item
