"""Administration of users and units, through the admin pages."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import AuditEntry, Role, Unit, User

from .conftest import login_as


def _unit_id(app, name):
    with app.app_context():
        return db.session.scalar(sa.select(Unit.id).where(Unit.name == name))


def test_admin_creates_unit_user_who_can_log_in(app, demo, make_client):
    admin = login_as(app, "admin")
    response = admin.post("/admin/users/new", {
        "username": "unit_env", "display_name": "赵环保", "role": "unit",
        "unit_id": _unit_id(app, "区生态环境分局"), "email": "", "active": "y", "password": "Env-pass-2026"})
    assert response.status_code == 303
    make_client().login("unit_env", "Env-pass-2026")
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.create"))
        assert entry.actor_name == "系统管理员" and "unit_env" in entry.summary


def test_unit_user_needs_an_organ_unit(app, demo):
    admin = login_as(app, "admin")
    response = admin.post("/admin/users/new", {
        "username": "bad_unit", "display_name": "某人", "role": "unit", "unit_id": 0, "password": "Pass-word-123"})
    assert response.status_code == 200 and "必须指定所属单位" in response.get_data(as_text=True)
    response = admin.post("/admin/users/new", {
        "username": "bad_unit", "display_name": "某人", "role": "unit",
        "unit_id": _unit_id(app, "办公室"), "password": "Pass-word-123"})
    assert "一府一委两院" in response.get_data(as_text=True)


def test_duplicate_username_and_invalid_input_are_chinese_errors(app, demo):
    admin = login_as(app, "admin")
    response = admin.post("/admin/users/new", {
        "username": "STAFF", "display_name": "重名", "role": "staff", "unit_id": 0, "password": "Pass-word-123"})
    assert "已存在" in response.get_data(as_text=True)
    response = admin.post("/admin/users/new", {
        "username": "../etc", "display_name": "", "role": "superuser", "unit_id": "abc", "password": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "用户名只能包含" in body and "请输入姓名" in body and "请从列表中选择有效的选项" in body


def test_change_role_and_unit_signs_user_out(app, demo, make_client):
    staff = make_client()
    staff.login("staff")
    admin = login_as(app, "admin")
    with app.app_context():
        user = db.session.get(User, demo["staff"])
        version = user.version
    response = admin.post(f"/admin/users/{demo['staff']}", {
        "username": "staff", "display_name": "李秀兰", "role": "reviewer", "unit_id": 0, "email": "",
        "active": "y", "version": version})
    assert response.status_code == 303
    assert staff.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(User, demo["staff"]).role is Role.REVIEWER


def test_admin_cannot_disable_self(app, demo):
    admin = login_as(app, "admin")
    with app.app_context():
        version = db.session.get(User, demo["admin"]).version
    response = admin.post(f"/admin/users/{demo['admin']}", {
        "username": "admin", "display_name": "系统管理员", "role": "admin", "unit_id": 0, "version": version})
    assert "不能停用自己" in response.get_data(as_text=True)


def test_stale_edit_is_refused(app, demo):
    admin = login_as(app, "admin")
    with app.app_context():
        version = db.session.get(User, demo["reviewer1"]).version
    data = {"username": "reviewer1", "display_name": "张伟", "role": "reviewer", "unit_id": 0, "active": "y",
            "version": version}
    assert admin.post(f"/admin/users/{demo['reviewer1']}", {**data, "display_name": "张伟一"}).status_code == 303
    response = admin.post(f"/admin/users/{demo['reviewer1']}", {**data, "display_name": "张伟二"})
    assert "已被他人修改" in response.get_data(as_text=True)


def test_reset_password(app, demo, make_client):
    admin = login_as(app, "admin")
    response = admin.post(f"/admin/users/{demo['unit_health']}/password", {"password": "Health-2026-new"})
    assert response.status_code == 303
    # The password the administrator chose opens one door only: the change-password page.
    owner = make_client()
    owner.refresh_csrf("/login")
    owner.http.post("/login", data={"username": "unit_health", "password": "Health-2026-new",
                                    "csrf_token": owner.csrf})
    home = owner.get("/")
    assert home.status_code == 303 and home.headers["Location"] == "/password"
    assert owner.get("/my").headers["Location"] == "/password"
    owner.refresh_csrf("/password")
    assert owner.post("/password", {"current": "Health-2026-new", "password": "Only-mine-2026",
                                    "confirm": "Only-mine-2026"}).status_code == 303
    assert owner.get("/my").status_code == 200
    inbox = owner.get("/notifications").get_data(as_text=True)
    assert "您的密码已于" in inbox and "由系统管理员重置" in inbox


def test_units_create_edit_and_disable(app, demo):
    admin = login_as(app, "admin")
    assert admin.post("/admin/units/new", {"name": "区审计局", "kind": "government",
                                           "sort_order": "150", "active": "y"}).status_code == 303
    unit_id = _unit_id(app, "区审计局")
    with app.app_context():
        version = db.session.get(Unit, unit_id).version
    assert admin.post(f"/admin/units/{unit_id}", {"name": "区审计局", "kind": "government", "sort_order": "150",
                                                  "version": version}).status_code == 303
    with app.app_context():
        assert db.session.get(Unit, unit_id).active is False
    dup = admin.post("/admin/units/new", {"name": "区审计局", "kind": "government"})
    assert "已存在" in dup.get_data(as_text=True)


def test_non_admins_get_403(app, demo):
    for username in ("staff", "unit_edu", "reviewer1"):
        client = login_as(app, username)
        assert client.get("/admin/users").status_code == 403
        assert client.post("/admin/units/new", {"name": "x", "kind": "government"}).status_code == 403


def test_rules_page_sets_default_and_validates_custom_rule(app, demo):
    import json

    from tracker.tally.presets import ZHENHAI
    admin = login_as(app, "secadmin")  # 测评规则 belong to the 安全管理员
    page = admin.get("/admin/rules").get_data(as_text=True)
    assert "镇海区" in page and "石泉县" in page and "含本数" in page and "原文：满意票达到全体组成人员半数以上" in page
    assert admin.post("/admin/rules/default", {"rule_key": "shiquan"}).status_code == 303
    bad = admin.post("/admin/rules/custom", {"rule_json": "{not json"})
    assert "JSON 格式错误" in bad.get_data(as_text=True)
    # Every problem at once, each named by its JSON key, and the text kept as typed.
    data = {**ZHENHAI, "key": "local", "name": "本区规则", "quorum": {"op": "more_than", "share": "-1/2"},
            "clauses": [{**ZHENHAI["clauses"][0], "share": "3/2"}, ZHENHAI["clauses"][1]]}
    invalid = admin.post("/admin/rules/custom", {"rule_json": json.dumps(data, ensure_ascii=False)})
    text = invalid.get_data(as_text=True)
    assert invalid.status_code == 200 and "clauses[0].share：须大于 0 且不超过 1" in text
    assert "quorum.share：须大于 0 且不超过 1" in text and "本区规则" in text
    data = {**data, "quorum": ZHENHAI["quorum"], "clauses": [{**ZHENHAI["clauses"][0], "share": "2/3"},
                                                             ZHENHAI["clauses"][1]]}
    assert admin.post("/admin/rules/custom", {"rule_json": json.dumps(data, ensure_ascii=False)}).status_code == 303
    with app.app_context():
        from tracker.services.settings import available_rules, get_setting
        assert get_setting("default_rule_key") == "shiquan"
        assert str(available_rules()["local"].clauses[0].condition.share) == "2/3"
    staff = login_as(app, "staff")
    form_page = staff.get("/activities/new").get_data(as_text=True)
    assert "本区规则" in form_page
    # Disabled, never deleted: no longer offered, still listed for admins.
    assert admin.post("/admin/rules/disabled", {"rule_key": "local", "disabled": "1"}).status_code == 303
    assert "本区规则" not in staff.get("/activities/new").get_data(as_text=True)
    assert "已停用" in admin.get("/admin/rules").get_data(as_text=True)
    refused = admin.post("/admin/rules/disabled", {"rule_key": "shiquan", "disabled": "1"})
    assert "只能停用或启用自定义规则" in refused.get_data(as_text=True)


def test_audit_page_lists_history_newest_first_and_pages(app, demo):
    from tracker.admin.audit import PAGE
    from tracker.models import AuditAction
    from tracker.services.audit import record
    with app.app_context():
        for i in range(PAGE + 5):
            record(AuditAction.CALENDAR_OVERRIDE_DELETE, f"第{i}条<script>", object_type="test", object_id=i)
        db.session.commit()
        with pytest.raises(TypeError):  # history actions are members of one enum, never ad-hoc strings
            record("test.event", "x", object_type="test")
    admin = login_as(app, "auditor")  # the history belongs to the 审计管理员
    page = admin.get("/admin/audit?action=calendar.override_delete").get_data(as_text=True)
    assert f"第{PAGE + 4}条&lt;script&gt;" in page and "第4条&lt;" not in page
    assert page.index(f"第{PAGE + 4}条") < page.index(f"第{PAGE + 3}条")
    before = int(__import__("re").search(r"before=(\d+)", page).group(1))
    older = admin.get(f"/admin/audit?action=calendar.override_delete&before={before}").get_data(as_text=True)
    assert "第0条" in older and "第4条" in older
    for other in ("staff", "admin", "secadmin"):
        assert login_as(app, other).get("/admin/audit").status_code == 403


def test_user_search_drops_control_characters_and_takes_wildcards_literally(app, demo):
    """Hypothesis found ``/admin/users?q=%00`` a 500 on PostgreSQL (a NUL in a parameter is
    refused): the search drops control characters as the lists' ``?q=`` does. A typed ``%``
    or ``_`` is a plain character, not a wildcard that lists every account."""
    admin = login_as(app, "admin")
    for q in ("\x00", "unit\x00_edu", "\x01staff\x1f"):
        response = admin.get("/admin/users", query_string={"q": q})
        assert response.status_code == 200, q
    assert "unit_edu" in admin.get("/admin/users", query_string={"q": "unit\x00_edu"}).get_data(as_text=True)
    for wildcard in ("%", "unit%edu", "s_aff", "unit_e_u"):  # as wildcards they would match
        body = admin.get("/admin/users", query_string={"q": wildcard}).get_data(as_text=True)
        assert ">unit_edu<" not in body and ">staff<" not in body, wildcard
    assert ">unit_edu<" in admin.get("/admin/users", query_string={"q": "t_ed"}).get_data(as_text=True)
