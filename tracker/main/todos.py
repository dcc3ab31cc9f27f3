"""The home page's to-do list: a small registry of providers, one per kind of waiting work.


Each provider says for which roles it counts, what it counts and where the list is. A
count is either a ``SELECT count(...)`` (one indexed COUNT per line, so the home page
costs the same number of statements however much data there is) or a plain ``int`` from
a function another area owns (for example ``pending_handbacks_count``). Item counts start
from ``visibility.visible_items``: a to-do never counts what the user could not open.

Another feature adds its line with one call::

    register(Todo("handbacks", "退办申请待审核", {Role.STAFF}, lambda user, today: pending_handbacks_count(),
                  lambda user: url_for("handbacks.index")))
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import url_for

from ..database import constant, likely
from ..extensions import db
from ..lights import commitment_due_soon_clause, commitment_overdue_clause, light_clause, overdue_clause
from ..list_page import First
from ..models import (
    AuditEntry,
    Commitment,
    EntryKind,
    EvaluationMode,
    ExtensionRequest,
    ExtensionStatus,
    HandbackRequest,
    HandbackStatus,
    Item,
    Lookback,
    ProgressEntry,
    ReviewStatus,
    Role,
    Sitting,
    SittingParticipant,
    SittingStatus,
    SittingVoter,
    Stage,
    Unit,
    UnitKind,
    User,
    item_co_unit,
    local_today,
    utcnow,
)
from ..models.base import LOCAL_TZ
from ..services.calendar import yellow_workdays
from ..services.commitments import DUE_SOON_DAYS
from ..services.followup import calendar_gaps
from ..templating import cn_date
from ..visibility import visible_items
from ..workdays import Light


@dataclass(frozen=True)
class Row:
    """One line under a to-do: a unit with its overdue count, a returned report with its reason."""

    label: str
    link: str
    note: str = ""
    count: int | None = None


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    roles: frozenset[Role]
    count: Callable[[User, date], sa.Select | int]
    link: Callable[[User], str]
    hint: str | Callable[[], str] = ""  # a callable for words that depend on a setting
    # At most a handful of lines shown under the count, read with one query.
    rows: Callable[[User, date], list[Row]] | None = None
    urgent: bool = False  # drawn in red when the count is not zero


@dataclass
class TodoLine:
    todo: Todo
    count: int
    link: str
    rows: list[Row] = field(default_factory=list)
    hint: str = ""


TODOS: list[Todo] = []


def register(todo: Todo) -> Todo:
    """Add a provider (replacing one with the same key, so reloading an area is harmless)."""
    TODOS[:] = [t for t in TODOS if t.key != todo.key]
    TODOS.append(todo)
    return todo


def todos_for(user: User, today: date | None = None) -> list[TodoLine]:
    """The user's to-dos with their counts, in registration order. Zero counts are kept:
    "nothing waiting" is an answer too."""
    today = today or local_today()
    mine = [t for t in TODOS if user.role in t.roles]
    counts = {t.key: t.count(user, today) for t in mine}
    for key, count in counts.items():
        if isinstance(count, sa.Select):
            counts[key] = db.session.scalar(count) or 0
    lines = []
    for todo in mine:
        count = int(counts[todo.key])
        rows = todo.rows(user, today) if todo.rows else []  # even at zero: the page costs the same
        hint = todo.hint() if callable(todo.hint) else todo.hint
        lines.append(TodoLine(todo, count, todo.link(user), rows, hint))
    return lines


# -- the counts ----------------------------------------------------------------------

def _items(user: User, *where) -> sa.Select:
    """COUNT of the user's visible, not withdrawn items matching ``where``."""
    return visible_items(user).where(Item.stage != Stage.WITHDRAWN, *where) \
        .with_only_columns(sa.func.count(Item.id), maintain_column_froms=True)


def _visible_ids(user: User) -> sa.Select:
    return visible_items(user).with_only_columns(Item.id, maintain_column_froms=True)


# One alias for the report rows these clauses read, made once: an alias made per call cost
# ~1.1 ms of Python per statement (SQLAlchemy prepares each new alias anew; 我的事项 asks on
# every view), against 0.02 ms of SQL.
_REPORT = sa.orm.aliased(ProgressEntry, name="returned_report")


