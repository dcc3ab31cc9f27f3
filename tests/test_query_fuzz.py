"""Query parameters of every GET route, fuzzed: never a 500 (issue 13).

Before: Unicode digits (``²``, ``①``) in ``page``/``year``/``unit`` gave a 500 on eight
pages (``str.isdigit`` accepts them, ``int`` does not); CR/LF in ``next=`` gave a 500
after a successful sign-in; U+FFFF/U+FFFE typed into a text broke the Word letters.
"""
from __future__ import annotations

import io
import os
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from docx import Document
from flask import url_for
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tracker.extensions import db
from tracker.models import local_today

from . import abuse_strategies as s
from .abuse_support import build_world, dispose, module_app
from .conftest import Client

PARAMS = ["page", "year", "unit", "activity", "lead", "committee", "stage", "overdue", "supervised", "q", "basis",
          "light", "assigned_in", "closed_in", "next", "filters", "before", "actor", "action", "kind"]
ODD_NUMBERS = ["²", "①", "²⁰²⁶", "١٢", "٢٠٢٦", "１２", "2026\uffff", "\ufffe", "\r\n", "-1", "9" * 40, "0", "1e3",
               "2026-١٢", "٢٠٢٦-٠١", "%", "'", "<b>"]
value = st.one_of(st.sampled_from(ODD_NUMBERS), s.short_text, s.integer)
query = st.dictionaries(st.sampled_from(PARAMS), value, min_size=1, max_size=4)
PRINCIPALS = ("anonymous", "staff", "unit_edu", "reviewer1", "admin", "secadmin", "auditor")
FUZZ = settings(max_examples=int(os.environ.get("ABUSE_FUZZ_EXAMPLES", "12")), deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def shared(_template_db, tmp_path_factory):
    app = module_app(_template_db, tmp_path_factory.mktemp("queries"))
    app.config["LOGIN_RATE_LIMIT"] = "100000 per minute"
    yield app
    dispose(app)


@pytest.fixture(scope="module")
def world(shared):
    return build_world(shared)


@pytest.fixture(scope="module")
def clients(shared, world):
    out = {}
    for name in PRINCIPALS:
        out[name] = Client(shared)
        if name != "anonymous":
            out[name].login(name)
    return out


def _get_routes(app, world):
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        with app.test_request_context():
            routes.append((rule.endpoint, url_for(rule.endpoint, **{a: world.args[a] for a in rule.arguments})))
    return sorted(routes)


def _endpoints():
    from tracker import create_app

    from .conftest import make_config
    app = create_app(make_config("sqlite://"))
    return sorted({r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static" and "GET" in r.methods})


@pytest.mark.parametrize("endpoint", _endpoints())
@FUZZ
@given(params=query, who=st.sampled_from(PRINCIPALS))
@example(params={"page": "²", "year": "①", "unit": "²"}, who="staff")
@example(params={"year": "²⁰²⁶", "committee": "①"}, who="staff")
@example(params={"unit": "①", "page": "١٢"}, who="unit_edu")
@example(params={"year": "②⓪②⑥"}, who="secadmin")
@example(params={"before": "²"}, who="auditor")
@example(params={"q": "\x00"}, who="admin")  # /admin/users: a 500 on PostgreSQL
@example(params={"assigned_in": "٢٠٢٦-٠١", "closed_in": "2026-١٢"}, who="staff")
def test_query_parameters_never_give_a_500(shared, world, clients, endpoint, params, who):
    path = dict(_get_routes(shared, world))[endpoint]
    response = clients[who].get(f"{path}?{urlencode(params)}")
    assert response.status_code < 500, (endpoint, who, params, response.status_code)


@pytest.mark.parametrize("target", ["/items\r\nSet-Cookie: x=1", "/items\nLocation: //evil.example", "/\u2028x",
                                    "/items?\x00"])
def test_control_characters_in_next_are_not_a_500_after_sign_in(app, demo, target):
    client = Client(app)
    token = client.refresh_csrf("/login")
    response = client.http.post("/login?" + urlencode({"next": target}),
                                data={"username": "staff", "password": "demo-password", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_xml_invalid_characters_typed_in_do_not_break_the_letters(app, demo):
    """U+FFFF and U+FFFE are dropped where text comes in, so every output (Word letters,
    Excel) can hold what was stored."""
    from datetime import timedelta

    from tracker.models import Item
    from tracker.services import items as ops

    from .helpers import make_activity, unit, user
    staff = Client(app)
    staff.login("staff")
    with app.app_context():
        activity_id, edu = make_activity().id, unit("区教育局").id
        db.session.commit()
    question = "城区学校\uffff大班额\ufffe问题何时解决？"
    response = staff.post(f"/activities/{activity_id}/items", {"origin": "question", "question": question,
                                                               "asked_unit_id": str(edu)})
    assert response.status_code in (200, 303)
    with app.app_context():
        item = db.session.query(Item).filter_by(activity_id=activity_id).one()
        assert item.question == "城区学校大班额问题何时解决？"
        ops.assign_item(item, ops.Assignment(edu, [], local_today() + timedelta(days=30)), user("staff"))
        db.session.commit()
    issued = staff.post(f"/ledger/activities/{activity_id}/units/{edu}/assignment-letter")
    assert issued.status_code == 303
    letter = staff.get(issued.headers["Location"])  # the 发文登记's copy
    assert letter.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(letter.data)).paragraphs)
    tables = "".join(c.text for t in Document(io.BytesIO(letter.data)).tables for r in t.rows for c in r.cells)
    assert "城区学校大班额问题何时解决" in text + tables
    assert staff.get("/ledger/export").status_code == 200
    from tracker.models import AuditEntry
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "letter.issue" in actions and "export.letter" in actions and "export.ledger" in actions
