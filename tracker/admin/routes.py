"""Administration of users and units (系统管理员 only)."""
import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..fields import strip_control
from ..models import Role, Unit, UnitKind, User, utcnow
from ..permissions import admin_required
from ..services import OperationError, check_version
from ..services.accounts import (
    UnitData,
    UserData,
    check_manageable,
    create_unit,
    create_user,
    set_password,
    unlock_user,
    update_unit,
    update_user,
)
from ..services.login import paused_names
from ..services.sessions import active_sessions, end_all_sessions
from ..text_filter import like_pattern
from . import bp
from .forms import EmptyForm, NewUserForm, ResetPasswordForm, UnitForm, UserForm


def _unit_choices(form: UserForm) -> None:
    units = db.session.scalars(sa.select(Unit).order_by(Unit.sort_order, Unit.name)).all()
    form.unit_id.choices = [(0, "（无）")] + [(u.id, f"{u.name}{'' if u.active else '（停用）'}") for u in units]


def _user_data(form: UserForm) -> UserData:
    return UserData(username=form.username.data, display_name=form.display_name.data,
                    role=Role(form.role.data), unit_id=form.unit_id.data or None,
                    email=form.email.data, active=form.active.data)


@bp.route("/users")
@admin_required
def users():
    # Control characters dropped as every form drops them (PostgreSQL refuses a NUL: a 500),
    # and ``%``/``_`` typed are plain characters.
    q = strip_control(request.args.get("q", "")).strip()[:64]
    stmt = sa.select(User).options(joinedload(User.unit)).order_by(User.role, User.username)
    if q:
        like = like_pattern(q)
        stmt = stmt.where(sa.or_(User.username.ilike(like, escape="\\"), User.display_name.ilike(like, escape="\\")))
    return render_template("admin/users.html", users=db.session.scalars(stmt).all(), q=q,
                           paused=paused_names(utcnow()), form=EmptyForm())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = NewUserForm()
    _unit_choices(form)
    if form.validate_on_submit():
        try:
            user = create_user(_user_data(form), form.password.data, actor=current_user)
        except OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"已创建用户 {user.username}", "success")
            return redirect(url_for("admin.users"), code=303)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    _unit_choices(form)
    if request.method == "GET":
        form.role.data = user.role.value
        form.unit_id.data = user.unit_id or 0
    if form.validate_on_submit():
        try:
            check_version(user, form.version.data)
            update_user(user, _user_data(form), actor=current_user)
        except OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"已保存用户 {user.username}", "success")
            return redirect(url_for("admin.users"), code=303)
    return render_template("admin/user_form.html", form=form, user=user, sessions=active_sessions(user),
                           reset_form=ResetPasswordForm(formdata=None), action_form=EmptyForm(formdata=None))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            check_manageable(user)
            set_password(user, form.password.data, actor=current_user)
        except OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"已重置 {user.username} 的密码：该用户需重新登录，并须在登录后修改密码", "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for("admin.edit_user", user_id=user.id), code=303)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@admin_required
def unlock(user_id: int):
    user = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        unlock_user(user, actor=current_user)
        db.session.commit()
        flash(f"已解除 {user.username} 的锁定", "success")
    return redirect(url_for("admin.users"), code=303)


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@admin_required
def end_sessions(user_id: int):
    """退出所有设备, for a user who lost a device or left the office signed in."""
    user = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        count = end_all_sessions(user, actor=current_user)
        db.session.commit()
        flash(f"已结束 {user.username} 在所有设备上的登录（{count} 个会话）", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id), code=303)


@bp.route("/units")
@admin_required
def units():
    rows = db.session.execute(
        sa.select(Unit, sa.func.count(User.id))
        .outerjoin(User, User.unit_id == Unit.id)
        .group_by(Unit.id)
        .order_by(Unit.sort_order, Unit.name)
    ).all()
    return render_template("admin/units.html", rows=rows)


def _unit_data(form: UnitForm) -> UnitData:
    return UnitData(name=form.name.data, kind=UnitKind(form.kind.data),
                    sort_order=form.sort_order.data if form.sort_order.data is not None else 100,
                    active=form.active.data)


@bp.route("/units/new", methods=["GET", "POST"])
@admin_required
def new_unit():
    form = UnitForm()
    if form.validate_on_submit():
        try:
            create_unit(_unit_data(form), actor=current_user)
        except OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("已创建单位", "success")
            return redirect(url_for("admin.units"), code=303)
    return render_template("admin/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@admin_required
def edit_unit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit) if request.method == "GET" else UnitForm()
    if request.method == "GET":
        form.kind.data = unit.kind.value
    if form.validate_on_submit():
        try:
            check_version(unit, form.version.data)
            update_unit(unit, _unit_data(form), actor=current_user)
        except OperationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("已保存单位", "success")
            return redirect(url_for("admin.units"), code=303)
    return render_template("admin/unit_form.html", form=form, unit=unit)
