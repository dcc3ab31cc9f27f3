"""Staff lists (逾期事项, 即将到期, 挂牌督办), 催办/督办 on an item, and the inbox."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..items.actions import _perform
from ..items.queries import (
    ItemFilters,
    apply_filters,
    overdue_clause,
    paginate,
    with_list_loads,
)
from ..items.routes import page_arg
from ..models import (
    DEADLINE_STAGES,
    AuditAction,
    AuditEntry,
    Item,
    NoticeKind,
    Notification,
    Stage,
    Unit,
    local_today,
    utcnow,
)
from ..permissions import staff_required
from ..services import followup as ops
from ..services.calendar import get_calendar, light_for, yellow_workdays
from ..services.notify import unread_count
from . import (
    bp,
    settings,  # noqa: F401  (admin pages)
)
from . import forms as f

LIST_TITLES = {"overdue": "逾期事项", "due_soon": "即将到期"}


@bp.app_context_processor
def followup_globals():
    def panel(item: Item, notice_form=None) -> dict:
        """What the item page's follow-up panel shows; one query for the notices."""
        viewer_ok = current_user.is_staff or current_user.unit_id in item.unit_ids()
        calendar = get_calendar()
        return {
            "visible": viewer_ok and item.lead_unit_id is not None,
            "notices": ops.item_notices(item.id) if viewer_ok and item.lead_unit_id else [],
            "notice_form": notice_form or f.NoticeForm(formdata=None),
            "supervise_form": f.SuperviseForm(formdata=None),
            "deadline_estimated": bool(item.deadline and not calendar.year_is_covered(item.deadline.year)),
        }
    return {"followup_panel": panel, "followup_unread": lambda: unread_count(current_user.id),
            "calendar_gaps": ops.calendar_gaps}


def _unit_arg() -> int | None:
    value = request.args.get("unit", "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _deadline_list(mode: str):
    today = local_today()
    if mode == "overdue":
        clause = overdue_clause(today)
    else:
        # Yellow means at most N working days left, i.e. due before the (N+1)-th working day.
        cutoff = get_calendar().add_working_days(today, yellow_workdays() + 1)
        clause = sa.and_(Item.stage.in_(DEADLINE_STAGES), Item.deadline >= today, Item.deadline < cutoff)
    count = sa.func.count(Item.id)
    by_unit = db.session.execute(
        sa.select(Unit.id, Unit.name, count).join(Item, Item.lead_unit_id == Unit.id).where(clause)
        .group_by(Unit.id, Unit.name, Unit.sort_order).order_by(count.desc(), Unit.sort_order)).all()
    unit_id = _unit_arg()
    stmt = apply_filters(sa.select(Item).where(clause), ItemFilters(unit_id=unit_id), today)
    page = paginate(with_list_loads(stmt).order_by(Item.deadline, Item.id), page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("followup/list.html", mode=mode, title=LIST_TITLES[mode], page=page, by_unit=by_unit,
                           unit_id=unit_id, today=today, lights={i.id: light_for(i, today) for i in page.items},
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
    stmt = with_list_loads(sa.select(Item).where(Item.supervised.is_(True), Item.stage != Stage.CLOSED)) \
        .order_by(Item.deadline.is_(None), Item.deadline, Item.id)
    page = paginate(stmt, page_arg(), current_app.config["PAGE_SIZE"])
    reasons: dict[int, AuditEntry] = {}
    if page.items:
        for entry in db.session.scalars(sa.select(AuditEntry).where(
                AuditEntry.action == AuditAction.ITEM_SUPERVISE, AuditEntry.item_id.in_([i.id for i in page.items]))
                .order_by(AuditEntry.id)):
            reasons[entry.item_id] = entry  # the latest wins
    return render_template("followup/supervised.html", page=page, reasons=reasons, today=today,
                           lights={i.id: light_for(i, today) for i in page.items})


@bp.route("/items/<int:item_id>/notice", methods=["POST"])
@login_required
def send_notice(item_id: int):
    form = f.NoticeForm()
    return _perform(item_id, "notice_form", form, lambda item: ops.send_notice(
        item, NoticeKind(form.kind.data), form.text.data, form.reply_by.data, current_user),
        "已发送，承办单位将在通知中看到", "#followup")


@bp.route("/items/<int:item_id>/supervised", methods=["POST"])
@login_required  # the item loader answers 404 first; the operation refuses non-staff with 403
def set_supervised(item_id: int):
    form = f.SuperviseForm()
    return _perform(item_id, "supervise_form", form, lambda item: ops.set_supervised(
        item, form.supervised.data == "1", form.reason.data, current_user), "已更新挂牌督办", "#followup")


@bp.route("/notifications")
@login_required
def inbox():
    stmt = sa.select(Notification).where(Notification.user_id == current_user.id) \
        .order_by(Notification.read_at.is_not(None), Notification.id.desc())
    page = paginate(stmt, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("followup/inbox.html", page=page)


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
    db.session.execute(sa.update(Notification).where(
        Notification.user_id == current_user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    flash("已全部标为已读", "success")
    return redirect(url_for("followup.inbox"), code=303)
