"""Every route × every kind of user, generated from the app's URL map.

The expectation table below is keyed by endpoint. A route that is not in it fails the
test, so a new page or action cannot be added without someone deciding who may use it.
Beyond the table, two rules hold for every route whatever the table says: another
unit's item (and its evidence, entries, extension requests) is 404, and a refused
request leaves no trace in the history (nothing was done).
"""
from __future__ import annotations

import pytest

from .abuse_support import audit_count, build_world
from .conftest import Client

# admin, secadmin, auditor: the three administrators (三员分立), none of whom runs the workflow.
PRINCIPALS = ("anonymous", "admin", "staff", "unit_edu", "unit_health", "reviewer1", "secadmin", "auditor")

# Outcomes. ACT: the user may try; the operation itself may refuse (wrong stage, wrong role
# inside the item, invalid empty form) with 200/403/409, but never by hiding the item.
OK, LOGIN, DENY, HIDDEN, ACT, ANY = "ok", "login", "403", "404", "act", "any"


def policy(anonymous, admin, staff, unit_edu, unit_health, reviewer1, secadmin=None, auditor=None) -> dict[str, str]:
    """The 安全/审计管理员 columns default to the reviewer's (signed in, no item of theirs)."""
    secadmin = reviewer1 if secadmin is None else secadmin
    auditor = reviewer1 if auditor is None else auditor
    return dict(zip(PRINCIPALS, (anonymous, admin, staff, unit_edu, unit_health, reviewer1, secadmin, auditor),
                    strict=True))


EVERYONE = policy(OK, OK, OK, OK, OK, OK)
SIGNED_IN = policy(LOGIN, OK, OK, OK, OK, OK)
ADMIN_ONLY = policy(LOGIN, OK, DENY, DENY, DENY, DENY)
SECURITY_ONLY = policy(LOGIN, DENY, DENY, DENY, DENY, DENY, secadmin=OK)
AUDITOR_ONLY = policy(LOGIN, DENY, DENY, DENY, DENY, DENY, auditor=OK)
STAFF = policy(LOGIN, DENY, OK, DENY, DENY, DENY)
UNIT_ONLY = policy(LOGIN, DENY, DENY, OK, OK, DENY)
REVIEWER_ONLY = policy(LOGIN, DENY, DENY, DENY, DENY, OK, secadmin=DENY, auditor=DENY)
# The world's item is 区教育局's and in 整改中: 区卫生健康局, reviewers and administrators may not see it.
ITEM_PAGE = policy(LOGIN, HIDDEN, OK, OK, HIDDEN, HIDDEN)
ITEM_ACTION = policy(LOGIN, HIDDEN, ACT, ACT, HIDDEN, HIDDEN)

