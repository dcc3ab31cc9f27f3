"""Who may see which item: one rule, written twice — a Python predicate for one loaded
item and its SQL twin for lists — and proven equal by ``tests/test_visibility.py``.

* Staff and administrators see every item.
* A unit user sees the items its unit leads or co-handles.
* A reviewer sees items that have reached evaluation (the report and evidence they vote
  on): those being evaluated or closed, and any item past its first round.
* The public sees an item only when staff published both it and its activity.

Anything else is 404 to the viewer, never 403, so its existence is not revealed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from .extensions import db
from .models import Activity, Commitment, Item, Stage, User, item_co_unit

REVIEWER_STAGES = (Stage.EVALUATING, Stage.CLOSED)


def co_unit_ids(item: Item) -> set[int]:
    """Co-unit ids, from the loaded relationship when the page eager-loaded it."""
    if "co_units" not in sa.inspect(item).unloaded:
        return {u.id for u in item.co_units}
    from .extensions import db
    return set(db.session.scalars(sa.select(item_co_unit.c.unit_id).where(item_co_unit.c.item_id == item.id)))


def is_unit_of(user: User, item: Item) -> bool:
    """The user's unit leads or co-handles the item."""
    if not (user.is_authenticated and user.is_unit_user and user.unit_id is not None):
        return False
    return item.lead_unit_id == user.unit_id or user.unit_id in co_unit_ids(item)


def can_view(user: User, item: Item) -> bool:
    if not user.is_authenticated or not user.active:
        return False
    if user.is_staff:
        return True
    if user.is_reviewer:
        return item.stage in REVIEWER_STAGES or item.round > 1
    return is_unit_of(user, item)


def can_view_report(user: User, report, items: list[Item]) -> bool:
    """A document report: staff, the unit that wrote it, and whoever may see one of its items
    (a reviewer voting on it, a co-unit of one of its points)."""
    if not user.is_authenticated or not user.active:
        return False
    if user.is_staff or (user.is_unit_user and user.unit_id == report.unit_id):
        return True
    return any(can_view(user, item) for item in items)


def can_see_followup(user: User, item: Item) -> bool:
    """The 督办 notices of an item: staff and the item's own units, not reviewers."""
    return user.is_authenticated and (user.is_staff or is_unit_of(user, item))


def unit_item_ids(unit_id: int):
    """Items a unit leads or co-handles, as a UNION of two index lookups: an OR across
    the two tables would make both databases scan every item."""
    return sa.union(
        sa.select(Item.id).where(Item.lead_unit_id == unit_id),
        sa.select(item_co_unit.c.item_id).where(item_co_unit.c.unit_id == unit_id),
    )


def unit_scope(user: User) -> int | None:
    """The unit whose items are all a unit user may see (``visible_items`` restricts to it);
    None for everyone else. Lists use it to walk the unit's items in index order."""
    if user.is_authenticated and user.active and not user.is_staff and not user.is_reviewer \
            and user.is_unit_user and user.unit_id:
        return user.unit_id
    return None


# The co-unit arm's order: the copies of the item's urgency and deadline on its co-unit row
# (``models/co_unit_order.py`` keeps them equal), so the walk follows ``ix_item_co_unit_order``.
CO_UNIT_ORDER = (item_co_unit.c.urgency, item_co_unit.c.deadline, item_co_unit.c.item_id)


def unit_item_arms(stmt: sa.Select, unit_id: int) -> tuple[sa.Select, sa.Select]:
    """``stmt`` split into the unit's lead items and its co-unit items (never both: an item it
    leads is in the first only). Each arm can walk one index in urgency order and stop after
    a page, where ``unit_item_ids`` makes the database gather and sort the unit's whole set:
    the lead arm ``ix_item_lead_urgency`` (ordered by ``urgency_order``), the co-unit arm
    ``ix_item_co_unit_order`` (ordered by ``CO_UNIT_ORDER``, equal values), joined to the
    item by its primary key."""
    lead = stmt.where(Item.lead_unit_id == unit_id)
    co = stmt.select_from(CoUnitJoin(item_co_unit, Item.__table__, item_co_unit.c.item_id == Item.id)).where(
        item_co_unit.c.unit_id == unit_id, sa.or_(Item.lead_unit_id != unit_id, Item.lead_unit_id.is_(None)))
    return lead, co


