from flask import redirect, render_template, url_for
from flask_login import current_user

from . import bp
from .todos import todos_for


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("main/home.html", todos=todos_for(current_user))


@bp.route("/healthz")
def healthz():
    from sqlalchemy import text

    from ..extensions import db
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
