"""Separation of duties (三员分立), a complete history, and tamper evidence (issue 13)."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import AuditEntry

from .conftest import Client, login_as
from .helpers import make_item


def _last(app, n=1):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(n)).all()


# --- 三员分立 ---------------------------------------------------------------------------

def test_the_account_administrator_cannot_act_as_a_reviewer(app, demo):
    """Before: admin could open any item, and after resetting a reviewer's password, sign
    in as the reviewer and vote unnoticed. Now admin sees no item, a reset password only
    opens the change-password page, and the owner is told."""
    with app.app_context():
        item_id = make_item(stage="evaluating").id
        db.session.commit()
    admin = login_as(app, "admin")
    assert admin.get(f"/items/{item_id}").status_code == 404
    assert admin.get("/items").status_code == 403
    assert admin.post(f"/items/{item_id}/evaluation/vote", {"grade": "satisfied"}).status_code == 404
    assert admin.get("/admin/audit").status_code == 403  # not the reader of its own traces
    assert admin.post(f"/admin/users/{demo['reviewer1']}/password", {"password": "Taken-over-2026"}).status_code == 303
    taken = Client(app)
    taken.refresh_csrf("/login")
    taken.http.post("/login", data={"username": "reviewer1", "password": "Taken-over-2026",
                                    "csrf_token": taken.csrf})
    taken.refresh_csrf("/password")
    assert taken.post(f"/items/{item_id}/evaluation/vote", {"grade": "satisfied"}).headers["Location"] == "/password"
    auditor = login_as(app, "auditor")
    history = auditor.get("/admin/audit?action=user.").get_data(as_text=True)
    assert "系统管理员 重置了 reviewer1 的密码" in history


def test_each_administrator_has_one_area(app, demo):
    secadmin, auditor = login_as(app, "secadmin"), login_as(app, "auditor")
    assert secadmin.get("/admin/rules").status_code == 200 and secadmin.get("/settings/calendar").status_code == 200
    assert secadmin.get("/admin/users").status_code == 403 and secadmin.get("/admin/audit").status_code == 403
    assert auditor.get("/admin/audit").status_code == 200
    assert auditor.get("/admin/users").status_code == 403 and auditor.get("/admin/rules").status_code == 403
    assert login_as(app, "admin").get("/admin/rules").status_code == 403
    for client in (secadmin, auditor):
        assert client.get("/items").status_code == 403 and client.get("/evaluations").status_code == 403


def test_the_web_cannot_touch_the_auditor_or_grant_its_role(app, demo):
    admin = login_as(app, "admin")
    reset = admin.post(f"/admin/users/{demo['auditor']}/password", {"password": "Taken-over-2026"})
    assert "命令行" in admin.get(reset.headers["Location"]).get_data(as_text=True)
    Client(app).login("auditor")  # the password did not change
    page = admin.get("/admin/users/new").get_data(as_text=True)
    assert 'value="auditor"' not in page and 'value="secadmin"' not in page
    refused = admin.post("/admin/users/new", {"username": "x_auditor", "display_name": "某人", "role": "auditor",
                                              "unit_id": "0", "password": "Strong-pass-2026"})
    assert "请从列表中选择有效的选项" in refused.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "audit2", "--name", "审计员二",
                                                "--role", "auditor", "--password", "Strong-pass-2026"])
    assert result.exit_code == 0 and "审计管理员" in result.output


def test_demo_accounts_show_the_split(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0
    for name in ("admin", "secadmin", "auditor"):
        assert name in result.output
    assert "安全管理员" in result.output and "审计管理员" in result.output


# --- a complete history ---------------------------------------------------------------

def test_security_events_are_recorded(app, demo):
    with app.app_context():
        item_id = make_item(stage="rectifying").id
        db.session.commit()
    Client(app).login("no-such-name", "wrong-guess-123", expect_ok=False)
    assert [e.action for e in _last(app)] == ["auth.login_failed"]
    assert "no-such-name" in _last(app)[0].summary
    health = login_as(app, "unit_health")
    assert health.get(f"/items/{item_id}").status_code == 404
    assert _last(app)[0].action == "access.not_found" and f"/items/{item_id}" in _last(app)[0].summary
    assert health.get("/items").status_code == 403
    assert _last(app)[0].action == "access.denied"
    assert health.post("/logout", csrf=False).status_code == 400
    assert _last(app)[0].action == "access.csrf"
    staff = login_as(app, "staff")
    assert staff.get("/ledger/export").status_code == 200
    assert _last(app)[0].action == "export.ledger"
    assert staff.get("/ledger/import/template").status_code == 200
    assert _last(app)[0].action == "export.template"
    auditor = login_as(app, "auditor")
    auditor.get("/admin/audit")
    assert _last(app)[0].action == "audit.view" and _last(app)[0].actor_name == "审计管理员"
    health.logout()
    assert _last(app)[0].action == "auth.logout"


def test_attachment_downloads_are_recorded(app):
    from .abuse_support import build_world
    world = build_world(app)
    edu = login_as(app, "unit_edu")
    assert edu.get(f"/attachments/{world.attachment}").status_code == 200
    entry = _last(app)[0]
    assert entry.action == "attachment.download" and entry.object_id == world.attachment


# --- tamper evidence ------------------------------------------------------------------

def _verify(app):
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    return result.exit_code, result.output


def _with_history(app):
    staff = login_as(app, "staff")
    with app.app_context():
        make_item(stage="assigned")
        db.session.commit()
    staff.logout()
    code, output = _verify(app)
    assert code == 0 and "哈希链完整" in output, output
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.seq)).all()


def _tamper(app, db_backend, statement: str, table: str = "audit_entry") -> None:
    """What someone who owns the table (not the application's role) could do."""
    with app.app_context():
        conn = db.session.connection()
        if db_backend == "postgresql":
            conn.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER ALL"))
            conn.execute(sa.text(statement))
            conn.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER ALL"))
        else:
            triggers = conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                            "AND tbl_name = :t"), {"t": table}).all()
            for name, _ in triggers:
                conn.execute(sa.text(f"DROP TRIGGER {name}"))
            conn.execute(sa.text(statement))
            for _, sql in triggers:
                conn.execute(sa.text(sql))
        db.session.commit()