class CoUnitJoin(sa.sql.selectable.Join):
    """``item_co_unit JOIN item``, the co-unit rows as the outer loop, each item read by its
    primary key. On SQLite it is written ``CROSS JOIN``, which its planner never reorders:
    given a stage condition (我的事项's 待签收 first) it started from ``ix_item_stage_deadline``
    and probed the co-unit rows of every such item instead. On PostgreSQL the item is a
    ``LATERAL`` subquery that ``OFFSET 0`` keeps from being merged back: at 10k items, where
    a unit has a few hundred co-unit rows, it hashed them and read all 10k items' index
    entries to join them (1.7 ms, in the count and again in the page); from 100k up it had
    chosen this loop by itself. The subquery is named ``item``, so every condition on the
    item reads its row."""
    inherit_cache = True


@compiles(CoUnitJoin, "postgresql")
def _co_unit_join_postgresql(join: CoUnitJoin, compiler, **kw) -> str:
    kw["asfrom"] = True
    name = compiler.preparer.format_table(join.right)  # the table's own name: no value of a request
    item = f" CROSS JOIN LATERAL (SELECT * FROM {name} WHERE "  # noqa: S608 - identifiers only
    return (join.left._compiler_dispatch(compiler, **kw) + item
            + join.onclause._compiler_dispatch(compiler, **kw) + f" OFFSET 0) AS {name}")


@compiles(CoUnitJoin, "sqlite")
def _co_unit_join_sqlite(join: CoUnitJoin, compiler, **kw) -> str:
    kw["asfrom"] = True
    return (join.left._compiler_dispatch(compiler, **kw) + " CROSS JOIN "
            + join.right._compiler_dispatch(compiler, **kw) + " ON "
            + join.onclause._compiler_dispatch(compiler, **kw))


def visible_items(user: User) -> sa.Select:
    """``SELECT item`` restricted to what ``can_view`` accepts for ``user``."""
    stmt = sa.select(Item)
    if not user.is_authenticated or not user.active:
        return stmt.where(sa.false())
    if user.is_staff:
        return stmt
    if user.is_reviewer:
        return stmt.where(sa.or_(Item.stage.in_(REVIEWER_STAGES), Item.round > 1))
    if user.is_unit_user and user.unit_id:
        return stmt.where(Item.id.in_(unit_item_ids(user.unit_id)))
    return stmt.where(sa.false())


# -- the public ---------------------------------------------------------------------

def is_public(item: Item, activity: Activity) -> bool:
    return bool(item.published and activity.published)


def public_verdicts(item: Item, activity: Activity, verdicts: dict, closures: dict) -> tuple[dict, dict]:
    """What the public learns of staff's 落实评定 and of how each round was closed: the grade,
    the closure kind and the stated reasons, for a published item only (otherwise
    nothing). Who graded or closed it is never shown."""
    if not is_public(item, activity):
        return {}, {}
    return ({r: (v.grade, v.reason) for r, v in verdicts.items()},
            {r: (c.kind, c.cause, c.reason) for r, c in closures.items()})


def published_activity_ids() -> sa.Select:
    return sa.select(Activity.id).where(Activity.published.is_(True))


def public_items() -> sa.Select:
    """``SELECT item`` restricted to what ``is_public`` accepts."""
    return sa.select(Item).where(Item.published.is_(True), Item.activity_id.in_(published_activity_ids()))


def public_deadline_history(item: Item, activity: Activity) -> list:
    """The deadline changes the public may read: only for a published item, and only dates
    and the unit's own stated reason (``services.declared_dates.deadline_history`` leaves
    staff notes, extension reasons and correction reasons out)."""
    if not is_public(item, activity):
        return []
    from .services.declared_dates import deadline_history  # services import this module
    return deadline_history(item)


@dataclass(frozen=True)
class PublicCommitment:
    text: str
    due_on: date | None  # the CONFIRMED date only; None is shown as "日期待确认"
    status_label: str


def public_commitments(item: Item, activity: Activity, today: date | None = None) -> list[PublicCommitment]:
    """What the public reads of an item's commitments (承诺): the text, the date staff
    confirmed — a proposed date is a guess, never published as fact — and the status by
    the commitment light (an open one past its date reads 逾期未兑现). Published items only;
    who confirmed it, the evidence and the reasons stay inside."""
    if not is_public(item, activity):
        return []
    from .lights import commitment_shown_status  # lights reads settings through services that import this module
    rows = db.session.execute(sa.select(Commitment.text, Commitment.due_on, Commitment.status)
                              .where(Commitment.item_id == item.id).order_by(Commitment.id))
    return [PublicCommitment(text, due_on, commitment_shown_status(status, due_on, today).label)
            for text, due_on, status in rows]
