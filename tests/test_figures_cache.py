"""The dashboard's aggregates are kept per process between changes (``dashboard.scope.kept_parts``)
and are never stale: a change on another node, an ORM bulk update, a rolled-back change and
the passing of a day (counted from kept deadlines, no recount) each show on the very next
request, and a database without the version row keeps nothing (``services.versioned``)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from tests.conftest import make_config
from tests.helpers import make_item
from tracker import create_app
from tracker.dashboard.scope import Scope
from tracker.dashboard.stats import unit_rows
from tracker.extensions import db
from tracker.models import Activity, Item, Setting, Stage, local_today
from tracker.services.versioned import FIGURES


def _figures(app, today: date | None = None):
    """The 合计 row of the year of ``make_item``'s meeting, as a new request computes it (a
    fresh app context: nothing of the last one's)."""
    today = today or local_today()
    with app.app_context(), app.test_request_context():
        year = db.session.scalar(sa.select(sa.func.max(Activity.meeting_date))).year
        return unit_rows(Scope(year), today)[1]


def _version(app, key: str = FIGURES.key) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(Setting.value).where(Setting.key == key))


def test_a_change_on_another_node_shows_on_the_next_request(app, demo, database_uri):
    with app.app_context():
        item = make_item(stage="rectifying")
        db.session.commit()
        item_id = item.id
    first = _figures(app)
    assert first.stages[Stage.RECTIFYING.value] == 1
    assert app.extensions.get(FIGURES.key)  # kept now
    node_b = create_app(make_config(database_uri))
    with node_b.app_context():
        db.session.get(Item, item_id).stage = Stage.CLOSED
        db.session.commit()
        db.engine.dispose()
    after = _figures(app)
    assert after.stages[Stage.RECTIFYING.value] == 0 and after.stages[Stage.CLOSED.value] == 1


def test_kept_figures_are_reused_until_a_change(app, demo):
    with app.app_context():
        make_item(stage="assigned")
        db.session.commit()
    _figures(app)
    executed = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: executed.append(a[2]))
    _figures(app)
    aggregates = [s for s in executed if "GROUP BY" in s.upper()]
    assert aggregates == []  # a second request with nothing changed reads only the version and the units


def test_bulk_updates_and_rollbacks(app, demo):
    with app.app_context():
        item = make_item(stage="assigned")
        db.session.commit()
        item_id = item.id
    assert _figures(app).stages[Stage.ASSIGNED.value] == 1
    before = _version(app)
    with app.app_context():  # a change rolled back keeps the version and the kept figures
        db.session.get(Item, item_id).stage = Stage.CLOSED
        db.session.flush()
        db.session.rollback()
    assert _version(app) == before
    assert _figures(app).stages[Stage.ASSIGNED.value] == 1
    with app.app_context():  # an ORM bulk update bypasses the flush; it bumps all the same
        db.session.execute(sa.update(Item).where(Item.id == item_id).values(stage=Stage.CLOSED, urgency=1))
        db.session.commit()
    assert _version(app) != before
    assert _figures(app).stages[Stage.CLOSED.value] == 1


def test_a_new_day_counts_its_lights_without_a_recount(app, demo):
    """Nothing changes in the rows, but the deadline passes: the red light counts it (and
    "due" with it) the next day, from the kept deadlines, with no aggregate run again."""
    with app.app_context():
        item = make_item(stage="assigned", deadline_days=3)
        db.session.commit()
        deadline = item.deadline
    today = local_today()
    first = _figures(app, today)
    assert (first.lights["red"], first.counts["due"]) == (0, 0)
    executed = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: executed.append(a[2]))
    later = _figures(app, deadline + timedelta(days=1))
    assert (later.lights["red"], later.lights["yellow"], later.counts["due"]) == (1, 0, 1)
    on_the_day = _figures(app, deadline)
    assert (on_the_day.lights["red"], on_the_day.lights["yellow"]) == (0, 1)
    assert _figures(app, today).lights["red"] == 0
    assert [s for s in executed if "GROUP BY" in s.upper()] == []


def test_without_the_version_row_nothing_is_kept(app, demo):
    with app.app_context():
        make_item(stage="assigned")
        db.session.commit()  # the version row is written at this commit
        db.session.connection().execute(Setting.__table__.delete().where(Setting.key == FIGURES.key))
        db.session.commit()
    _figures(app)
    assert not app.extensions.get(FIGURES.key)