def test_the_triggers_refuse_rewriting_and_emptying(app, demo, db_backend):
    ids = _with_history(app)
    with app.app_context():
        for statement in (f"UPDATE audit_entry SET summary = 'x' WHERE id = {ids[0]}",
                          f"DELETE FROM audit_entry WHERE id = {ids[0]}",
                          *(["TRUNCATE audit_entry", "TRUNCATE audit_chain_head CASCADE"]
                            if db_backend == "postgresql" else [])):
            try:
                db.session.execute(sa.text(statement))
                db.session.commit()
            except sa.exc.DatabaseError as error:
                db.session.rollback()
                assert "append-only" in str(error.orig) or "cannot be deleted" in str(error.orig)
            else:
                raise AssertionError(f"not refused: {statement}")
    assert _verify(app)[0] == 0


def test_a_rewritten_row_is_found(app, demo, db_backend):
    ids = _with_history(app)
    target = ids[len(ids) // 2]
    _tamper(app, db_backend, f"UPDATE audit_entry SET summary = '无事发生' WHERE id = {target}")
    code, output = _verify(app)
    assert code == 1 and f"id={target}" in output and "被改写" in output


def test_a_deleted_row_is_found(app, demo, db_backend):
    ids = _with_history(app)
    _tamper(app, db_backend, f"DELETE FROM audit_entry WHERE id = {ids[3]}")
    code, output = _verify(app)
    assert code == 1 and "缺少第 4–4 条" in output


def test_an_emptied_history_is_found(app, demo, db_backend):
    _with_history(app)
    statement = "TRUNCATE audit_entry" if db_backend == "postgresql" else "DELETE FROM audit_entry"
    _tamper(app, db_backend, statement)
    code, output = _verify(app)
    assert code == 1 and "表被清空" in output


def test_the_chain_holds_under_concurrent_writers(app, demo, database_uri):
    from concurrent.futures import ThreadPoolExecutor

    from tracker import create_app

    from .conftest import make_config
    other = create_app(make_config(database_uri))
    clients = [Client([app, other][i % 2]) for i in range(12)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda c: c.login("nobody-" + str(id(c)), "wrong-guess-123", expect_ok=False), clients))
    assert _verify(app)[0] == 0
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
