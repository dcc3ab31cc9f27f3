"""Signing in and out, the session's own controls, and changing one's password."""
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..admin.forms import EmptyForm
from ..audit_events import log_event, reload_current_user
from ..errors import render_error
from ..extensions import db
from ..models import AuditAction, utcnow
from ..services import OperationError
from ..services.login import REFUSED, Busy, check_password, complete_login, record_failure, reserve_attempt
from ..services.passwords import change_own_password
from ..services.sessions import (
    active_sessions,
    close_session,
    end_all_sessions,
    open_session,
    remaining_seconds,
    touch,
)
from . import bp
from .forms import ChangePasswordForm, LoginForm


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would help phishing, and a CR/LF
    or other control character would break the Location header."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc \
            and "\\" not in target and target.isprintable() and len(target) <= 2000:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = reserve_attempt(form.username.data, request.remote_addr)
        db.session.commit()  # counted before the password is looked at; no lock held while hashing
        try:
            ok = check_password(attempt, form.password.data)
        except Busy:
            return render_error(503, "系统繁忙，请稍后再试。")
        try:
            if not ok:
                raise OperationError(REFUSED)
            user = complete_login(attempt, form.password.data)
        except OperationError as error:
            if not ok:
                record_failure(attempt)
            db.session.commit()
            form.password.errors.append(error.message)
        else:
            token = open_session(user, request.remote_addr, request.user_agent.string)
            db.session.commit()
            session.clear()  # a fresh session per login: no fixation
            login_user(user)
            session["sid"] = token
            session.permanent = True
            flash(f"欢迎，{user.display_name}", "success")
            return redirect(_safe_next(request.args.get("next")), code=303)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        name, user_id = current_user.display_name, current_user.id
        close_session(session.get("sid"))
        db.session.commit()
        log_event(AuditAction.LOGOUT, f"{name} 退出登录", object_type="user", object_id=user_id)
    logout_user()
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/sessions/end-all", methods=["POST"])
@login_required
def end_all():
    """退出所有设备: every session of this user ends, this one included."""
    if EmptyForm().validate_on_submit():
        user = current_user._get_current_object()
        end_all_sessions(user, actor=user)
        db.session.commit()
        logout_user()
        session.clear()
        flash("已退出所有设备上的登录，请重新登录", "info")
        return redirect(url_for("auth.login"), code=303)
    return redirect(url_for("auth.change_password"), code=303)


@bp.route("/session/status")
@login_required
def session_status():
    """Seconds left before the idle timeout; read by static/js/session.js, not counted as activity."""
    config = current_app.config
    left = remaining_seconds(g.user_session, utcnow(), config["IDLE_TIMEOUT"], config["SESSION_LIFETIME"])
    return jsonify(remaining=left, warning=config["IDLE_WARNING_MINUTES"] * 60)


@bp.route("/session/keepalive", methods=["POST"])
@login_required
def keepalive():
    """继续: the user is still there; the idle clock starts again."""
    config = current_app.config
    now = utcnow()
    touch(g.user_session.id, now)
    db.session.commit()
    db.session.refresh(g.user_session)
    left = remaining_seconds(g.user_session, now, config["IDLE_TIMEOUT"], config["SESSION_LIFETIME"])
    return jsonify(remaining=left, warning=config["IDLE_WARNING_MINUTES"] * 60)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        attempt = reserve_attempt(user.username, request.remote_addr)
        db.session.commit()  # counted before the current password is looked at
        reload_current_user()
        try:
            change_own_password(user, attempt, form.current.data, form.password.data)
        except Busy:
            return render_error(503, "系统繁忙，请稍后再试。")
        except OperationError as error:
            db.session.commit()  # a failed current-password check counts toward the pause
            reload_current_user()
            getattr(form, error.field or "password").errors.append(error.message)
        else:
            token = open_session(user, request.remote_addr, request.user_agent.string)
            close_session(session.get("sid"))
            db.session.commit()
            login_user(user)  # this session continues with the new token; others end
            session["sid"] = token
            flash("密码已修改，其他设备上的登录已失效", "success")
            return redirect(url_for("main.home"), code=303)
    return render_template("auth/password.html", form=form, sessions=active_sessions(user),
                           end_form=EmptyForm(formdata=None), current_session=g.get("user_session"))