def _returned_in_round(pe) -> tuple:
    """``pe`` is a report of the item's current round that staff returned: the one rule
    behind the correlated clause, the to-do rows and ``returned_now_ids``."""
    return (*_of_current_round(pe), *_returned_report(pe))


def _of_current_round(pe) -> tuple:
    return pe.item_id == Item.id, pe.round == Item.round


def _returned_report(pe) -> tuple:
    # A handful at any time: SQLite's statistics see four review states among millions of
    # entries, and once ix_item_stage_order covered the stage it read every rectifying item
    # instead (1M items: 0.1 -> 7 ms for 我的事项) (``database.likely``).
    # The values written into the statement (``database.constant``): a generic plan then
    # knows the returned state is rare, and PostgreSQL stops planning it on every request.
    return pe.kind == constant(EntryKind.REPORT.value), \
        likely(pe.review_status == constant(ReviewStatus.RETURNED.value), 0.001)


def _returned_clause():
    """Rectifying again after this round's report was returned (the unit must rewrite it)."""
    return sa.and_(Item.stage == Stage.RECTIFYING, sa.exists().where(*_returned_in_round(_REPORT)).correlate(Item))


def _returned_rows(user: User, today: date) -> list[Row]:
    """The latest returned report of each returned item, with the reason staff gave."""
    latest = sa.select(sa.func.max(_REPORT.id)).where(*_returned_in_round(_REPORT)).correlate(Item).scalar_subquery()
    stmt = (visible_items(user).where(_returned_clause())
            .with_only_columns(Item.id, Item.question, ProgressEntry.review_note, maintain_column_froms=True)
            .join(ProgressEntry, ProgressEntry.id == latest).order_by(Item.deadline, Item.id).limit(5))
    return [Row(" ".join(r.question.split())[:30], url_for("items.detail", item_id=r.id),
                note=f"退回理由：{r.review_note or '（未写明）'}") for r in db.session.execute(stmt)]


def _pending_extensions(user: User, today: date) -> sa.Select:
    return sa.select(sa.func.count(ExtensionRequest.id)).where(
        ExtensionRequest.status == ExtensionStatus.PENDING, ExtensionRequest.item_id.in_(_visible_ids(user)))


def _extension_rows(user: User, today: date) -> list[Row]:
    stmt = (sa.select(Item.id, Item.question, ExtensionRequest.requested_deadline)
            .join(ExtensionRequest, ExtensionRequest.item_id == Item.id)
            .where(ExtensionRequest.status == ExtensionStatus.PENDING, Item.id.in_(_visible_ids(user)))
            .order_by(ExtensionRequest.created_at, ExtensionRequest.id).limit(5))
    return [Row(" ".join(r.question.split())[:30], url_for("items.detail", item_id=r.id, _anchor="actions"),
                note=f"申请延至 {cn_date(r.requested_deadline)}")
            for r in db.session.execute(stmt)]


def _overdue_by_unit(user: User, today: date) -> list[Row]:
    count = sa.func.count(Item.id)
    stmt = (sa.select(Unit.id, Unit.name, count).join(Item, Item.lead_unit_id == Unit.id)
            .where(overdue_clause(today), Item.id.in_(_visible_ids(user)))
            .group_by(Unit.id, Unit.name, Unit.sort_order).order_by(count.desc(), Unit.sort_order).limit(6))
    return [Row(r.name, url_for("followup.overdue", unit=r.id), count=r[2]) for r in db.session.execute(stmt)]


def _open_sittings(user: User, today: date) -> sa.Select:
    return sa.select(sa.func.count(Sitting.id)).where(Sitting.status.in_((SittingStatus.OPEN, SittingStatus.STOPPED)))


def _ballots_waiting(user: User, today: date) -> sa.Select:
    voted = sa.exists().where(SittingParticipant.sitting_id == Sitting.id, SittingParticipant.user_id == user.id)
    return (sa.select(sa.func.count(Sitting.id))
            .join(SittingVoter, sa.and_(SittingVoter.sitting_id == Sitting.id, SittingVoter.user_id == user.id))
            .where(Sitting.status == SittingStatus.OPEN, Sitting.mode == EvaluationMode.ONLINE, ~voted))


