"""Inbox notifications, derived from the history.

Every workflow operation already writes an :class:`AuditEntry` in its own transaction
(``audit.record``). :func:`on_audit` turns the events someone must act on into inbox
lines — and outbox mail when SMTP is configured — in that same transaction, so an
action that rolls back notifies nobody, and the operations need not know who to tell.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..extensions import db
from ..models import (
    Activity,
    AuditAction,
    AuditEntry,
    Evaluation,
    EvaluationMode,
    Item,
    Notification,
    NotificationKind,
    OutboxMail,
    Role,
    User,
    item_co_unit,
)
from ..templating import cn_date

Recipient = tuple[int, str | None]  # user id, e-mail address
_cache: ContextVar[dict | None] = ContextVar("notify_recipients", default=None)


@contextmanager
def cached_recipients() -> Iterator[None]:
    """Remember who belongs to which unit for a batch job: the daily run notifies
    thousands of items and must not ask the database the same question each time."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def prime_co_units(item_ids: list[int]) -> None:
    """Load the co-units of many items in one query into the batch cache."""
    cache = _cache.get()
    if cache is None or not item_ids:
        return
    for item_id in item_ids:
        cache[("co", item_id)] = []
    for start in range(0, len(item_ids), 500):  # stay under every database's parameter limit
        chunk = item_ids[start:start + 500]
        for item_id, unit_id in db.session.execute(sa.select(item_co_unit.c.item_id, item_co_unit.c.unit_id)
                                                   .where(item_co_unit.c.item_id.in_(chunk))):
            cache[("co", item_id)].append((unit_id, None))


def _users(key: tuple, stmt: sa.Select | Callable[[], sa.Select]) -> list[Recipient]:
    """``stmt`` may be a function: a batch job then builds no statement for a cached key."""
    cache = _cache.get()
    if cache is not None and key in cache:
        return cache[key]
    rows = [(row[0], row[1]) for row in db.session.execute(stmt() if callable(stmt) else stmt).all()]
    if cache is not None:
        cache[key] = rows
    return rows


def _active(role: Role) -> sa.Select:
    return sa.select(User.id, User.email).where(User.role == role, User.active.is_(True)).order_by(User.id)


def unit_users(unit_ids: list[int]) -> list[Recipient]:
    ids = sorted({u for u in unit_ids if u})
    if not ids:
        return []
    return _users(("units", tuple(ids)), lambda: _active(Role.UNIT).where(User.unit_id.in_(ids)))


def staff_users(item: Item) -> list[Recipient]:
    """Staff of the activity's lead committee; every staff member when it has none."""
    committee = _users(("committee", item.activity_id), sa.select(Activity.lead_committee_id, sa.null())
                       .where(Activity.id == item.activity_id))
    committee_id = committee[0][0] if committee else None
    if committee_id:
        users = _users(("staff", committee_id), _active(Role.STAFF).where(User.unit_id == committee_id))
        if users:
            return users
    return _users(("staff", None), _active(Role.STAFF))


def reviewers() -> list[Recipient]:
    return _users(("reviewers",), _active(Role.REVIEWER))


def item_unit_ids(item: Item) -> list[int]:
    co = _users(("co", item.id), lambda: sa.select(item_co_unit.c.unit_id, sa.null())
                .where(item_co_unit.c.item_id == item.id))
    return [item.lead_unit_id or 0] + [row[0] for row in co]


def _lead(item: Item) -> list[Recipient]:
    return unit_users([item.lead_unit_id or 0])


def _units(item: Item) -> list[Recipient]:
    return unit_users(item_unit_ids(item))


def _online_reviewers(entry: AuditEntry, item: Item) -> list[Recipient]:
    """Reviewers, when the evaluation is online; meeting votes happen on voting devices."""
    evaluation = db.session.get(Evaluation, entry.object_id) if entry.object_id else None
    return reviewers() if evaluation is not None and evaluation.mode is EvaluationMode.ONLINE else []


def _units_and_staff(entry: AuditEntry, item: Item) -> list[Recipient]:
    return _units(item) + staff_users(item)


@dataclass(frozen=True)
class Route:
    kind: NotificationKind
    recipients: Callable[[AuditEntry, Item], list[Recipient]]
    text: str  # formatted with title (code and title of the item), summary and deadline


def _to_units(entry: AuditEntry, item: Item) -> list[Recipient]:
    return _units(item)


def _to_lead(entry: AuditEntry, item: Item) -> list[Recipient]:
    return _lead(item)


def _to_staff(entry: AuditEntry, item: Item) -> list[Recipient]:
    return staff_users(item)


def _handback_sides(entry: AuditEntry, item: Item) -> list[Recipient]:
    """A 退办 decision: the unit that asked, and the item's units now (the new lead when reassigned)."""
    asked = (entry.details or {}).get("from_unit_id")
    return unit_users([asked or 0]) + _units(item)


_reminder = Route(NotificationKind.REMINDER, _to_units, "{summary}：{title}")

