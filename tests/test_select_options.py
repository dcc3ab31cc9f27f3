"""``templating.select_options``: a filter select's options, built once per set of choices.

The tags are kept between requests, so these tests prove what a kept tag could get wrong:
a label is escaped, exactly the chosen value is marked (an int filter against its string
value), nothing is marked when nothing is chosen, and one request's choice does not stay
marked for the next.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from tests.conftest import login_as
from tests.helpers import make_activity
from tracker.extensions import db
from tracker.models import Unit
from tracker.queries import PHASES, STAGE_CHOICES
from tracker.services import refdata
from tracker.templating import select_options


def _selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)" selected>', select)


def test_marks_only_the_chosen_value_and_escapes_labels():
    choices = ((1, "甲"), (12, '<b>"乙"</b> & 丙'), (2, "丁"))
    html = str(select_options(choices, 12))
    assert html.count("<option") == 3
    assert '<option value="12" selected>&lt;b&gt;&#34;乙&#34;&lt;/b&gt; &amp; 丙</option>' in html
    assert html.count(" selected") == 1  # "1" and "2" are not "12"
    for nothing in (None, ""):
        assert " selected" not in str(select_options(choices, nothing))
    assert " selected" not in str(select_options(choices, 3))  # a value not among the choices
    # The kept tags are not changed by a choice: the next call marks its own.
    assert '<option value="1" selected>甲</option>' in str(select_options(choices, "1"))
    assert '<option value="12">' in str(select_options(choices, "1"))


def test_value_attribute_is_escaped():
    html = str(select_options((('a"><script>x</script>', "标签"),), None))
    assert "<script>" not in html and 'value="a&#34;&gt;&lt;script&gt;' in html


def test_stage_choices_list_phases_then_stages():
    values = [value for value, _ in STAGE_CHOICES]
    assert values[:len(PHASES)] == list(PHASES)
    assert len(values) == len(set(values)), "a phase and a stage share no value"


def test_list_filter_form_marks_the_request_filters(app, demo):
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.name.like("%教育%")))
        unit.name = '教育局<script>alert(1)</script>'
        refdata.bump()  # as the unit admin's operation does: the kept choices are dropped
        activity = make_activity()
        db.session.commit()
        unit_id, activity_id, year = unit.id, activity.id, activity.meeting_date.year
    client = login_as(app, "staff")
    html = client.get(f"/items?unit={unit_id}&stage=改&activity={activity_id}&year={year}").get_data(as_text=True)
    assert _selected(html, "unit") == [str(unit_id)]
    assert _selected(html, "stage") == ["改"]
    assert _selected(html, "activity") == [str(activity_id)]
    assert _selected(html, "year") == [str(year)]
    assert "教育局&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    # The next request's form marks its own filters only.
    html = client.get("/items").get_data(as_text=True)
    assert all(_selected(html, name) == [] for name in ("unit", "stage", "activity", "year"))
