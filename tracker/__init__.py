"""问答改评: follow-up tracker for a district 人大常委会's supervision work."""
from __future__ import annotations

import logging

from flask import Flask, g, session
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config, derive
from .extensions import csrf, db, htmx, login_manager, migrate
from .params import is_number


def create_app(config: type | object = Config) -> Flask:
    app = Flask(__name__, template_folder="../templates", instance_relative_config=False)
    app.config.from_object(config)
    from .selfcheck import check_settings
    check_settings(app.config)  # refuses to start on a bad or weak setting, listing every problem
    derive(app.config)
    proxies = app.config["PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    _ensure_instance_dir(app)
    db.init_app(app)
    from .search.schema import include_object
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, include_object=include_object)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    from .database import configure_engine
    with app.app_context():
        configure_engine(app, db.engine)

    from .services.sessions import user_with_session

    @login_manager.user_loader
    def load_user(user_id: str):
        # The cookie holds "id:token"; a rotated token (password change, disabled
        # account, role change) invalidates every session of that user at once.
        ident, _, token = user_id.partition(":")
        if not is_number(ident) or not token:
            return None
        user, record = user_with_session(int(ident), session.get("sid"))
        if user is None or user.session_token != token or not user.active:
            return None
        g.session_record = record  # read with the user: ``security.check_session`` needs it next
        return user

    from .security import init_security
    init_security(app)
    from .refused import init_refused_forms
    init_refused_forms(app)
    from .errors import init_errors
    init_errors(app)
    from .templating import init_templating
    init_templating(app)
    _register_blueprints(app)
    from .ratelimit import init_ratelimit
    init_ratelimit(app)
    from .audit_reads import init_audit_reads
    init_audit_reads(app)
    from .cli import init_cli
    init_cli(app)
    from .security_cli import init_security_cli
    init_security_cli(app)
    from .search.cli import init_search_cli
    from .search.index import install as install_search_index
    init_search_cli(app)
    install_search_index()
    logging.getLogger("tracker").setLevel(logging.INFO)
    return app


def _ensure_instance_dir(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        from pathlib import Path
        Path(uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)


def _register_blueprints(app: Flask) -> None:
    from .activities import bp as activities_bp
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .commitments import bp as commitments_bp
    from .dashboard import bp as dashboard_bp
    from .followup import bp as followup_bp
    from .items import bp as items_bp
    from .ledger import bp as ledger_bp
    from .main import bp as main_bp
    from .public import bp as public_bp
    from .reports import bp as reports_bp
    from .search import bp as search_bp  # before public_bp is registered: it adds the public search
    from .sittings import bp as sittings_bp
    from .templating import add_nav
    from .work import bp as work_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(activities_bp)
    app.register_blueprint(items_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(commitments_bp)
    app.register_blueprint(work_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(ledger_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(public_bp, url_prefix="/public")
    app.register_blueprint(sittings_bp)
    app.register_blueprint(search_bp)
    add_nav("staff", "activities.index", "监督活动")
    add_nav("staff", "items.index", "事项台账")
    add_nav("unit", "work.my_items", "我的事项")
    add_nav("reviewer", "work.my_evaluations", "满意度测评")