# The one table of who hears about what. An action not listed notifies nobody.
ROUTES: dict[AuditAction, Route] = {
    AuditAction.ITEM_ASSIGN: Route(NotificationKind.ASSIGN, _to_units, "新交办事项：{title}（期限 {deadline}）"),
    AuditAction.ITEM_RETURN: Route(NotificationKind.RETURN, _to_lead, "报告被退回。{summary}（{title}）"),
    AuditAction.ITEM_ACCEPT: Route(NotificationKind.ACCEPT, _to_lead, "整改情况报告已受理：{title}"),
    AuditAction.ITEM_REPORT: Route(NotificationKind.REPORT, _to_staff, "{summary}，待审核：{title}"),
    AuditAction.EXTENSION_REQUEST: Route(NotificationKind.EXTENSION, _to_staff, "收到延期申请：{title}"),
    AuditAction.EXTENSION_DECIDE: Route(NotificationKind.EXTENSION, _to_lead, "{summary}：{title}"),
    AuditAction.EVALUATION_OPEN: Route(NotificationKind.EVALUATION, _online_reviewers, "有待您测评的事项：{title}"),
    AuditAction.EVALUATION_CLOSE: Route(NotificationKind.RESULT, _to_units, "{summary}：{title}"),
    AuditAction.NOTICE_URGE: _reminder,
    AuditAction.NOTICE_SUPERVISE: _reminder,
    AuditAction.NOTICE_REMIND: _reminder,
    AuditAction.NOTICE_WARN: _reminder,
    AuditAction.ITEM_SUPERVISE: Route(NotificationKind.SUPERVISE, _units_and_staff, "{summary}：{title}"),
    AuditAction.NOTICE_ASSIGN_DUE: Route(NotificationKind.ASSIGN_DUE, _to_staff, "{summary}：{title}"),
    AuditAction.NOTICE_SILENT: _reminder,
    AuditAction.HANDBACK_REQUEST: Route(NotificationKind.HANDBACK, _to_staff, "承办单位{summary}（{title}）"),
    AuditAction.HANDBACK_DECIDE: Route(NotificationKind.HANDBACK, _handback_sides, "{summary}（{title}）"),
    AuditAction.DEADLINE_DECLARE: Route(NotificationKind.DECLARED, _to_staff, "{summary}（{title}）"),
    AuditAction.ITEM_CLOSE: Route(NotificationKind.RESULT, _to_units, "{summary}：{title}"),
    AuditAction.ITEM_CLOSURE: Route(NotificationKind.RESULT, _to_units, "{summary}：{title}"),
    AuditAction.ITEM_REOPEN: Route(NotificationKind.REOPEN, _to_units, "{summary}：{title}"),
    AuditAction.LOOKBACK_DUE: Route(NotificationKind.LOOKBACK, _to_lead, "{summary}：{title}"),
    AuditAction.LOOKBACK_ANSWER: Route(NotificationKind.LOOKBACK, _to_staff, "承办单位{summary}，待记录结论：{title}"),
    AuditAction.LOOKBACK_FINDING: Route(NotificationKind.LOOKBACK, _to_units, "{summary}：{title}"),
}


def on_audit(entry: AuditEntry) -> None:
    """Called by ``audit.record`` for every history row; cheap for events nobody routes."""
    route = ROUTES.get(entry.action) if entry.item_id is not None else None
    if route is None or _already_told(entry):
        return
    item = db.session.get(Item, entry.item_id)
    if item is None:
        return
    for notification, mail in deliveries(route, entry, item):
        db.session.add(Notification(**notification))
        if mail is not None:
            db.session.add(OutboxMail(**mail))


def deliveries(route: Route, entry, item) -> Iterator[tuple[dict, dict | None]]:
    """(inbox line, outbox mail or None) per recipient of one history row, as column values.
    ``on_audit`` adds them one by one; the daily job (``jobs/remind.py``) inserts a batch.
    ``entry`` and ``item`` only need the attributes the routes read."""
    recipients = route.recipients(entry, item)
    text = route.text.format(title=f"{item.heading} {item.title}", summary=entry.summary,
                             deadline=cn_date(item.deadline) if item.deadline else "未定")[:500]
    kind = route.kind
    seen: set[int] = set()
    mail = has_app_context() and bool(current_app.config.get("MAIL_SERVER"))
    for user_id, email in recipients:
        if user_id in seen or user_id == entry.actor_id:
            continue
        seen.add(user_id)
        yield ({"user_id": user_id, "kind": kind.value, "item_id": item.id, "text": text},
               _mail(email, kind, text, item) if mail and email else None)


def _already_told(entry: AuditEntry) -> bool:
    """A document report moves many items at once, a sitting opens many evaluations at once:
    their readers hear about each once."""
    details = entry.details or {}
    group = ("report", details["report_id"]) if "report_id" in details else \
        ("sitting", details["sitting_id"]) if "sitting_id" in details else None
    if group is None:
        return False
    told = db.session.info.setdefault("notified_reports", set())
    key = (entry.action, *group)
    if key in told:
        return True
    told.add(key)
    return False


@sa.event.listens_for(sa.orm.Session, "after_commit")
@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _forget_told(session) -> None:
    session.info.pop("notified_reports", None)


def _mail(to: str, kind: NotificationKind, text: str, item: Item) -> dict:
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    link = f"{base}/items/{item.id}" if base else f"{item.heading} {item.title}"
    body = (f"{text}\n\n请登录“问答改评”监督跟踪系统查看：{link}\n\n"
            f"（本邮件由系统自动发送，请勿直接回复。）\n{current_app.config.get('ORG_NAME', '')}")
    return {"to_addr": to, "subject": f"【问答改评】{kind.label}：{item.title}"[:200], "body": body}
