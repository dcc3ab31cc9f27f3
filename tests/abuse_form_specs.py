"""What every form of the app is fuzzed with (``test_abuse_forms``): who submits it, where,
which fields with which generated values, and how a refusal looks. Every POST route of the
app must be here or in ``NO_INPUT``, so a new form is fuzzed from the day it is added."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from hypothesis import strategies as st

from tracker.models import (
    Activity,
    ActivityKind,
    EvaluationMode,
    Item,
    Origin,
    Role,
    Unit,
    UnitKind,
    User,
)
from tracker.tally import PRESETS, rule_to_dict

from . import abuse_strategies as s


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
