from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..passwords import verify_password
from ..services import OperationError
from ..services.accounts import authenticate, set_password
from . import bp
from .forms import ChangePasswordForm, LoginForm


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc \
            and "\\" not in target:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except OperationError as error:
            db.session.commit()  # keep the failure count even though we refuse
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            session.clear()  # a fresh session per login: no fixation
            login_user(user)
            flash(f"欢迎，{user.display_name}", "success")
            return redirect(_safe_next(request.args.get("next")), code=303)
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not verify_password(user.password_hash, form.current.data):
            form.current.errors.append("当前密码不正确")
        else:
            try:
                set_password(user, form.password.data, actor=user)
            except OperationError as error:
                form.password.errors.append(error.message)
            else:
                db.session.commit()
                login_user(user)  # this session continues with the new token; others end
                flash("密码已修改，其他设备上的登录已失效", "success")
                return redirect(url_for("main.home"), code=303)
    return render_template("auth/password.html", form=form)