def _locked_accounts(user: User, today: date) -> sa.Select:
    return sa.select(sa.func.count(User.id)).where(User.active.is_(True), User.locked_until > utcnow())


def _inactive_units(user: User, today: date) -> sa.Select:
    """Active 一府一委两院 units nobody can sign in for: their items would go unread."""
    has_user = sa.exists().where(User.unit_id == Unit.id, User.active.is_(True), User.role == Role.UNIT)
    return sa.select(sa.func.count(Unit.id)).where(Unit.active.is_(True), Unit.kind != UnitKind.COMMITTEE, ~has_user)


def _calendar_gaps(user: User, today: date) -> int:
    return len(calendar_gaps(today))


def _audit_week(user: User, today: date) -> sa.Select:
    """History rows of the last seven local days, administrators' own actions included."""
    start = datetime(today.year, today.month, today.day, tzinfo=LOCAL_TZ) - timedelta(days=6)
    return sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.at >= start.astimezone(UTC).replace(tzinfo=None))


def _pending_handbacks(user: User, today: date) -> sa.Select:
    return sa.select(sa.func.count(HandbackRequest.id)).where(
        HandbackRequest.status == HandbackStatus.PENDING, HandbackRequest.item_id.in_(_visible_ids(user)))


def _lookbacks_due(user: User, today: date, *, unanswered_by_unit: bool = False) -> sa.Select:
    """回头看 of the current round due today or earlier with no finding yet (the staff list's
    "已到期"); for a lead unit, the ones told to it and not yet answered."""
    stmt = (sa.select(sa.func.count(Lookback.id)).join(Item, Item.id == Lookback.item_id)
            .where(Lookback.finding.is_(None), Lookback.round == Item.round, Item.stage == Stage.CLOSED,
                   Lookback.due_on <= today, Item.id.in_(_visible_ids(user))))
    if unanswered_by_unit:
        stmt = stmt.where(Item.lead_unit_id == user.unit_id, Lookback.notified_at.is_not(None),
                          Lookback.answered_at.is_(None))
    return stmt


def _lookback_rows(user: User, today: date) -> list[Row]:
    stmt = (sa.select(Item.id, Item.question, Lookback.due_on).join(Lookback, Lookback.item_id == Item.id)
            .where(Lookback.finding.is_(None), Lookback.round == Item.round, Item.stage == Stage.CLOSED,
                   Lookback.due_on <= today, Item.lead_unit_id == user.unit_id, Lookback.notified_at.is_not(None),
                   Lookback.answered_at.is_(None), Item.id.in_(_visible_ids(user)))
            .order_by(Lookback.due_on, Lookback.id).limit(5))
    return [Row(" ".join(r.question.split())[:30], url_for("items.detail", item_id=r.id, _anchor="closure"),
                note=f"{cn_date(r.due_on)} 到期") for r in db.session.execute(stmt)]


def _commitments_clause(today: date):
    """Open commitments with a confirmed date that is past or within ``DUE_SOON_DAYS`` (the
    same window as 我的事项's list), by the commitment light's SQL twins."""
    return sa.or_(commitment_overdue_clause(today),
                  commitment_due_soon_clause(today, today + timedelta(days=DUE_SOON_DAYS)))


def _commitments_due(user: User, today: date) -> sa.Select:
    return (sa.select(sa.func.count(Commitment.id)).join(Item, Item.id == Commitment.item_id)
            .where(_commitments_clause(today), Item.stage != Stage.WITHDRAWN, Item.id.in_(_visible_ids(user))))


def _commitment_rows(user: User, today: date) -> list[Row]:
    stmt = (sa.select(Item.id, Commitment.text, Commitment.due_on).join(Item, Item.id == Commitment.item_id)
            .where(_commitments_clause(today), Item.stage != Stage.WITHDRAWN, Item.id.in_(_visible_ids(user)))
            .order_by(Commitment.due_on, Commitment.id).limit(5))
    return [Row(" ".join(r.text.split())[:30], url_for("items.detail", item_id=r.id, _anchor="commitments"),
                note=("已逾期：" if r.due_on < today else "") + f"应于 {cn_date(r.due_on)} 前兑现")
            for r in db.session.execute(stmt)]