EXPECTED: dict[str, dict[str, str]] = {
    "auth.login": EVERYONE,
    "auth.logout": policy(ANY, ANY, ANY, ANY, ANY, ANY),
    "auth.change_password": SIGNED_IN,
    "auth.end_all": policy(LOGIN, ANY, ANY, ANY, ANY, ANY, ANY, ANY),
    "auth.session_status": SIGNED_IN,
    "auth.keepalive": SIGNED_IN,
    "main.home": SIGNED_IN,
    "main.healthz": EVERYONE,
    "admin.*": ADMIN_ONLY,
    "admin.rules": SECURITY_ONLY,
    "admin.set_default_rule": SECURITY_ONLY,
    "admin.save_custom_rule": SECURITY_ONLY,
    "admin.set_rule_disabled": SECURITY_ONLY,
    "admin.audit": AUDITOR_ONLY,
    "activities.index": STAFF,
    "activities.new": STAFF,
    "activities.edit": STAFF,
    "activities.detail": STAFF,
    "activities.add_item": STAFF,
    "activities.paste": STAFF,
    "activities.paste_inquiry": STAFF,
    # The world's activity has 区教育局's 整改中 item: its unit may report; others have nothing there.
    "reports.submit": policy(LOGIN, DENY, DENY, OK, HIDDEN, DENY),
    "reports.detail": ITEM_PAGE,
    "reports.accept": ITEM_ACTION,
    "reports.return_": ITEM_ACTION,
    "reports.follow_up": STAFF,
    "activities.assign_many": STAFF,
    "activities.publish": STAFF,
    "items.index": STAFF,
    "items.detail": ITEM_PAGE,
    "items.timeline": ITEM_PAGE,
    "items.progress_earlier": ITEM_PAGE,
    "items.attachment": ITEM_PAGE,
    # Correcting the question is staff's, and only before 交办 (the world's item is past it).
    "items.edit": policy(LOGIN, HIDDEN, DENY, DENY, HIDDEN, HIDDEN),
    **{f"items.{name}": ITEM_ACTION for name in (
        "answer", "assign", "acknowledge", "progress", "report", "return_report", "accept_report",
        "request_extension", "decide_extension", "publish", "open_evaluation", "vote", "tally",
        "close_evaluation", "withdraw", "correct", "request_handback", "decide_handback", "declare_date",
        "backfill", "close_item", "set_closure", "reopen", "schedule_lookback", "answer_lookback",
        "record_finding")},
    # 承诺 on the world's item: staff manage them, its units post evidence; the matrix's
    # unit_health gets 404 (another unit's item), also for the report's 审查意见 asks.
    **{f"commitments.{name}": ITEM_ACTION for name in ("add", "confirm", "set_status", "evidence", "from_review")},
    "work.my_items": UNIT_ONLY,
    "work.my_evaluations": REVIEWER_ONLY,
    "dashboard.index": STAFF,
    "public.index": EVERYONE,
    "public.overdue": EVERYONE,
    # The world's activity and item are not published: 404 for everyone, signed in or not.
    "public.activity": policy(HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "public.item": policy(HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "public.manage": STAFF,
    "public.publish_items": STAFF,
    **{f"followup.{name}": STAFF for name in ("overdue", "due_soon", "supervised", "handbacks", "lookbacks",
                                              "commitments", "schedule_activity")},
    "followup.lookback_settings": SECURITY_ONLY,
    "ledger.long_open": STAFF,
    "ledger.long_open_export": STAFF,
    **{f"followup.{name}": SECURITY_ONLY for name in ("deadline_settings", "calendar_settings", "delete_calendar_day")},
    **{f"followup.{name}": ITEM_ACTION for name in ("send_notice", "set_supervised")},
    "followup.inbox": SIGNED_IN,
    "followup.read_all": SIGNED_IN,
    # The world's notification is unit_edu's (the 交办 of its item): anyone else gets 404.
    "followup.open_notification": policy(LOGIN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN),
    # A unit exports its own items only (checked by content below); reviewers have no ledger.
    "ledger.export": policy(LOGIN, DENY, OK, OK, OK, DENY),
    "ledger.import_template": STAFF,
    "ledger.import_ledger": STAFF,
    "ledger.confirm_import": STAFF,
    "ledger.assignment_letter": STAFF,
    "ledger.supervision_letter": STAFF,
    "ledger.result_notice": STAFF,
    "ledger.letter_register": STAFF,
    "ledger.letter_download": STAFF,
    "sittings.index": STAFF,
    "sittings.new": STAFF,
    # The world's sitting is online and open: reviewer1 is on its voter list; a unit never
    # sees a sitting (it lists several units' items), only its own item's result.
    "sittings.detail": policy(LOGIN, HIDDEN, OK, HIDDEN, HIDDEN, OK, secadmin=HIDDEN, auditor=HIDDEN),
    "sittings.ballot": policy(LOGIN, DENY, DENY, DENY, DENY, ACT),
    **{f"sittings.{name}": policy(LOGIN, ACT, ACT, DENY, DENY, DENY) for name in (
        "attendance", "tally", "stop", "count", "void", "deadline")},
    # The 通报 exists once the sitting is counted; the world's is still open.
    "sittings.notice": policy(LOGIN, DENY, HIDDEN, DENY, DENY, DENY),
    # Search uses the lists' visibility rule (checked by content in tests/test_search.py).
    "search.index": SIGNED_IN,
    "search.similar": STAFF,
    "search.recurrence": ITEM_PAGE,
    "search.link": policy(LOGIN, ACT, ACT, DENY, DENY, DENY),
    "search.unlink": policy(LOGIN, ACT, ACT, DENY, DENY, DENY),
    "search.recurring": STAFF,
    "search.dictionary": ADMIN_ONLY,
    "search.delete_term": ADMIN_ONLY,
    "public.search_page": EVERYONE,
    "public.item_history": policy(HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
}

# URL arguments that point into one item: another unit gets 404, or a refusal by role (403)
# that is the same whether the object exists or not (checked against a missing id).
ITEM_SCOPED_ARGS = {"item_id", "attachment_id", "entry_id", "request_id", "extension_id", "report_id",
                    "commitment_id"}
# Requests that end the session they are sent with get a client of their own.
SESSION_ENDING = {"auth.logout", "auth.end_all", "admin.end_sessions"}


def expectation_for(endpoint: str) -> dict[str, str] | None:
    if endpoint in EXPECTED:
        return EXPECTED[endpoint]
    return EXPECTED.get(endpoint.split(".", 1)[0] + ".*")


def outcome_matches(expected: str, response) -> bool:
    status = response.status_code
    location = response.headers.get("Location", "")
    to_login = status in (301, 302, 303) and location.startswith("/login")
    if expected == OK:
        return status == 200 or (status in (301, 302, 303) and not to_login)
    if expected == LOGIN:
        return to_login
    if expected == DENY:
        return status == 403
    if expected == HIDDEN:
        return status == 404
    if expected == ACT:
        return status in (200, 303, 403, 409) and not to_login
    if expected == ANY:
        return status < 400
    raise AssertionError(f"unknown outcome {expected}")


def matrix_rules(app, world):
    """(endpoint, method, path) for every route, with ids from the world filled in."""
    rules = []
    unknown_args = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        missing = set(rule.arguments) - set(world.args)
        if missing:
            unknown_args.append(f"{rule.rule} ({rule.endpoint}): {sorted(missing)}")
            continue
        with app.test_request_context():
            from flask import url_for
            path = url_for(rule.endpoint, **{name: world.args[name] for name in rule.arguments})
        for method in ("GET", "POST"):
            if method in rule.methods:
                rules.append((rule.endpoint, method, path, set(rule.arguments)))
    assert not unknown_args, ("URL arguments the test world cannot fill; add them to World.args in "
                              f"tests/abuse_support.py: {unknown_args}")
    return rules


def _with_missing_ids(app, endpoint, arguments, world) -> str:
    from flask import url_for
    values = {name: (999_999 if name in ITEM_SCOPED_ARGS else world.args[name]) for name in arguments}
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.fixture
def world(app):
    return build_world(app)


def test_every_endpoint_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    unclassified = sorted(e for e in endpoints if expectation_for(e) is None)
    assert not unclassified, ("routes without an authorization expectation; add them to EXPECTED in "
                              f"tests/test_authz_matrix.py: {unclassified}")
    stale = sorted(k for k in EXPECTED if not k.endswith(".*") and k not in endpoints)
    assert not stale, f"EXPECTED lists endpoints that no longer exist: {stale}"


def test_authorization_matrix(app, world):
    clients: dict[str, Client] = {}

    def client_for(principal: str, fresh: bool = False) -> Client:
        if principal in clients and not fresh:
            return clients[principal]
        client = Client(app)
        if principal != "anonymous":
            client.login(principal)
        if not fresh:
            clients[principal] = client
        return client

    failures = []
    for endpoint, method, path, arguments in matrix_rules(app, world):
        expected = expectation_for(endpoint)
        if expected is None:
            continue  # reported by test_every_endpoint_is_classified
        for principal in PRINCIPALS:
            want = expected[principal]
            other_unit = bool(arguments & ITEM_SCOPED_ARGS) and principal == "unit_health"
            if other_unit and want != DENY:
                want = HIDDEN
            client = client_for(principal, fresh=endpoint in SESSION_ENDING)
            before = audit_count(app) if method == "POST" and want in (LOGIN, DENY, HIDDEN) else None
            response = client.get(path) if method == "GET" else client.post(path, {})
            if endpoint in SESSION_ENDING:
                clients.clear()  # "退出所有设备" (own, or the world's user's) ended shared clients' sessions too
            if not outcome_matches(want, response):
                failures.append(f"{method} {path} [{endpoint}] as {principal}: expected {want}, got "
                                f"{response.status_code} {response.headers.get('Location', '')}")
            elif before is not None and audit_count(app) != before:
                failures.append(f"{method} {path} [{endpoint}] as {principal}: refused but wrote history")
            if other_unit:
                missing = _with_missing_ids(app, endpoint, arguments, world)
                absent = client.get(missing) if method == "GET" else client.post(missing, {})
                if absent.status_code != response.status_code:
                    failures.append(f"{method} {path} [{endpoint}] as {principal}: {response.status_code} but "
                                    f"{absent.status_code} for a missing id (tells that the object exists)")
    assert not failures, "authorization matrix mismatches:\n" + "\n".join(failures)


def test_matrix_covers_item_actions_for_a_reviewer_on_an_item_under_evaluation(app, world):
    """Reviewers see an item once it is being evaluated, and may vote on it, but may not
    act as staff or as the unit on it."""
    reviewer = Client(app)
    reviewer.login("reviewer1")
    item = world.evaluating_item
    assert reviewer.get(f"/items/{item}").status_code == 200
    before = audit_count(app)
    for action in ("answer", "assign", "acknowledge", "accept", "evaluation/close", "publish", "return"):
        response = reviewer.post(f"/items/{item}/{action}", {"answer": "x", "reason": "x", "published": "1",
                                                             "deadline": "2099-01-01", "lead_unit_id": "1"})
        assert response.status_code in (200, 403, 409), (action, response.status_code)
    assert audit_count(app) == before
    assert reviewer.post(f"/items/{item}/evaluation/vote", {"grade": "satisfied"}).status_code == 303


def test_a_unit_ledger_export_holds_only_its_own_items(app, world):
    """The export is not item-scoped in its URL, so the 404 rule cannot guard it: its
    rows must. 区卫生健康局 has no items; asking for 区教育局's through the filter must not help.
    Rows are recognised by their text: 序号 is the document's numbering, not unique."""
    import io

    import openpyxl

    from tracker.extensions import db
    from tracker.models import Item
    with app.app_context():
        question = db.session.get(Item, world.item).question
    health = Client(app)
    health.login("unit_health")
    for query in ("", f"?unit={world.units['区教育局']}", f"?activity={world.activity}"):
        response = health.get("/ledger/export" + query)
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        found = [c.value for row in sheet.iter_rows() for c in row if c.value == question]
        assert not found, f"another unit's item exported with {query!r}"
    edu = Client(app)
    edu.login("unit_edu")
    sheet = openpyxl.load_workbook(io.BytesIO(edu.get("/ledger/export").data)).active
    assert any(c.value == question for row in sheet.iter_rows() for c in row)
