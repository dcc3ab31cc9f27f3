"""Property-based fuzzing of every form through the HTTP client.

For each form a few dozen generated submissions (see ``abuse_strategies``) must never
give a 500; a refusal must say why in Chinese and leave no trace (no history row, no
half-added item). Every POST route of the app must be listed here, so a new form is
fuzzed from the day it is added.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tracker.extensions import db
from tracker.models import (
    Activity,
    ActivityKind,
    Evaluation,
    EvaluationMode,
    Item,
    Origin,
    Role,
    Unit,
    UnitKind,
    User,
    local_today,
)
from tracker.services.evaluations import open_evaluation
from tracker.services.handbacks import request_handback
from tracker.services.sittings import SittingData, open_sitting
from tracker.tally import PRESETS, rule_to_dict

from . import abuse_strategies as s
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


@dataclass
class FormSpec:
    principal: str
    path: Callable[[SimpleNamespace], str]
    fields: Callable[[SimpleNamespace], dict]
    version_of: Callable[[SimpleNamespace], tuple[type, int]] | None = None
    htmx: bool = False
    # Forms whose refusal is itself recorded (a failed sign-in counts towards lockout).
    refusal_writes_history: bool = False
    # Forms that answer a refusal with a redirect and a flashed message.
    redirect_may_refuse: bool = False
    # Forms whose success is a page, not a redirect (a preview): the text that marks it.
    ok_marker: str = ""


def _activity_fields(w):
    return {"kind": s.choice([k.value for k in ActivityKind]), "title": s.text, "meeting_session": s.integer,
            "meeting_date": s.a_date(w.today), "report_title": s.text, "target_organ": s.choice(["区人民政府"]),
            "lead_committee_id": s.choice(["0", str(w.committee)]), "evaluation_rule_key": s.choice(["zhenhai"])}


def _item_fields(w):
    return {"origin": s.choice([o.value for o in Origin]), "question": s.text, "asker": s.text,
            "asked_unit_id": s.choice(["0", str(w.edu), str(w.health), str(w.committee)]),
            "respondent_name": s.text, "respondent_post": s.text, "answer": s.text, "commitments": s.text}


def _user_fields(w):
    return {"username": st.one_of(s.short_text, st.from_regex(r"[A-Za-z0-9_.\-]{1,70}", fullmatch=True)),
            "display_name": s.text, "role": s.choice([r.value for r in Role]),
            "unit_id": s.choice(["0", str(w.edu), str(w.committee)]), "email": st.one_of(
                s.short_text, st.emails(), st.sampled_from(["a@b", "王@例子.中国", "x@y.z" * 60])),
            "active": s.choice(["y", ""])}


def _unit_fields(w):
    return {"name": s.text, "kind": s.choice([k.value for k in UnitKind]), "sort_order": s.integer,
            "active": s.choice(["y", ""])}


def _on(key):
    return lambda w: getattr(w, key)


ITEM = lambda key: (lambda w: (Item, getattr(w, key)))  # noqa: E731


FORMS: dict[str, FormSpec] = {
    "auth.login": FormSpec("anonymous", lambda w: "/login", lambda w: {"username": s.text, "password": s.text},
                           refusal_writes_history=True),
    # A wrong current password is recorded: it counts toward the sign-in pause.
    "auth.change_password": FormSpec("reviewer1", lambda w: "/password", lambda w: {
        "current": s.text, "password": s.text, "confirm": s.text}, refusal_writes_history=True),
    "activities.new": FormSpec("staff", lambda w: "/activities/new", _activity_fields),
    "activities.edit": FormSpec("staff", lambda w: f"/activities/{w.activity}/edit", _activity_fields,
                                version_of=lambda w: (Activity, w.activity)),
    "activities.add_item": FormSpec("staff", lambda w: f"/activities/{w.activity}/items", _item_fields),
    "activities.add_item (htmx)": FormSpec("staff", lambda w: f"/activities/{w.activity}/items", _item_fields,
                                           htmx=True),
    "activities.paste": FormSpec("staff", lambda w: f"/activities/{w.activity}/paste", lambda w: {
        "step": s.choice(["split", "save", ""]), "text": s.text, "preamble": s.text, "ref": s.text, "row_text": s.text,
        "parent": s.integer, "unit": s.integer, "include": s.choice(["0", "1", ""]), "merge": s.choice(["0", ""])},
        ok_marker="拆分预览结果"),
    "activities.paste_inquiry": FormSpec("staff", lambda w: f"/activities/{w.activity}/paste-inquiry", lambda w: {
        "step": s.choice(["split", "save", ""]), "text": s.text, "asker": s.text, "question": s.text,
        "respondent_name": s.text, "respondent_post": s.text, "answer": s.text, "commitments": s.text,
        "unit": s.integer, "include": s.choice(["0", "1", ""])}, ok_marker="问答识别结果"),
    "activities.assign_many": FormSpec("staff", lambda w: f"/activities/{w.activity}/assign", lambda w: {
        "deadline": s.a_date(w.today), "pick": s.integer, "co_unit_ids": s.integer}),
    # "pick" names no item of the unit's, so the shared world's items keep their stages.
    "reports.submit": FormSpec("unit_edu", lambda w: f"/activities/{w.activity}/report", lambda w: {
        "text": s.text, "pick": s.choice(["", "999999", "x"]), "status_1": s.text, "promised_1": s.text,
        "note_1": s.text, "class_1": s.choice(["", "A", "B", "D", "Z"]), "class_reason_1": s.text,
        "keep": s.integer}),
    "reports.follow_up": FormSpec("staff", lambda w: f"/reports/{w.report}/follow-up", lambda w: {
        "question": s.text, "parent_id": s.integer}),
    "reports.accept": FormSpec("staff", lambda w: f"/reports/{w.report}/accept", lambda w: {
        "opinion": s.text, "verdict_1": s.choice(["full", "partly", "none", ""]), "verdict_reason_1": s.text,
        "verdict_x": s.text}),
    "reports.return_": FormSpec("staff", lambda w: f"/reports/{w.report}/return", lambda w: {"reason": s.text}),
    "items.correct": FormSpec("staff", lambda w: f"/items/{w.rectifying}/correct", lambda w: {
        "lead_unit_id": s.choice([str(w.edu), str(w.health), "0"]), "co_unit_ids": s.integer,
        "deadline": s.a_date(w.today), "question": s.text, "reason": s.text}, version_of=ITEM("rectifying")),
    "items.backfill": FormSpec("staff", lambda w: f"/items/{w.backfill}/backfill", lambda w: {
        "lead_unit_id": s.choice([str(w.edu), str(w.health), str(w.committee), "0"]),
        "co_unit_ids": s.choices([str(w.edu), str(w.health)]), "assigned_on": s.a_date(w.today),
        "deadline": s.a_date(w.today), "acknowledged_on": s.a_date(w.today), "accepted_on": s.a_date(w.today),
        "closed_on": s.a_date(w.today), "result": s.text}, version_of=ITEM("backfill")),
    "items.withdraw": FormSpec("staff", lambda w: f"/items/{w.asked}/withdraw", lambda w: {"reason": s.text}),
    "activities.publish": FormSpec("staff", lambda w: f"/activities/{w.activity}/publish",
                                   lambda w: {"published": s.choice(["1", "0"]), "with_items": s.choice(["1", "0"]),
                                              "next": s.choice(["/public/manage", "//evil.example", "x"])}),
    "items.edit": FormSpec("staff", lambda w: f"/items/{w.asked}/edit", lambda w: {
        k: v for k, v in _item_fields(w).items() if k in ("origin", "question", "asker", "asked_unit_id")},
        version_of=ITEM("asked")),
    "items.answer": FormSpec("staff", lambda w: f"/items/{w.asked}/answer", lambda w: {
        "respondent_name": s.text, "respondent_post": s.text, "answer": s.text, "commitments": s.text,
        "commitment_due": s.a_date(w.today), "answer_class": s.choice(["", "A", "B", "C", "D", "E"]),
        "answer_class_reason": s.text}, version_of=ITEM("asked")),
    "commitments.add": FormSpec("staff", lambda w: f"/items/{w.rectifying}/commitments", lambda w: {
        "text": s.text, "due_on": s.a_date(w.today), "source": s.choice(["answer", "report", "review", "x"]),
        "unit_id": s.choice([str(w.edu), str(w.health), "0", "x"])}),
    "commitments.confirm": FormSpec("staff", lambda w: f"/items/{w.rectifying}/commitments/{w.commitment}/confirm",
                                    lambda w: {"due_on": s.a_date(w.today)}),
    "commitments.set_status": FormSpec("staff", lambda w: f"/items/{w.rectifying}/commitments/{w.commitment}/status",
                                       lambda w: {"status": s.choice(["open", "kept", "partly", "broken", "dropped",
                                                                      "late"]), "reason": s.text}),
    "commitments.evidence": FormSpec("unit_edu",
                                     lambda w: f"/items/{w.rectifying}/commitments/{w.commitment}/evidence",
                                     lambda w: {"text": s.text, "claims_kept": s.choice(["y", ""])}),
    "commitments.from_review": FormSpec("staff", lambda w: f"/reports/{w.accepted_report}/commitments", lambda w: {
        "item_id": s.choice([str(w.reported_item), str(w.rectifying), "0", "x"]), "text": s.text,
        "due_on": s.a_date(w.today)}),
    "items.assign": FormSpec("staff", lambda w: f"/items/{w.answered}/assign", lambda w: {
        "lead_unit_id": s.choice([str(w.edu), str(w.health), str(w.committee), "0"]),
        "co_unit_ids": s.choices([str(w.edu), str(w.health), str(w.committee)]), "deadline": s.a_date(w.today)},
        version_of=ITEM("answered")),
    "items.progress": FormSpec("unit_edu", lambda w: f"/items/{w.rectifying}/progress", lambda w: {
        "kind": s.choice(["response", "progress", "report"]), "text": s.text}),
    # A report that goes through moves its item on, so it has an item of its own: the other
    # unit forms keep meeting a rectifying item (authorization runs before validation).
    "items.report": FormSpec("unit_edu", lambda w: f"/items/{w.rectifying_report}/report", lambda w: {"text": s.text}),
    "items.return_report": FormSpec("staff", lambda w: f"/items/{w.reported}/return",
                                    lambda w: {"reason": s.text}),
    "items.request_extension": FormSpec("unit_edu", lambda w: f"/items/{w.rectifying}/extension", lambda w: {
        "requested_deadline": s.a_date(w.today), "reason": s.text}),
    "items.decide_extension": FormSpec("staff", lambda w: f"/items/{w.item}/extension/{w.extension}", lambda w: {
        "decision": s.choice(["approve", "refuse"]), "note": s.text}),
    "items.request_handback": FormSpec("unit_edu", lambda w: f"/items/{w.handback_ask}/handback", lambda w: {
        "reason": s.text, "suggested_unit_id": s.choice([str(w.health), str(w.edu), "0", "999999"])}),
    "items.decide_handback": FormSpec("staff", lambda w: f"/items/{w.handback_item}/handback/{w.handback}",
                                      lambda w: {"decision": s.choice(["reassign", "refuse"]),
                                                 "lead_unit_id": s.choice([str(w.edu), str(w.health), "0"]),
                                                 "co_unit_ids": s.integer, "note": s.text}),
    "items.declare_date": FormSpec("unit_edu", lambda w: f"/items/{w.overdue}/declared-date", lambda w: {
        "expected_on": s.a_date(w.today), "reason": s.text}),
    "items.publish": FormSpec("staff", lambda w: f"/items/{w.item}/publish",
                              lambda w: {"published": s.choice(["1", "0"])}),
    "items.open_evaluation": FormSpec("staff", lambda w: f"/items/{w.accepted}/evaluation", lambda w: {
        "mode": s.choice([m.value for m in EvaluationMode]), "members_total": s.integer,
        "rule_key": s.choice(["zhenhai"])}),
    "items.vote": FormSpec("reviewer1", lambda w: f"/items/{w.evaluating}/evaluation/vote", lambda w: {
        "grade": s.choice(["satisfied", "basic", "unsatisfied", "blank"])}),
    "items.tally": FormSpec("staff", lambda w: f"/items/{w.at_meeting}/evaluation/tally", lambda w: dict.fromkeys(
        ("members_total", "members_present", "satisfied", "basic", "unsatisfied", "invalid"), s.integer)),
    "items.close_evaluation": FormSpec("staff", lambda w: f"/items/{w.at_meeting}/evaluation/close",
                                       lambda w: {"new_deadline": s.a_date(w.today)}),
    # After the vote: closure, reopening and 回头看, each on an item of its own.
    "items.accept_report": FormSpec("staff", lambda w: f"/items/{w.reported_verdict}/accept", lambda w: {
        "grade": s.choice(["full", "mostly", "partly", "none", ""]), "reason": s.text}),
    "items.close_item": FormSpec("staff", lambda w: f"/items/{w.for_close}/close", lambda w: {
        "close-kind": s.choice(["implemented", "partly_tracked", "terminated"]),
        "close-cause": s.choice(["superseded", "merged", "beyond_power", "other", ""]),
        "close-merged_into": s.text, "close-reason": s.text}),
    "items.set_closure": FormSpec("staff", lambda w: f"/items/{w.closed_fix}/closure", lambda w: {
        "closure-kind": s.choice(["implemented", "partly_tracked", "terminated"]),
        "closure-cause": s.choice(["superseded", "merged", "beyond_power", "other", ""]),
        "closure-merged_into": s.text, "closure-reason": s.text}),
    "items.reopen": FormSpec("staff", lambda w: f"/items/{w.closed_reopen}/reopen", lambda w: {"reason": s.text}),
    "items.schedule_lookback": FormSpec("staff", lambda w: f"/items/{w.closed_schedule}/lookbacks", lambda w: {
        "due_on": s.a_date(w.today), "note": s.text}),
    "items.answer_lookback": FormSpec("unit_edu", lambda w: f"/items/{w.closed_answer}/lookbacks/{w.answer_lb}/answer",
                                      lambda w: {"text": s.text}),
    "items.record_finding": FormSpec("staff", lambda w: f"/items/{w.closed_finding}/lookbacks/{w.finding_lb}/finding",
                                     lambda w: {"finding": s.choice(["consolidated", "rebound", "unkept", ""]),
                                                "note": s.text, "reopen": s.choice(["y", ""]),
                                                "reopen_reason": s.text}),
    "followup.schedule_activity": FormSpec("staff", lambda w: f"/activities/{w.activity}/lookbacks", lambda w: {
        "due_on": s.a_date(w.today), "note": s.text}, redirect_may_refuse=True),
    "followup.lookback_settings": FormSpec("secadmin", lambda w: "/settings/lookback", lambda w: {
        f"{kind.value}__months": s.integer for kind in ActivityKind}),
    "admin.new_user": FormSpec("admin", lambda w: "/admin/users/new",
                               lambda w: {**_user_fields(w), "password": s.text}),
    "admin.edit_user": FormSpec("admin", lambda w: f"/admin/users/{w.users['unit_health']}", _user_fields,
                                version_of=lambda w: (User, w.users["unit_health"])),
    "admin.reset_password": FormSpec("admin", lambda w: f"/admin/users/{w.users['reviewer2']}/password",
                                     lambda w: {"password": s.text}, redirect_may_refuse=True),
    "admin.set_default_rule": FormSpec("secadmin", lambda w: "/admin/rules/default",
                                       lambda w: {"rule_key": s.choice(["zhenhai", "shiquan", "local"])}),
    "admin.save_custom_rule": FormSpec("secadmin", lambda w: "/admin/rules/custom", lambda w: {
        "rule_json": s.mutated_json({**rule_to_dict(PRESETS["zhenhai"]), "key": "local", "name": "本地规则"})}),
    "admin.set_rule_disabled": FormSpec("secadmin", lambda w: "/admin/rules/disabled", lambda w: {
        "rule_key": s.choice(["local", "zhenhai", "nope"]), "disabled": s.choice(["1", "0"])}),
    "admin.new_unit": FormSpec("admin", lambda w: "/admin/units/new", _unit_fields),
    "sittings.new": FormSpec("staff", lambda w: "/sittings/new", lambda w: {
        "title": s.text, "meeting_date": s.a_date(w.today), "mode": s.choice(["online", "meeting", "spot"]),
        "members_total": s.integer, "rule_key": s.choice(["zhenhai", "shiquan", "nope"]),
        "item_ids": s.choices([str(w.for_sitting), str(w.asked), "999999"])}),
    "sittings.attendance": FormSpec("staff", lambda w: f"/sittings/{w.spot_sitting}/attendance",
                                    lambda w: {"members_present": s.integer}),
    "sittings.tally": FormSpec("staff", lambda w: f"/sittings/{w.spot_sitting}/tally", lambda w: {
        **{f"{name}-{w.spot_entry}": s.integer for name in ("satisfied", "basic", "unsatisfied", "invalid")},
        f"grade-{w.spot_entry}": s.choice(["", "satisfied", "basic", "excellent"]),
        f"note-{w.spot_entry}": s.text, f"confirm-{w.spot_entry}": s.choice(["1", ""])}),
    "sittings.ballot": FormSpec("reviewer1", lambda w: f"/sittings/{w.online_sitting}/ballot", lambda w: {
        f"grade-{w.online_entry}": s.choice(["satisfied", "basic", "unsatisfied", "blank", "best"])}),
    "sittings.void": FormSpec("staff", lambda w: f"/sittings/{w.spot_sitting}/void", lambda w: {"reason": s.text}),
    "sittings.deadline": FormSpec("staff", lambda w: f"/sittings/{w.spot_sitting}/entries/{w.spot_entry}/deadline",
                                  lambda w: {"deadline": s.a_date(w.today)}),
    "admin.edit_unit": FormSpec("admin", lambda w: f"/admin/units/{w.health}", _unit_fields,
                                version_of=lambda w: (Unit, w.health)),
    "followup.send_notice": FormSpec("staff", lambda w: f"/items/{w.rectifying}/notice", lambda w: {
        "kind": s.choice(["urge", "supervise"]), "text": s.text, "reply_by": s.a_date(w.today)}),
    "followup.set_supervised": FormSpec("staff", lambda w: f"/items/{w.rectifying}/supervised", lambda w: {
        "supervised": s.choice(["1", "0"]), "reason": s.text}),
    "followup.deadline_settings": FormSpec("secadmin", lambda w: "/settings/deadlines", lambda w: {
        "yellow_workdays": s.integer, "inquiry__handle__amount": s.integer,
        "inquiry__handle__unit": s.choice(["months", "workdays", "days"]),
        "supervise_after_overdue_days": s.integer, "warn_on_red": s.choice(["y", ""])}),
    "followup.calendar_settings": FormSpec("secadmin", lambda w: "/settings/calendar", lambda w: {"lines": s.text}),
    "ledger.confirm_import": FormSpec("staff", lambda w: "/ledger/import/confirm", lambda w: {
        "digest": s.choice(["0" * 64, "x", ""])}),
    "followup.read_all": FormSpec("unit_edu", lambda w: "/notifications/read-all", lambda w: {
        "kind": s.choice(["return", "assign", "", "nonsense"]), "ids": s.choices(["1", "2", "999999"])}),
    "public.publish_items": FormSpec("staff", lambda w: f"/public/manage/activities/{w.activity}/items",
                                     lambda w: {"published": s.choice(["1", "0"])}, redirect_may_refuse=True),
    "search.dictionary": FormSpec("admin", lambda w: "/search/terms", lambda w: {"word": s.text}),
    "search.link": FormSpec("staff", lambda w: f"/items/{w.asked}/recurrence", lambda w: {
        "earlier_item_id": st.one_of(s.text, s.choice([str(w.item), str(w.answered), str(w.asked), "999999"]))},
        redirect_may_refuse=True),
    "ledger.import_ledger": FormSpec("staff", lambda w: "/ledger/import", lambda w: {
        "file": s.upload(s.ledger_file, ["台账.xlsx", "台账.xls", "台账.XLSX", "台账.xlsx.exe", "台账"]),
        "step": s.choice(["import", "check"]), "digest": s.short_text}),
}
# POST routes with nothing to type: a button and its CSRF token (covered by the authz matrix).
NO_INPUT = {"auth.logout", "auth.end_all", "auth.keepalive", "admin.end_sessions", "items.acknowledge",
            "admin.unlock", "ledger.assignment_letter", "ledger.supervision_letter",
            "ledger.result_notice", "sittings.stop", "sittings.count", "sittings.notice", "search.unlink",
            "search.delete_term",
            "followup.delete_calendar_day", "followup.open_notification"}


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
