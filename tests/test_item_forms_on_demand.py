"""The item page's forms in closed <details> (更正交办, 作废, 办结/终止, 催办, 挂牌督办, 记录承诺,
申请延期, 退办, …) are built only when asked for (issue 16: building and rendering them on
every view was a fifth of the staff's item page). Nothing may be lost by it: every form the
viewer may use is still on the page or one request away (``?form=<name>``, which htmx
fetches when the details opens and which is the no-JavaScript link), opened; a form the
viewer may not use is never built, whatever the URL asks; a refused submission comes back
open with what was typed."""
from __future__ import annotations

import re

import pytest

from tests.conftest import login_as
from tests.helpers import history, make_activity, make_item
from tracker.extensions import db

ON_DEMAND = re.compile(r'<details id="([\w-]+)" hx-get="/items/(\d+)\?form=(\w+)" hx-trigger="toggle once" '
                       r'hx-select="#\1 .on-demand" hx-target="find .on-demand" hx-swap="outerHTML" '
                       r'hx-disinherit="hx-select hx-target hx-swap" data-on-demand>')
FORM_ACTION = re.compile(r'<form method="post" action="(/items/\d+/[\w/-]+)"')


@pytest.fixture
def items(app, demo):
    """A staff-side item in 整改 (every staff form but the report's) and one of another unit."""
    with app.app_context():
        activity = make_activity()
        rectifying = make_item(activity, stage="rectifying")
        assigned = make_item(activity, stage="assigned")
        other = make_item(activity, stage="rectifying", unit_name="区卫生健康局")
        db.session.commit()
        return {"rectifying": rectifying.id, "assigned": assigned.id, "other": other.id}


def offered(page: str, item_id: int) -> dict[str, str]:
    """name -> anchor of the on-demand details the page offers; each carries its link."""
    found = {name: anchor for anchor, shown_id, name in ON_DEMAND.findall(page)}
    assert all(int(i) == item_id for _, i, _ in ON_DEMAND.findall(page))
    for name, anchor in found.items():
        assert f'<a href="/items/{item_id}?form={name}#{anchor}">打开表单</a>' in page, name  # no JavaScript
    return found


def opened_form(page: str, anchor: str) -> str:
    """The form inside the details ``anchor``, which must be open; '' when absent."""
    match = re.search(rf'<details id="{anchor}" open>\s*<summary>.*?</summary>\s*<div class="on-demand">(.*?)</div>\s*'
                      rf'</details>', page, re.S)
    return match.group(1) if match else ""


def test_staff_page_offers_its_closed_forms_on_demand_and_each_opens(app, items):
    staff = login_as(app, "staff")
    item_id = items["rectifying"]
    page = staff.get(f"/items/{item_id}").get_data(as_text=True)
    names = offered(page, item_id)
    assert {"correct", "close_item", "notice", "supervise", "commitment"} <= set(names)
    built_with_page = set(FORM_ACTION.findall(page))
    # None of them is built with the page: their actions are not on it (the merge choices,
    # the unit choices, the item's question in the correction form are not read either).
    assert not any(a.endswith(("/correct", "/withdraw", "/close", "/notice", "/supervised", "/commitments"))
                   for a in built_with_page), built_with_page
    on_demand_actions = set()
    for name, anchor in names.items():
        asked = staff.get(f"/items/{item_id}?form={name}")
        assert asked.status_code == 200
        body = asked.get_data(as_text=True)
        form = opened_form(body, anchor)
        assert form.lstrip().startswith("<form method=\"post\""), (name, form[:200])
        assert "csrf_token" in form, name
        actions = set(FORM_ACTION.findall(form))
        assert len(actions) == 1, (name, actions)
        on_demand_actions |= actions
        # Only the asked one is built: every other on-demand details still waits.
        assert set(offered(body, item_id)) == set(names) - {name}
        assert set(FORM_ACTION.findall(body)) == built_with_page | actions
    assert on_demand_actions.isdisjoint(built_with_page)
    assert len(on_demand_actions) == len(names)  # one form each, none twice