def test_the_version_is_written_at_commit_and_only_for_counted_attributes(app, demo):
    """The row is updated as the transaction's last statement, not when the change is
    flushed (its lock would be held for the whole request, and every writer would queue on
    it), and only when an attribute the figures count changed: a unit's progress moves the
    item's last-activity date, which no figure counts."""
    with app.app_context():
        item = make_item(stage="rectifying")
        db.session.commit()
        item_id, part = item.id, f"figures_unit:{item.lead_unit_id}"
        item.deadline += timedelta(days=1)  # a counted attribute: the unit's part gets its row
        db.session.commit()
    before, family = _version(app, part), _version(app)
    assert before is not None
    with app.app_context():
        item = db.session.get(Item, item_id)
        item.last_activity_on = local_today() - timedelta(days=30)
        db.session.commit()
    assert _version(app, part) == before
    with app.app_context():
        db.session.get(Item, item_id).stage = Stage.CLOSED
        db.session.flush()
        assert db.session.scalar(sa.select(Setting.value).where(Setting.key == part)) == before
        db.session.commit()
    assert _version(app, part) != before
    assert _version(app) == family  # one unit's change: only its part is renewed


def test_one_units_change_recounts_that_unit_only(app, demo):
    """Figures are kept per lead unit (``versioned.Partitions``): after a change to one
    unit's item the next view reads that unit's items again — every aggregate restricted to
    one lead unit — and the figures show the change."""
    with app.app_context():
        edu = make_item(stage="rectifying")
        make_item(stage="rectifying", unit_name="区卫生健康局")
        db.session.commit()
        edu_id = edu.id
    assert _figures(app).stages[Stage.RECTIFYING.value] == 2
    with app.app_context():
        db.session.get(Item, edu_id).stage = Stage.CLOSED
        db.session.commit()
    executed = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: executed.append(a[2]))
    after = _figures(app)
    assert after.stages[Stage.RECTIFYING.value] == 1 and after.stages[Stage.CLOSED.value] == 1
    aggregates = [s for s in executed if "GROUP BY" in s.upper()]
    assert aggregates and all(len(re.findall(r"lead_unit_id IN \(([^)]*)\)", s)) >= 1 for s in aggregates)
    assert all(part.count(",") == 0 for s in aggregates for part in re.findall(r"lead_unit_id IN \(([^)]*)\)", s))


def _units_recounted(executed: list) -> set[int] | None:
    """The lead units the aggregates among ``executed`` ((statement, execution context)) were
    restricted to — the values of their expanded ``units`` parameter; None: all units."""
    aggregates = [context for statement, context in executed if "GROUP BY" in statement.upper()]
    assert aggregates
    found = [{v for p in context.compiled_parameters for k, v in p.items() if k.startswith("units")}
             for context in aggregates]
    if not all(found):
        return None
    return set().union(*found)


def test_an_activitys_move_recounts_the_units_of_its_items_only(app, demo):
    """An activity counts in the figures by its year and its lead committee only: a new
    title changes no figure and recounts nothing; a new meeting date moves its items to
    another year, and the next view recounts the lead units of its items — not the others —
    in both years (``versioned.Partitions``: ``Activity`` via ``Item.activity_id``)."""
    from tests.helpers import make_activity, unit
    with app.app_context():
        moved, stays = make_activity(), make_activity()
        make_item(moved, stage="rectifying")
        make_item(moved, stage="assigned", unit_name="区卫生健康局")
        make_item(stays, stage="assigned", unit_name="区民政局")  # 民政局 has no account to sign
        db.session.commit()
        moved_id, year = moved.id, moved.meeting_date.year
        expected = {unit("区教育局").id, unit("区卫生健康局").id}
    this_year = _figures(app)
    with app.app_context(), app.test_request_context():
        unit_rows(Scope(year - 1), local_today())  # kept for last year too
    executed = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: executed.append((a[2], a[4])))
        db.session.get(Activity, moved_id).title += "（修订）"
        db.session.commit()
    executed.clear()
    assert _figures(app).stages == this_year.stages
    assert not [s for s, _ in executed if "GROUP BY" in s.upper()]  # nothing recounted
    with app.app_context():
        activity = db.session.get(Activity, moved_id)
        activity.meeting_date = activity.meeting_date.replace(year=year - 1)
        db.session.commit()
    executed.clear()
    after = _figures(app)
    assert _units_recounted(executed) == expected
    assert after.stages[Stage.RECTIFYING.value] == this_year.stages[Stage.RECTIFYING.value] - 1
    assert after.stages[Stage.ASSIGNED.value] == this_year.stages[Stage.ASSIGNED.value] - 1
    executed.clear()
    with app.app_context(), app.test_request_context():
        last_year = unit_rows(Scope(year - 1), local_today())[1]
    assert _units_recounted(executed) == expected
    assert last_year.stages[Stage.RECTIFYING.value] >= 1 and last_year.stages[Stage.ASSIGNED.value] >= 1


def test_a_deleted_activity_renews_every_unit(app, demo):
    """A deleted activity's items are gone by the commit, so their units cannot be looked
    up: the whole family is renewed instead (``Partitions.deletes_rows``)."""
    from tests.helpers import make_activity
    with app.app_context():
        make_item(stage="assigned")
        empty = make_activity()
        db.session.commit()
        empty_id = empty.id
    before = _version(app)
    with app.app_context():
        db.session.delete(db.session.get(Activity, empty_id))
        db.session.commit()
    assert _version(app) != before
