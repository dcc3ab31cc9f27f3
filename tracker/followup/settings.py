"""Admin pages: deadline rules, lights and the escalation ladder; the holiday calendar."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import ActivityKind, CalendarOverride, local_today
from ..params import is_number
from ..permissions import security_admin_required
from ..services import OperationError
from ..services import followup as ops
from ..services.calendar import handback_workdays, silent_workdays, yellow_workdays
from ..services.deadlines import (
    RULE_STAGES,
    deadline_rules,
    ladder,
    parse_rule,
    save_followup_settings,
)
from ..workdays import WorkCalendar
from . import bp
from . import forms as f

LADDER_FIELDS = ("remind_on_yellow", "warn_on_red", "supervise_after_overdue_days", "supervise_after_failed_rounds",
                 "remind_assign_due")


def _fill(form: f.DeadlineSettingsForm) -> None:
    for kind, stages in deadline_rules().items():
        for stage, rule in stages.items():
            form[f"{kind.value}__{stage}__amount"].data = rule.amount
            form[f"{kind.value}__{stage}__unit"].data = rule.unit.value
    form.yellow_workdays.data = yellow_workdays()
    form.silent_workdays.data = silent_workdays()
    form.handback_workdays.data = handback_workdays()
    for name, value in ladder().items():
        form[name].data = value


def _read_rules(form: f.DeadlineSettingsForm) -> dict | None:
    """The rules from the form, or None with the reason put on each bad field."""
    rules, ok = {}, True
    for kind in ActivityKind:
        rules[kind] = {}
        for stage in RULE_STAGES:
            amount, unit = form[f"{kind.value}__{stage}__amount"], form[f"{kind.value}__{stage}__unit"]
            if amount.errors:  # the field already says what is wrong with it
                ok = False
                continue
            try:
                rules[kind][stage] = parse_rule({"amount": amount.data, "unit": unit.data})
            except OperationError as error:
                amount.errors = [*amount.errors, error.message]
                ok = False
    return rules if ok else None


@bp.route("/settings/deadlines", methods=["GET", "POST"])
@security_admin_required
def deadline_settings():
    form = f.DeadlineSettingsForm()
    if request.method == "GET":
        _fill(form)
        return render_template("followup/deadline_settings.html", form=form, rows=form.rule_rows())
    valid = form.validate_on_submit()
    rules = _read_rules(form)  # always, so every bad cell is marked at once
    if not valid or rules is None:
        flash("请修改标红的项目后再保存", "error")
        return render_template("followup/deadline_settings.html", form=form, rows=form.rule_rows())
    save_followup_settings(rules, form.yellow_workdays.data, {name: form[name].data for name in LADDER_FIELDS},
                           current_user, {name: form[name].data for name in ("silent_workdays", "handback_workdays")})
    db.session.commit()
    flash("已保存；新的规则用于此后的交办和每日提醒，已交办事项的期限不变", "success")
    return redirect(url_for("followup.deadline_settings"), code=303)


def _coverage(years: list[int], override_years: set[int]) -> list[tuple[int, str, bool]]:
    """(year, how its working days are known, whether that is real) for the admin."""
    package = WorkCalendar()  # no overrides: what the chinesecalendar package alone knows
    rows = []
    for year in years:
        if package.year_is_covered(year):
            extra = "，另有管理员调整" if year in override_years else ""
            rows.append((year, f"国务院放假安排（系统内置）{extra}", True))
        elif year in override_years:
            rows.append((year, "管理员已录入", True))
        else:
            rows.append((year, "未录入：暂按周一至周五计算工作日，期限仅为估算", False))
    return rows


def _calendar_page(form: f.CalendarForm, status: int = 200):
    today = local_today()
    years = sorted({today.year - 1, today.year, today.year + 1, today.year + 2})
    asked = request.args.get("year", "")
    if is_number(asked) and 2000 <= int(asked) <= 2099:
        years = sorted({*years, int(asked)})
    overrides = db.session.scalars(sa.select(CalendarOverride).order_by(CalendarOverride.day.desc())).all()
    coverage = _coverage(years, {o.day.year for o in overrides})
    return render_template("followup/calendar.html", form=form, coverage=coverage, overrides=overrides), status


@bp.route("/settings/calendar", methods=["GET", "POST"])
@security_admin_required
def calendar_settings():
    form = f.CalendarForm()
    if request.method == "GET":
        return _calendar_page(f.CalendarForm(formdata=None))
    if form.validate_on_submit():
        try:
            lines = ops.parse_override_lines(form.lines.data)
            ops.save_overrides(lines, current_user)
            db.session.commit()
        except OperationError as error:
            db.session.rollback()
            form.lines.errors = [*form.lines.errors, error.message]
            return _calendar_page(form)
        flash(f"已保存 {len(lines)} 天的节假日/调休设置", "success")
        return redirect(url_for("followup.calendar_settings"), code=303)
    return _calendar_page(form)


@bp.route("/settings/calendar/<day>/delete", methods=["POST"])
@security_admin_required
def delete_calendar_day(day: str):
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        abort(404)
    try:
        ops.delete_override(parsed, current_user)
        db.session.commit()
        flash(f"已删除 {parsed:%Y-%m-%d} 的设置", "success")
    except OperationError as error:  # already gone (a second click): say so, no error page
        db.session.rollback()
        flash(error.message, "warning")
    return redirect(url_for("followup.calendar_settings"), code=303)
