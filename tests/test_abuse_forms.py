"""Property-based fuzzing of every form through the HTTP client.

For each form a few dozen generated submissions (see ``abuse_strategies``) must never
give a 500; a refusal must say why in Chinese and leave no trace (no history row, no
half-added item). Every POST route of the app must be listed here, so a new form is
fuzzed from the day it is added.
"""
from __future__ import annotations

import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tracker.extensions import db
from tracker.models import (
    Evaluation,
    EvaluationMode,
    Item,
    local_today,
)
from tracker.services.evaluations import open_evaluation
from tracker.services.handbacks import request_handback
from tracker.services.sittings import SittingData, open_sitting

from . import abuse_strategies as s
from .abuse_form_specs import FORMS, NO_INPUT
from .abuse_support import (
    CJK,
    assert_chinese_errors,
    audit_count,
    build_world,
    dispose,
    error_messages,
    item_count,
    module_app,
)
from .conftest import Client
from .helpers import make_activity, make_item, user

# ABUSE_FUZZ_EXAMPLES=500 for a long local run; the default keeps `make test` quick.
# Under CI the examples are derived from the test, so a red build can be rerun and seen again.
FUZZ = settings(max_examples=int(os.environ.get("ABUSE_FUZZ_EXAMPLES", "20")), deadline=None, database=None,
                derandomize=os.environ.get("CI") == "true",
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def shared(_template_db, tmp_path_factory):
    """One app and world for the module: each form aims at its own object, so the forms
    do not get in each other's way, and the world is built once instead of per form."""
    app = module_app(_template_db, tmp_path_factory.mktemp("forms"))
    yield app
    dispose(app)


@pytest.fixture
def app(shared):
    return shared


@pytest.fixture(scope="module")
def fuzz_world(shared):
    app = shared
    base = build_world(app)
    with app.test_request_context():
        activity = make_activity(title="模糊测试用监督活动")
        stages = {name: make_item(activity=activity, stage=name).id
                  for name in ("asked", "answered", "rectifying", "reported", "accepted", "evaluating")}
        stages["rectifying_report"] = make_item(activity=activity, stage="rectifying").id
        # 退办: one item to ask on, one with a pending request for staff to decide; an overdue item to declare on.
        stages["handback_ask"] = make_item(activity=activity, stage="rectifying").id
        handback_item = make_item(activity=activity, stage="rectifying")
        stages["handback_item"] = handback_item.id
        stages["handback"] = request_handback(handback_item, "不属于本单位职责", None, user("unit_edu")).id
        overdue = make_item(activity=activity, stage="rectifying")
        overdue.deadline = overdue.original_deadline = local_today() - timedelta(days=3)
        stages["overdue"] = overdue.id
        stages["backfill"] = make_item(activity=activity, stage="answered").id  # 补录 moves it on
        at_meeting = make_item(activity=activity, stage="accepted")
        open_evaluation(at_meeting, EvaluationMode.MEETING, 30, user("staff"))
        stages["at_meeting"] = at_meeting.id
        # Sittings of their own, so the sitting forms do not use up the items' forms.
        stages["for_sitting"] = make_item(activity=activity, stage="accepted").id
        spot = open_sitting(SittingData("现场评定", local_today(), 30, EvaluationMode.SPOT, "zhenhai",
                                        [make_item(activity=activity, stage="accepted").id]), user("staff"))
        online = open_sitting(SittingData("网上测评", local_today(), None, EvaluationMode.ONLINE, "shiquan",
                                          [make_item(activity=activity, stage="accepted").id]), user("staff"))
        for name, sitting in (("spot", spot), ("online", online)):
            stages[f"{name}_sitting"] = sitting.id
            stages[f"{name}_entry"] = db.session.scalar(sa.select(Evaluation.id).where(
                Evaluation.sitting_id == sitting.id))
        # 承诺: one on the rectifying item, and an accepted report whose 审查意见 asks become commitments.
        from tracker.services import commitments as commitment_ops
        from tracker.services import reports as report_ops
        rectifying = db.session.get(Item, stages["rectifying"])
        stages["commitment"] = commitment_ops.add_commitment(rectifying, commitment_ops.CommitmentData(
            "年底前完成改扩建。"), user("staff")).id
        reviewed = make_activity(title="审议区人民政府关于托育服务情况的报告")
        reported = make_item(activity=reviewed, stage="rectifying")
        report = report_ops.submit_report(reviewed, "现将研究处理情况报告如下。", [report_ops.ReportLine(reported)], [],
                                          user("unit_edu"))
        report_ops.accept_report(report, "总体同意。请于明年6月底前报告进展。", user("staff"))
        stages["accepted_report"], stages["reported_item"] = report.id, reported.id
        from tracker.services.lookbacks import schedule_lookback
        stages["reported_verdict"] = make_item(activity=activity, stage="reported").id
        stages["for_close"] = make_item(activity=activity, stage="rectifying").id
        for name in ("closed_fix", "closed_reopen", "closed_schedule", "closed_answer", "closed_finding"):
            stages[name] = make_item(activity=activity, stage="closed").id
        for name, key in (("closed_answer", "answer_lb"), ("closed_finding", "finding_lb")):
            stages[key] = schedule_lookback(db.session.get(Item, stages[name]), None, None, user("staff")).id
        db.session.commit()
    return SimpleNamespace(
        **stages, activity=base.activity, item=base.item, extension=base.extension, users=base.users,
        report=base.report,
        edu=base.units["区教育局"], health=base.units["区卫生健康局"], committee=base.units["社会建设工作委员会"],
        today=local_today())


@pytest.fixture(scope="module")
def principals(shared, fuzz_world) -> dict[str, Client]:
    clients = {"anonymous": Client(shared)}
    for name in ("staff", "admin", "secadmin", "unit_edu", "reviewer1"):
        clients[name] = Client(shared)
        clients[name].login(name)
    return clients


def test_every_post_route_is_fuzzed(app):
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    fuzzed = {name.split(" ")[0] for name in FORMS}
    missing = sorted(posts - fuzzed - NO_INPUT)
    assert not missing, f"POST routes without a fuzz spec in tests/test_abuse_forms.py: {missing}"


def _current_version(app, spec, world) -> str:
    model, ident = spec.version_of(world)
    with app.app_context():
        return str(db.session.get(model, ident).version)


def _check_errors_are_chinese(html: str, context: str) -> None:
    english = [m for m in error_messages(html) if not CJK.search(m)]
    assert not english, f"{context}: English error messages {english}"


def submit_and_check(app, client, spec, world, data, context):
    data = {k: (_current_version(app, spec, world) if v == s.VERSION else v) for k, v in data.items()}
    if spec.version_of and "version" not in data:
        data["version"] = _current_version(app, spec, world)
    history, items = audit_count(app), item_count(app)
    response = client.post(spec.path(world), data, htmx=spec.htmx)
    html = response.get_data(as_text=True)
    assert response.status_code < 500, f"{context}: {response.status_code} for {data!r}"
    _check_errors_are_chinese(html, context)
    if response.status_code in (302, 303):
        if spec.redirect_may_refuse:
            follow = client.get(response.headers["Location"])
            assert follow.status_code < 500
            _check_errors_are_chinese(follow.get_data(as_text=True), context)
        return
    if spec.ok_marker and response.status_code == 200 and spec.ok_marker in html:
        assert item_count(app) == items, f"{context}: a preview added an item for {data!r}"
        return
    if response.status_code == 413:
        assert "超过大小限制" in html
    elif spec.htmx and response.status_code == 200 and "X-Form-Invalid" not in response.headers:
        return  # the quick-add fragment with the new row
    else:
        assert_chinese_errors(html, f"{context} {data!r}"[:2000])
    if not spec.refusal_writes_history:
        assert audit_count(app) == history, f"{context}: refused but wrote history for {data!r}"
    assert item_count(app) == items, f"{context}: refused but added an item for {data!r}"


@pytest.mark.parametrize("name", sorted(FORMS))
@FUZZ
@given(data=st.data())
def test_form_survives_fuzzing(app, fuzz_world, principals, name, data):
    spec = FORMS[name]
    client = principals[spec.principal]
    values = {key: data.draw(strategy, label=key) for key, strategy in spec.fields(fuzz_world).items()}
    submit_and_check(app, client, spec, fuzz_world, values, name)


# --- what the fuzzing found, pinned down ------------------------------------------------

def test_spaces_in_a_required_date_or_number_are_refused_not_a_500(app, fuzz_world):
    unit_user = Client(app)
    unit_user.login("unit_edu")
    response = unit_user.post(f"/items/{fuzz_world.rectifying}/extension",
                              {"requested_deadline": " ", "reason": "征地手续尚未完成，申请延期。"})
    assert response.status_code == 200
    assert "请填写申请延期至的日期" in response.get_data(as_text=True)
    staff = Client(app)
    staff.login("staff")
    response = staff.post("/activities/new", {
        "kind": "inquiry", "title": "关于养老服务的专题询问", "meeting_session": "  ", "meeting_date": " ",
        "target_organ": "区人民政府", "lead_committee_id": "0", "evaluation_rule_key": "zhenhai"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    # The meeting number may stay empty (never invented); the date is required.
    assert "请填写第几次会议" not in body and "请填写会议日期" in body


def test_email_is_checked_without_the_email_validator_package(app, fuzz_world):
    admin = Client(app)
    admin.login("admin")
    base = {"username": "new_clerk", "display_name": "新同事", "role": "staff", "unit_id": "0",
            "active": "y", "password": "long-enough-2026"}
    response = admin.post("/admin/users/new", {**base, "email": "not-an-address"})
    assert response.status_code == 200 and "邮箱格式不正确" in response.get_data(as_text=True)
    assert admin.post("/admin/users/new", {**base, "email": "clerk@rd.example.cn"}).status_code == 303


def test_over_long_sign_in_values_are_refused_in_chinese(app, fuzz_world):
    body = Client(app).login("staff", "长" * 300, expect_ok=False).get_data(as_text=True)
    assert "「密码」共 300 字，超过上限 256 字" in body
    body = Client(app).login("a" * 65, "whatever-123", expect_ok=False).get_data(as_text=True)
    assert "「用户名」共 65 字，超过上限 64 字" in body


def test_nul_in_a_username_is_a_plain_wrong_login(app, fuzz_world):
    """PostgreSQL refuses NUL in a query parameter: it must never reach the query."""
    response = Client(app).login("staff\x00", "demo-password", expect_ok=False)
    assert response.status_code in (200, 303)


def test_a_refused_form_that_is_not_on_the_page_still_says_why(app, fuzz_world):
    reviewer = Client(app)
    reviewer.login("reviewer3")  # the fuzzing votes as reviewer1
    path = f"/items/{fuzz_world.evaluating}/evaluation/vote"
    assert reviewer.post(path, {"grade": "satisfied"}).status_code == 303
    # A second tab, still showing the ballot, submits without a choice: the ballot is
    # gone from the page now, so the reason must be said at the top.
    response = reviewer.post(path, {})
    assert response.status_code == 200
    assert "未能提交" in response.get_data(as_text=True)
    assert_chinese_errors(response.get_data(as_text=True))


def test_tally_limits_are_explained_in_chinese(app, fuzz_world):
    staff = Client(app)
    staff.login("staff")
    response = staff.post(f"/items/{fuzz_world.at_meeting}/evaluation/tally", {
        "members_total": "0", "members_present": "600", "satisfied": "0", "basic": "0", "unsatisfied": "0",
        "invalid": "0"})
    body = response.get_data(as_text=True)
    assert "请填写 1–500 的整数" in body and "请填写 0–500 的整数" in body
