"""Staff lists (逾期事项, 即将到期, 挂牌督办), 催办/督办 on an item, and the inbox."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..items.actions import perform
from ..items.routes import page_arg
from ..lights import light_clause
from ..list_items import read_list_items
from ..list_rows import list_rows
from ..models import (
    AuditAction,
    AuditEntry,
    Item,
    NoticeKind,
    Notification,
    NotificationKind,
    Stage,
    Unit,
    local_today,
    utcnow,
)
from ..page_state import page_state
from ..paging import paginate
from ..params import is_number
from ..permissions import staff_required
from ..queries import ItemFilters, apply_filters
from ..services import followup as ops
from ..services.handbacks import pending_handbacks
from ..workdays import Light
from ..workflow import Action
from . import (
    bp,
    commitments,  # noqa: F401  (承诺跟踪 list)
    lookbacks,  # noqa: F401  (回头看 pages)
    settings,  # noqa: F401  (admin pages)
)
from . import forms as f

LIST_TITLES = {"overdue": "逾期事项", "due_soon": "即将到期"}


@bp.app_context_processor
def followup_globals():
    return {"followup_unread": lambda: page_state().unread, "calendar_gaps": _staff_calendar_gaps}


def _staff_calendar_gaps() -> list[int]:
    """The holiday-calendar notice is for the people who can act on it: units never see it."""
    if current_user.is_authenticated and (current_user.is_staff or current_user.is_security_admin):
        return ops.calendar_gaps()
    return []


def _unit_arg() -> int | None:
    value = request.args.get("unit", "").strip()
    return int(value) if is_number(value) and len(value) < 10 else None


def _deadline_list(mode: str):
    today = local_today()
    clause = light_clause(Light.RED if mode == "overdue" else Light.YELLOW, today)
    count = sa.func.count(Item.id)
    by_unit = db.session.execute(
        sa.select(Unit.id, Unit.name, count).join(Item, Item.lead_unit_id == Unit.id).where(clause)
        .group_by(Unit.id, Unit.name, Unit.sort_order).order_by(count.desc(), Unit.sort_order)).all()
    unit_id = _unit_arg()
    stmt = apply_filters(sa.select(Item).where(clause), ItemFilters(unit_id=unit_id), today)
    page = paginate(stmt.order_by(Item.deadline, Item.id), page_arg(), current_app.config["PAGE_SIZE"],
                    load=read_list_items)
    return render_template("followup/list.html", mode=mode, title=LIST_TITLES[mode], page=page, by_unit=by_unit,
                           unit_id=unit_id, today=today, rows=list_rows(page.items, today),
                           args={"unit": unit_id} if unit_id else {})


@bp.route("/followup/overdue")
@staff_required
def overdue():
    return _deadline_list("overdue")


@bp.route("/followup/due-soon")
@staff_required
def due_soon():
    return _deadline_list("due_soon")


@bp.route("/followup/supervised")
@staff_required
def supervised():
    """The 主任会议 list: open items flagged 挂牌督办, with why they were flagged."""
    today = local_today()
    stmt = sa.select(Item).where(Item.supervised == sa.true(), Item.stage != Stage.CLOSED) \
        .order_by(Item.deadline.is_(None), Item.deadline, Item.id)
    page = paginate(stmt, page_arg(), current_app.config["PAGE_SIZE"], load=read_list_items)
    reasons: dict[int, AuditEntry] = {}
    if page.items:
        for entry in db.session.scalars(sa.select(AuditEntry).where(
                AuditEntry.action == AuditAction.ITEM_SUPERVISE, AuditEntry.item_id.in_([i.id for i in page.items]))
                .order_by(AuditEntry.id)):
            reasons[entry.item_id] = entry  # the latest wins
    return render_template("followup/supervised.html", page=page, reasons=reasons, today=today,
                           rows=list_rows(page.items, today))


@bp.route("/followup/handbacks")
@staff_required
def handbacks():
    """退办 requests waiting for staff, oldest first (each is decided on its item page)."""
    return render_template("followup/handbacks.html", rows=pending_handbacks())


@bp.route("/items/<int:item_id>/notice", methods=["POST"])
@login_required
def send_notice(item_id: int):
    form = f.NoticeForm()
    return perform(item_id, Action.URGE, "notice_form", form, lambda item: ops.send_notice(
        item, NoticeKind(form.kind.data), form.text.data, form.reply_by.data, current_user),
        "已发送，承办单位将在通知中看到", "#followup")


@bp.route("/items/<int:item_id>/supervised", methods=["POST"])
@login_required  # the item loader answers 404 first, then the action check 403/409
def set_supervised(item_id: int):
    form = f.SuperviseForm()
    supervise = request.form.get("supervised") == "1"
    if supervise:
        return perform(item_id, Action.SUPERVISE, "supervise_form", form, lambda item: ops.supervise_item(
            item, form.reason.data, current_user), "已提请主任会议挂牌督办", "#followup")
    return perform(item_id, Action.UNSUPERVISE, "supervise_form", form, lambda item: ops.unsupervise_item(
        item, form.reason.data, current_user), "已解除挂牌督办", "#followup")


def _kind_arg(value: str | None) -> str:
    """A known notification kind, or "" (all kinds)."""
    return value if value in {k.value for k in NotificationKind} else ""


@bp.route("/notifications")
@login_required
def inbox():
    """The user's notifications, unread first, filtered by kind (chips with unread counts)."""
    kind = _kind_arg(request.args.get("kind"))
    mine = Notification.user_id == current_user.id
    stmt = sa.select(Notification).where(mine).order_by(Notification.read_at.is_not(None), Notification.id.desc())
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    page = paginate(stmt, page_arg(), current_app.config["PAGE_SIZE"])
    unread = sa.func.sum(sa.case((Notification.read_at.is_(None), 1), else_=0))
    kinds = [(NotificationKind(k), total, unread_n or 0) for k, total, unread_n in db.session.execute(
        sa.select(Notification.kind, sa.func.count(), unread).where(mine).group_by(Notification.kind))
        if k in {nk.value for nk in NotificationKind}]
    kinds.sort(key=lambda row: list(NotificationKind).index(row[0]))
    return render_template("followup/inbox.html", page=page, kind=kind, kinds=kinds,
                           args={"kind": kind} if kind else {})


