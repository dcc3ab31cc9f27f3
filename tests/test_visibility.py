"""The visibility rule and its SQL twin agree, and so do the light rule and its twin.

Items are generated in every stage × lead unit × co-unit set × round × publication
combination; for every user of the demo (each role, each unit, an inactive account) the
ids ``visible_items`` returns must be exactly those ``can_view`` accepts, and likewise
for the public pair and for each light on days around the yellow cut-off.
"""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin
from sqlalchemy.orm import selectinload

from tracker.extensions import db
from tracker.lights import light_clause, light_of
from tracker.models import Activity, Item, Origin, Role, Stage, Unit, UnitKind, User, local_today
from tracker.visibility import can_view, is_public, public_items, visible_items
from tracker.workdays import Light

from .helpers import make_activity, user


@pytest.fixture
def combinations(app, demo):
    """Every stage × lead (none, 教育局, 卫健局) × co-units (none, 卫健局, both others) × round
    (1, 2) × published (item, activity)."""
    with app.test_request_context():
        organs = db.session.scalars(sa.select(Unit).where(Unit.kind != UnitKind.COMMITTEE)
                                    .order_by(Unit.id)).all()[:3]
        published_activity, hidden_activity = make_activity(title="公开的活动"), make_activity(title="未公开的活动")
        published_activity.published = True
        seq = itertools.count(1)
        leads = [None, organs[0], organs[1]]
        co_sets = [[], [organs[1]], [organs[1], organs[2]]]
        for stage, lead, co, round_, item_pub, activity in itertools.product(
                Stage, leads, co_sets, (1, 2), (False, True), (published_activity, hidden_activity)):
            co = [u for u in co if u is not lead]
            db.session.add(Item(activity_id=activity.id, seq=next(seq), origin=Origin.OPINION, question="q",
                                stage=stage, round=round_, lead_unit_id=lead.id if lead else None, co_units=co,
                                published=item_pub, deadline=local_today() + timedelta(days=next(seq) % 26 - 10)))
        inactive = user("unit_edu")
        db.session.add(User(username="gone", display_name="离职人员", role=Role.UNIT, unit_id=inactive.unit_id,
                            active=False, password_hash="x", session_token="t"))
        db.session.commit()
    return app


def _all_items():
    return db.session.scalars(sa.select(Item).options(selectinload(Item.co_units))).unique().all()


def test_sql_visibility_equals_the_python_rule_for_every_user(combinations):
    with combinations.test_request_context():
        items = _all_items()
        assert len(items) == len(Stage) * 72
        users = db.session.scalars(sa.select(User)).all() + [AnonymousUserMixin()]
        roles_seen = set()
        for viewer in users:
            expected = {i.id for i in items if can_view(viewer, i)}
            got = set(db.session.scalars(visible_items(viewer).with_only_columns(Item.id)))
            assert got == expected, f"{getattr(viewer, 'username', 'anonymous')}: SQL and can_view disagree"
            roles_seen.add(getattr(viewer, "role", None))
        assert {Role.ADMIN, Role.STAFF, Role.UNIT, Role.REVIEWER, None} <= roles_seen
        # The rule is not vacuous: a unit sees some items and not others.
        edu = user("unit_edu")
        assert 0 < sum(can_view(edu, i) for i in items) < len(items)


def test_sql_public_items_equal_the_python_rule(combinations):
    with combinations.test_request_context():
        items = _all_items()
        activities = {a.id: a for a in db.session.scalars(sa.select(Activity))}
        expected = {i.id for i in items if is_public(i, activities[i.activity_id])}
        got = set(db.session.scalars(public_items().with_only_columns(Item.id)))
        assert got == expected and 0 < len(got) < len(items)


@pytest.mark.parametrize("light", [Light.RED, Light.YELLOW, Light.GREEN])
def test_sql_lights_equal_the_python_rule(combinations, light):
    """Deadlines run from 10 days ago to 15 days ahead, across the yellow cut-off."""
    with combinations.test_request_context():
        today = local_today()
        items = _all_items()
        expected = {i.id for i in items if light_of(i.stage, i.deadline, today) is light}
        got = set(db.session.scalars(sa.select(Item.id).where(light_clause(light, today))))
        assert got == expected and expected
