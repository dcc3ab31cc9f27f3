"""催办 / 督办 by staff, the 挂牌督办 flag, and the holiday-calendar overrides."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import g, has_app_context

from ..extensions import db
from ..models import AuditAction, CalendarOverride, Item, Notice, NoticeKind, User, local_today
from ..workflow import Action, check
from . import OperationError
from .audit import record
from .calendar import get_calendar

MAX_NOTICE_TEXT = 2000


def send_notice(item: Item, kind: NoticeKind, text: str | None, reply_by: date | None, actor: User,
                today: date | None = None) -> Notice:
    """催办 (a nudge, text optional) or 督办通知 (text and a reply-by date required)."""
    today = today or local_today()
    check(actor, item, Action.URGE)
    if kind not in (NoticeKind.URGE, NoticeKind.SUPERVISE):
        raise OperationError("只能发送催办或督办通知")
    text = (text or "").strip()
    if len(text) > MAX_NOTICE_TEXT:
        raise OperationError(f"内容不超过 {MAX_NOTICE_TEXT} 字")
    if kind is NoticeKind.SUPERVISE:
        if not text:
            raise OperationError("督办通知须写明督办内容")
        if reply_by is None:
            raise OperationError("督办通知须设定回复期限")
    if reply_by is not None and reply_by <= today:
        raise OperationError("回复期限必须晚于今天")
    if not text:
        text = "请抓紧办理，按期报送整改情况。"
    notice = Notice(item_id=item.id, round=item.round, kind=kind, unit_id=item.lead_unit_id, text=text,
                    reply_by=reply_by, created_by_id=actor.id)
    db.session.add(notice)
    db.session.flush()
    reply = f"，请于 {reply_by:%Y-%m-%d} 前回复" if reply_by else ""
    record(kind.audit_action, f"{kind.label}{reply}：{text}", object_type="notice", object_id=notice.id,
           item_id=item.id, actor=actor)
    return notice


def supervise_item(item: Item, reason: str | None, actor: User | None, *,
                   object_type: str = "item", object_id: int | None = None) -> None:
    """提请主任会议挂牌督办: by staff (``actor``), or by the system (``actor=None``) when an
    item is long overdue or fails K rounds. The one place that raises the flag for one item
    (``flag_supervised_by_system`` below is its batch form for the daily job)."""
    if actor is not None:
        check(actor, item, Action.SUPERVISE)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise OperationError("理由不超过 500 字")
    if item.supervised:
        raise OperationError("该事项已挂牌督办")
    item.supervised = True
    summary = ("工作人员提请主任会议挂牌督办" + (f"：{reason}" if reason else "")) if actor else reason
    record(AuditAction.ITEM_SUPERVISE, summary, object_type=object_type,
           object_id=item.id if object_id is None else object_id, item_id=item.id, actor=actor)


def unsupervise_item(item: Item, reason: str | None, actor: User) -> None:
    check(actor, item, Action.UNSUPERVISE)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise OperationError("理由不超过 500 字")
    if not item.supervised:
        raise OperationError("该事项未挂牌督办")
    if not reason:
        raise OperationError("解除挂牌督办须写明理由")
    item.supervised = False
    record(AuditAction.ITEM_UNSUPERVISE, f"解除挂牌督办：{reason}", object_type="item", object_id=item.id,
           item_id=item.id, actor=actor)


# Built once, the item as a parameter (why: ``items.detail``, above ``_EVALUATIONS``).
_NOTICES = sa.select(Notice).where(Notice.item_id == sa.bindparam("item_id")).order_by(Notice.id.desc())


def item_notices(item_id: int) -> list[Notice]:
    return list(db.session.scalars(_NOTICES, {"item_id": item_id}))


# -- calendar overrides -----------------------------------------------------------

def calendar_gaps(today: date | None = None) -> list[int]:
    """This year and next, when their holiday schedule is unknown (Mon–Fri guessed)."""
    if has_app_context() and "calendar_gaps" in g:
        return g.calendar_gaps
    today = today or local_today()
    calendar = get_calendar()
    gaps = [y for y in (today.year, today.year + 1) if not calendar.year_is_covered(y)]
    if has_app_context():
        g.calendar_gaps = gaps
    return gaps


@dataclass
class OverrideLine:
    day: date
    is_workday: bool
    note: str | None


def parse_override_lines(text: str) -> list[OverrideLine]:
    """Lines like ``2027-10-01 休 国庆节`` or ``2027-09-26 班 国庆调休``, as in the
    State Council notice; every bad line is reported with its number."""
    lines, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        parts = raw.split(maxsplit=2)
        if not parts:
            continue
        if len(parts) < 2 or parts[1] not in ("休", "班"):
            errors.append(f"第 {number} 行应为“日期 休/班 备注”")
            continue
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            errors.append(f"第 {number} 行日期格式不正确（应为 2027-10-01）")
            continue
        if not 2000 <= day.year <= 2099:
            errors.append(f"第 {number} 行日期超出 2000–2099 年")
            continue
        lines.append(OverrideLine(day, parts[1] == "班", (parts[2].strip()[:100] if len(parts) > 2 else None)))
    if errors:
        raise OperationError("；".join(errors[:10]))
    if not lines:
        raise OperationError("请至少填写一行")
    if len({line.day for line in lines}) != len(lines):
        raise OperationError("同一日期不能出现两次")
    return lines


def save_overrides(lines: list[OverrideLine], actor: User) -> None:
    for line in lines:
        row = db.session.get(CalendarOverride, line.day)
        if row is None:
            db.session.add(CalendarOverride(day=line.day, is_workday=line.is_workday, note=line.note))
        else:
            row.is_workday, row.note = line.is_workday, line.note
    days = "、".join(f"{line.day:%Y-%m-%d}{'班' if line.is_workday else '休'}" for line in lines[:20])
    more = f" 等 {len(lines)} 天" if len(lines) > 20 else ""
    record(AuditAction.CALENDAR_OVERRIDE, f"设置节假日/调休：{days}{more}", object_type="calendar", actor=actor)
    g.pop("work_calendar", None)
    g.pop("calendar_gaps", None)


def delete_override(day: date, actor: User) -> None:
    row = db.session.get(CalendarOverride, day)
    if row is None:
        raise OperationError("该日期没有设置")
    db.session.delete(row)
    record(AuditAction.CALENDAR_OVERRIDE_DELETE, f"删除节假日/调休设置：{day:%Y-%m-%d}", object_type="calendar",
           actor=actor)
    g.pop("work_calendar", None)
    g.pop("calendar_gaps", None)


def flag_supervised_by_system(item_ids: list[int]) -> set[int]:
    """The daily job's 挂牌督办 for many items at once (the escalation rung): one UPDATE that
    skips items someone flagged meanwhile, and bumps the version like an ORM save would.
    Returns the ids it flagged; the job writes their history rows (one per notice)."""
    flagged: set[int] = set()
    for start in range(0, len(item_ids), 500):
        chunk = item_ids[start:start + 500]
        stmt = (sa.update(Item).where(Item.id.in_(chunk), Item.supervised.is_(False))
                .values(supervised=True, version=Item.version + 1).returning(Item.id)
                .execution_options(synchronize_session=False))
        flagged.update(db.session.execute(stmt).scalars())
    return flagged
