"""Small things on every screen (issue 14), through the HTTP client."""
from __future__ import annotations

from datetime import date, datetime

from tests.conftest import login_as
from tests.helpers import make_activity, make_item
from tracker.extensions import db
from tracker.templating import cn_date


def test_one_date_format_without_zero_padding():
    assert cn_date(date(2026, 8, 3)) == "2026年8月3日"
    assert cn_date(None) == ""
    # A stored time (UTC) is shown on its local (China Standard Time) day.
    assert cn_date(datetime(2026, 8, 2, 17, 30)) == "2026年8月3日"


def test_unit_item_page_puts_the_action_first_and_links_activity_and_next(app, demo):
    with app.app_context():
        activity = make_activity()
        first = make_item(activity=activity, stage="assigned")
        second = make_item(activity=activity, stage="assigned")
        db.session.commit()
        first_id, second_id, activity_id = first.id, second.id, activity.id
    html = login_as(app, "unit_edu").get(f"/items/{first_id}").get_data(as_text=True)
    assert html.index('id="actions"') < html.index("<strong>问</strong>")
    assert f'href="/items/{second_id}" rel="next"' in html
    assert f'/my?activity={activity_id}' in html  # a unit's way to the activity: its own items of it
    staff = login_as(app, "staff").get(f"/items/{first_id}").get_data(as_text=True)
    assert staff.index("<strong>问</strong>") < staff.index('id="actions"')  # staff read first, then act
    assert f'href="/activities/{activity_id}"' in staff


def test_units_never_see_the_holiday_calendar_notice(app, demo, monkeypatch):
    from tracker.services import followup
    monkeypatch.setattr(followup, "calendar_gaps", lambda today=None: [2099])
    with app.app_context():
        item = make_item(stage="rectifying")
        db.session.commit()
        item_id = item.id
    edu = login_as(app, "unit_edu")
    for path in ("/", "/my", f"/items/{item_id}"):
        assert "calendar-warning" not in edu.get(path).get_data(as_text=True), path
    assert "calendar-warning" in login_as(app, "staff").get("/items").get_data(as_text=True)


def test_radio_groups_are_fieldsets_with_a_legend(app, demo):
    with app.app_context():
        item = make_item(stage="evaluating")
        db.session.commit()
        item_id = item.id
    html = login_as(app, "reviewer1").get(f"/items/{item_id}").get_data(as_text=True)
    section = html[html.index('id="evaluation"'):]
    assert '<fieldset class="radio-group"' in section and "<legend>" in section
    assert '<ul id="grade"' not in section  # no bulleted list of radios


def test_favicon_is_served_and_linked(app, demo):
    client = login_as(app, "staff")
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").get_data(as_text=True)
    assert client.get("/static/favicon.svg").status_code == 200
