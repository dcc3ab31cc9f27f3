"""Script, markup, template, formula and SQL payloads typed into every text field.

What a user typed is evidence in a supervision record: it is stored exactly as given
(never "sanitised" into something else), and shown as text everywhere: pages, lists,
the timeline, the .xlsx ledger. Nothing typed becomes markup, an htmx attribute, a
formula or SQL.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from tracker.extensions import db
from tracker.models import Activity, ExtensionRequest, Item, ProgressEntry, local_today

from .abuse_support import dispose, module_app
from .conftest import login_as
from .helpers import unit

PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert('x')>",
    "</textarea><script>alert(1)</script>",
    '<a href="javascript:alert(1)">点我</a>',
    'x" hx-get="/admin/users" hx-trigger="load',
    "{{ config.SECRET_KEY }}{% raw %}",
    "&lt;b&gt;已转义&amp;amp;",
    "'; DROP TABLE item; --",
    "1' OR '1'='1",
    "\\'; SELECT pg_sleep(5); --",
    '=HYPERLINK("http://evil.example","点我")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd",
    "@SUM(1+1)*cmd",
    "\u202e整改\u202c 中文😀 ‏עברית‎",
]
RISKY = re.compile(r"[<>&\"']")


def _shown(html: str, text: str) -> bool:
    return str(escape(text)) in html


def _title(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:40] + "…"


def _item_id(app, activity_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(Item.id)).where(Item.activity_id == activity_id))


def _version(app, item_id: int) -> int:
    with app.app_context():
        return db.session.get(Item, item_id).version


def run_payload_through_every_field(app, staff, unit_user, payload: str, edu: int) -> tuple[int, int]:
    """The whole loop with ``payload`` in every free-text field; returns (activity, item)."""
    response = staff.post("/activities/new", {
        "kind": "inquiry", "title": payload, "meeting_session": "26",
        "meeting_date": (local_today() - timedelta(days=3)).isoformat(), "report_title": payload,
        "target_organ": "区人民政府", "lead_committee_id": "0", "evaluation_rule_key": "zhenhai"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    activity_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = staff.post(f"/activities/{activity_id}/items", {
        "origin": "question", "question": payload, "asker": payload, "asked_unit_id": edu,
        "respondent_name": payload, "respondent_post": payload, "answer": payload, "commitments": payload})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    item_id = _item_id(app, activity_id)
    steps = [
        (staff, "assign", {"lead_unit_id": edu, "deadline": (local_today() + timedelta(days=60)).isoformat(),
                           "version": _version(app, item_id)}),
        (unit_user, "acknowledge", {}),
        (unit_user, "progress", {"kind": "progress", "text": payload}),
        (unit_user, "extension", {"requested_deadline": (local_today() + timedelta(days=90)).isoformat(),
                                  "reason": payload}),
    ]
    for client, action, data in steps:
        response = client.post(f"/items/{item_id}/{action}", data)
        assert response.status_code == 303, (action, response.get_data(as_text=True)[:3000])
    with app.app_context():
        request_id = db.session.scalar(sa.select(ExtensionRequest.id).where(ExtensionRequest.item_id == item_id))
    for client, action, data in [
        (staff, f"extension/{request_id}", {"decision": "refuse", "note": payload}),
        (unit_user, "report", {"text": payload}),
        (staff, "return", {"reason": payload}),
    ]:
        response = client.post(f"/items/{item_id}/{action}", data)
        assert response.status_code == 303, (action, response.get_data(as_text=True)[:3000])
    return activity_id, item_id


@pytest.fixture(scope="module")
def shared(_template_db, tmp_path_factory):
    """One app for the module: building the world takes a few hundred requests, and the
    tests here only read it."""
    app = module_app(_template_db, tmp_path_factory.mktemp("payloads"))
    yield app
    dispose(app)


@pytest.fixture(scope="module")
def loaded(shared):
    """Every payload through every field, plus one plain item to tell filters apart."""
    from tracker.demo import load_demo
    app = shared
    with app.app_context():
        load_demo()
        db.session.commit()
        edu = unit("区教育局").id
    staff, unit_user = login_as(app, "staff"), login_as(app, "unit_edu")
    plain = run_payload_through_every_field(app, staff, unit_user, "城区学校大班额问题何时解决", edu)
    made = {payload: run_payload_through_every_field(app, staff, unit_user, payload, edu) for payload in PAYLOADS}
    return {"app": app, "staff": staff, "unit": unit_user, "made": made, "plain": plain}


@pytest.fixture
def app(loaded):
    """Within this module ``app`` is the shared one (the per-test database is not used)."""
    return loaded["app"]


def test_payloads_are_stored_exactly_as_typed(app, loaded):
    with app.app_context():
        for payload, (activity_id, item_id) in loaded["made"].items():
            activity = db.session.get(Activity, activity_id)
            item = db.session.get(Item, item_id)
            assert (activity.title, activity.report_title) == (payload, payload)
            assert {item.question, item.asker, item.respondent_name, item.respondent_post, item.answer,
                    item.commitments} == {payload}
            entries = db.session.scalars(sa.select(ProgressEntry).where(ProgressEntry.item_id == item_id)).all()
            assert {e.text for e in entries} == {payload}
            assert [e.review_note for e in entries if e.review_note] == [payload]
            request = db.session.scalar(sa.select(ExtensionRequest).where(ExtensionRequest.item_id == item_id))
            assert (request.reason, request.decision_note) == (payload, payload)
        # The SQL payloads did nothing to the schema.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == len(PAYLOADS) + 1


def _pages(loaded, payload):
    activity_id, item_id = loaded["made"][payload]
    staff, unit_user = loaded["staff"], loaded["unit"]
    return {
        "activity list": (staff, "/activities", [payload]),
        "activity page": (staff, f"/activities/{activity_id}", [payload, _title(payload)]),
        "activity edit form": (staff, f"/activities/{activity_id}/edit", [payload]),
        "item page (staff)": (staff, f"/items/{item_id}", [payload]),
        "item page (unit)": (unit_user, f"/items/{item_id}", [payload]),
        "items list": (staff, f"/items?activity={activity_id}", [_title(payload), payload]),
        "my items": (unit_user, "/my", [_title(payload), payload]),
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_shown_escaped_on_every_page(loaded, payload):
    for name, (client, path, expected) in _pages(loaded, payload).items():
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        html = response.get_data(as_text=True)
        for text in expected:
            assert _shown(html, text), f"{name}: {text!r} not shown (escaped)"
        if RISKY.search(payload):
            assert payload not in html, f"{name}: {payload!r} appears unescaped"
        assert client.app.config["SECRET_KEY"] not in html, f"{name}: template code in a field was run"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_timeline_shows_the_typed_reasons_as_text(loaded, payload):
    _, item_id = loaded["made"][payload]
    html = loaded["staff"].get(f"/items/{item_id}").get_data(as_text=True)
    timeline = html[html.index('<section id="timeline">'):]
    timeline = timeline[:timeline.index("</section>")]
    # The extension reason, the refusal note and the return reason are quoted in the history.
    assert timeline.count(str(escape(payload))) >= 3, timeline
    if RISKY.search(payload):
        assert payload not in timeline


def test_ledger_export_cells_hold_the_exact_text_and_no_formula(app, loaded):
    if "ledger.export" not in app.view_functions:
        pytest.fail("ledger.export is gone: the payload check of the .xlsx export needs updating")
    import openpyxl
    response = loaded["staff"].get("/ledger/export")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a typed value became a formula"
    values = [c.value for c in cells if isinstance(c.value, str)]
    for payload in PAYLOADS:
        # 监督活动, 询问人, 问题/意见内容, 答复, 承诺事项, 最新进展: the exact text, each its own cell.
        assert values.count(payload) >= 6, (payload, [v for v in values if payload in v][:10])


@pytest.mark.parametrize("query", ["1' OR '1'='1", "' OR 1=1 --", "%", "_", "\\", "'; DROP TABLE item; --"])
def test_search_treats_sql_and_wildcards_as_text(app, loaded, query):
    plain_item = loaded["plain"][1]
    response = loaded["staff"].get("/items", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'href="/items/{plain_item}"' not in html, f"{query!r} matched an item without that text"
    with app.app_context():
        expected = [i for q, (_, i) in loaded["made"].items() if query in q]
    for item_id in expected:
        assert f'href="/items/{item_id}"' in html


@pytest.mark.parametrize("path", [
    "/items?q={p}", "/items?stage={p}&unit={p}&activity={p}&year={p}&page={p}", "/activities?year={p}",
    "/my?q={p}&page={p}", "/login?next={p}",
])
def test_reflected_query_parameters_are_escaped(loaded, path):
    for payload in PAYLOADS[:6]:
        client = loaded["unit"] if path.startswith("/my") else loaded["staff"]
        response = client.get(path.format(p=payload))
        assert response.status_code in (200, 302), (path, response.status_code)
        assert payload not in response.get_data(as_text=True)