def _commitments_overdue(user: User, today: date) -> sa.Select:
    """Staff: open commitments past their confirmed date (the red commitment light's SQL twin),
    closed items' included — 办结 does not end a promise."""
    return (sa.select(sa.func.count(Commitment.id)).join(Item, Item.id == Commitment.item_id)
            .where(commitment_overdue_clause(today), Item.stage != Stage.WITHDRAWN, Item.id.in_(_visible_ids(user))))


def _due_within() -> str:
    return f"{yellow_workdays()} 个工作日内到期（黄灯）"


STAFF, UNIT, REVIEWER = frozenset({Role.STAFF}), frozenset({Role.UNIT}), frozenset({Role.REVIEWER})


def _items_link(**args) -> Callable[[User], str]:
    return lambda user: url_for("items.index", **args)


def _my_link(**args) -> Callable[[User], str]:
    return lambda user: url_for("work.my_items", **args)


for _todo in (
    # 工作人员
    Todo("reports", "整改情况报告待审核", STAFF, lambda u, t: _items(u, Item.stage == Stage.REPORTED),
         _items_link(stage=Stage.REPORTED.value), "受理或退回（写明理由）", urgent=True),
    Todo("extensions", "延期申请待审批", STAFF, _pending_extensions, _items_link(stage="改"),
         "批准或不批准", rows=_extension_rows, urgent=True),
    Todo("to_assign", "已答复待交办", STAFF, lambda u, t: _items(u, Item.stage == Stage.ANSWERED),
         _items_link(stage=Stage.ANSWERED.value), "确定承办单位和期限"),
    Todo("to_evaluate", "报告已受理待测评", STAFF, lambda u, t: _items(u, Item.stage == Stage.ACCEPTED),
         _items_link(stage=Stage.ACCEPTED.value), "开启满意度测评或组织测评会议"),
    Todo("sittings", "测评会议待结束计票", STAFF, _open_sittings, lambda u: url_for("sittings.index"),
         "停止投票并计票，结果才生效"),
    Todo("overdue", "逾期未办结", STAFF, lambda u, t: _items(u, overdue_clause(t)),
         lambda u: url_for("followup.overdue"), "按牵头单位", rows=_overdue_by_unit, urgent=True),
    Todo("due_soon", "即将到期", STAFF, lambda u, t: _items(u, light_clause(Light.YELLOW, t)),
         lambda u: url_for("followup.due_soon"), _due_within),
    Todo("handbacks", "退办申请待处理", STAFF, _pending_handbacks, lambda u: url_for("followup.handbacks"),
         "同意并改交，或写明意见不同意", urgent=True),
    Todo("lookbacks", "回头看已到期待记录结论", STAFF, _lookbacks_due,
         lambda u: url_for("followup.lookbacks", state="due"), "已巩固、出现反弹或承诺未兑现"),
    Todo("commitments_overdue", "承诺逾期未兑现", STAFF, _commitments_overdue,
         lambda u: url_for("followup.commitments", state="overdue"), "督促兑现，或记录兑现情况", urgent=True),
    # 承办单位
    # Only the lead unit 签收s; a co-unit waits with it.
    Todo("acknowledge", "待签收", UNIT, lambda u, t: _items(u, Item.stage == Stage.ASSIGNED,
                                                         Item.lead_unit_id == u.unit_id),
         _my_link(stage=Stage.ASSIGNED.value), "签收后开始整改", urgent=True),
    Todo("returned", "报告被退回，待重新提交", UNIT, lambda u, t: _items(u, _returned_clause()),
         _my_link(stage=Stage.RECTIFYING.value), rows=_returned_rows, urgent=True),
    Todo("unit_overdue", "已逾期", UNIT, lambda u, t: _items(u, overdue_clause(t)),
         _my_link(overdue="1"), "请尽快报送或申请延期", urgent=True),
    Todo("unit_due_soon", "即将到期", UNIT, lambda u, t: _items(u, light_clause(Light.YELLOW, t)),
         _my_link(light=Light.YELLOW.value), _due_within),
    Todo("unit_commitments", "承诺即将到期或已逾期", UNIT, _commitments_due,
         lambda u: url_for("work.my_items", _anchor="commitments-due"),
         f"{DUE_SOON_DAYS} 天内到期的承诺，请报送兑现情况",
         rows=_commitment_rows, urgent=True),
    Todo("unit_lookbacks", "回头看待报送", UNIT, lambda u, t: _lookbacks_due(u, t, unanswered_by_unit=True),
         _my_link(), "报送整改成果巩固情况和证明材料", rows=_lookback_rows, urgent=True),
    # 测评人
    Todo("ballots", "待测评（未投票）", REVIEWER, _ballots_waiting, lambda u: url_for("work.my_evaluations"),
         "无记名投票", urgent=True),
    # 三员
    Todo("locked", "暂停登录的账号", frozenset({Role.ADMIN}), _locked_accounts, lambda u: url_for("admin.users"),
         "多次输错密码，到期自动恢复或由管理员重置"),
    Todo("unit_without_user", "没有可用账号的承办单位", frozenset({Role.ADMIN}), _inactive_units,
         lambda u: url_for("admin.units"), "交办给这些单位的事项无人签收"),
    Todo("calendar", "缺少节假日安排的年份", frozenset({Role.SECURITY}), _calendar_gaps,
         lambda u: url_for("followup.calendar_settings"), "未录入时按周一至周五计算工作日", urgent=True),
    Todo("audit_week", "近 7 日操作记录", frozenset({Role.AUDITOR}), _audit_week, lambda u: url_for("admin.audit"),
         "可校验防篡改哈希链"),
):
    register(_todo)