def test_the_correction_form_opened_holds_the_items_current_assignment(app, items):
    staff = login_as(app, "staff")
    body = staff.get(f"/items/{items['rectifying']}?form=correct").get_data(as_text=True)
    form = opened_form(body, "form-correct")
    assert "城区学校大班额问题何时解决？" in form  # the question, to correct in place
    assert re.search(r'<option selected value="\d+">区教育局</option>', form)


@pytest.mark.parametrize("asked", ["correct", "withdraw", "close_item", "notice", "supervise", "commitment",
                                   "answer", "assign", "progress", "report", "verdict", "vote", "tally",
                                   "../correct", "correct_form", "x" * 5000, "\x00", "扩展", ""])
def test_a_unit_user_gets_no_form_it_may_not_use_whatever_it_asks(app, items, asked):
    """The lead unit's page in 整改: 申请延期 and 退办 on demand; staff forms never, by any name."""
    unit = login_as(app, "unit_edu")
    plain = unit.get(f"/items/{items['rectifying']}").get_data(as_text=True)
    response = unit.get(f"/items/{items['rectifying']}", query_string={"form": asked})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert set(FORM_ACTION.findall(page)) == set(FORM_ACTION.findall(plain))
    assert set(offered(plain, items["rectifying"])) == {"extension", "handback"}
    for staff_only in ("/correct", "/withdraw", "/close", "/notice", "/supervised", "/commitments"):
        assert not any(a.endswith(staff_only) for a in FORM_ACTION.findall(page))


def test_the_unit_opens_its_extension_form_and_another_unit_gets_404(app, items):
    unit = login_as(app, "unit_edu")
    page = unit.get(f"/items/{items['rectifying']}?form=extension").get_data(as_text=True)
    assert f'action="/items/{items["rectifying"]}/extension"' in opened_form(page, "form-extension")
    assert unit.get(f"/items/{items['other']}?form=extension").status_code == 404
    assert unit.get(f"/items/{items['other']}?form=correct").status_code == 404


def test_the_handback_form_opens_under_its_own_anchor(app, items):
    """退办 keeps the anchor its links and the unit's to-do list point at."""
    unit = login_as(app, "unit_edu")
    page = unit.get(f"/items/{items['assigned']}").get_data(as_text=True)
    assert offered(page, items["assigned"]).get("handback") == "handback"
    opened = unit.get(f"/items/{items['assigned']}?form=handback").get_data(as_text=True)
    assert f'action="/items/{items["assigned"]}/handback"' in opened_form(opened, "handback")


def test_a_refused_on_demand_form_comes_back_open_with_what_was_typed(app, items):
    staff = login_as(app, "staff")
    item_id = items["assigned"]
    assert "withdraw" in offered(staff.get(f"/items/{item_id}").get_data(as_text=True), item_id)
    before = history(app)
    typed = "因机构改革，本条改由区教育局牵头办理（原交办有误）"
    refused = staff.post(f"/items/{item_id}/withdraw", data={"reason": typed + "x" * 5000})
    assert refused.status_code == 200  # the page again (the refused form parked, as every refusal)
    form = opened_form(refused.get_data(as_text=True), "form-withdraw")
    assert typed + "x" * 5000 in form and "field-error" in form  # all of it, not cut
    assert history(app) == before


def test_every_on_demand_details_and_form_key_agree(app):
    """The templates' ``on_demand(item, "name", …)`` calls and ``detail.ON_DEMAND`` name the same
    forms: a key missing there would build the form with every page (and show its details
    open); a key the templates do not defer would never be built (its template would fail)."""
    from pathlib import Path

    from tracker.items.detail import ON_DEMAND as KEYS
    called = set()
    for template in Path("templates").rglob("*.html"):
        called |= {f"{name}_form" for name in re.findall(r'on_demand\(item, "(\w+)"', template.read_text("utf-8"))}
    assert called == KEYS