def _own_notification(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id: int):
    notification = _own_notification(notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    if notification.item_id:
        return redirect(url_for("items.detail", item_id=notification.item_id), code=303)
    return redirect(url_for("followup.inbox"), code=303)


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark read in bulk: the ticked ones (``ids``), else all of one kind (``kind``), else all.
    Only the user's own notifications are ever touched."""
    form = f.BulkReadForm()
    if not form.validate_on_submit():
        flash("；".join(e for errors in form.errors.values() for e in errors) or "请求无效，请重试", "error")
        return redirect(url_for("followup.inbox"), code=303)
    kind = _kind_arg(form.kind.data)
    ids = [] if request.form.get("scope") == "all" else \
        [int(v) for v in request.form.getlist("ids") if is_number(v) and len(v) < 10][:500]
    if request.form.get("scope") == "selected" and not ids:
        flash("请先勾选要标为已读的通知", "warning")
        return redirect(url_for("followup.inbox", kind=kind or None), code=303)
    stmt = sa.update(Notification).where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
    if ids:
        stmt = stmt.where(Notification.id.in_(ids))
    elif kind:
        stmt = stmt.where(Notification.kind == kind)
    done = db.session.execute(stmt.values(read_at=utcnow())).rowcount
    db.session.commit()
    what = "所选通知" if ids else f"“{NotificationKind(kind).label}”通知" if kind else "全部通知"
    flash(f"已将{what}标为已读（{done} 条）", "success")
    return redirect(url_for("followup.inbox", kind=kind or None), code=303)