def returned_now_ids() -> list[int]:
    """Items whose report for the current round came back (``_returned_clause``), read once
    from the returned reports through ``ix_progress_entry_review`` — a handful at any time.
    As a correlated EXISTS under an OR (``attention_first``) the same rule made PostgreSQL
    scan every progress entry per list arm and SQLite test every item of the unit:
    33 → 1,737 ms for 我的事项 from 10k to 1M items (issue 16)."""
    return list(db.session.scalars(_returned_now_statement()))


@functools.cache
def _returned_now_statement() -> sa.Select:
    """The returned reports are the only table the statement reads from, their items asked
    by primary key in a correlated EXISTS: written as a join, SQLite's planner could start
    from the items instead, and did whenever its statistics (``PRAGMA optimize`` under an
    analysis limit) put as few rows behind ``stage = rectifying`` as behind the returned
    state — every rectifying item read, 537 ms at 1M items."""
    in_round = sa.exists().where(*_of_current_round(_REPORT), Item.stage == constant(Stage.RECTIFYING.value)) \
        .correlate(_REPORT)
    return sa.select(_REPORT.item_id).distinct().where(*_returned_report(_REPORT), in_round)


def _attention(stage, item_id) -> tuple:
    """The rule of ``attention_first`` over a stage and an item id column — the item's own or
    its co-unit rows' copies: 待签收, then the items whose report came back."""
    return stage == constant(Stage.ASSIGNED.value), item_id.in_(_returned_now_statement())


@functools.cache
def attention_first() -> First:
    """What a unit must act on first — 待签收, then returned reports — for
    ``list_page.list_page(first=…)``: the rows to lead the list, in that order. Each list
    arm reads its 待签收 items in list order and its returned ones as the ids of
    ``_returned_now_statement`` (a handful, read through ``ix_progress_entry_review``): the
    lead arm through ``ix_item_lead_stage``, the co-unit arm by the same rule on its rows'
    stage copies through ``ix_item_co_unit_stage`` (我的事项 at 1M items: it read all
    ~3,500 urgency-0 co-unit rows of a unit to test each item's stage before). The ids are
    a subquery of the page's statement, not a statement of their own (a round trip of
    ~0.4 ms for 0.01 ms of SQL on every view of 我的事项); as a correlated EXISTS under an
    OR the same rule made PostgreSQL scan every progress entry per arm (``returned_now_ids``)."""
    return First(_attention(Item.stage, Item.id), co_unit=_attention(item_co_unit.c.stage, item_co_unit.c.item_id),
                 shape=("attention",))
