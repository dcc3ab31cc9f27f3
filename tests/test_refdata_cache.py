"""Filter options and the working-day calendar are kept per process (issue 16, point 8),
and a change made on another node shows on the very next request: the version lives in
the database (``services.refdata``), not in one process's memory."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bench.querycount import counting
from tests.conftest import login_as, make_config
from tracker import create_app
from tracker.extensions import db
from tracker.models import CalendarOverride, Setting, Unit, UnitKind
from tracker.services import refdata
from tracker.services.calendar import get_calendar

SATURDAY = date(2026, 3, 7)


def _other_node(database_uri):
    return create_app(make_config(database_uri))


def _version(app) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(Setting.value).where(Setting.key == refdata.VERSION_KEY))


def test_a_new_or_renamed_unit_shows_on_the_next_request_of_another_node(app, demo, database_uri):
    staff = login_as(app, "staff")
    assert "新设的测试局" not in staff.get("/items").get_data(as_text=True)
    assert app.extensions.get(refdata.VERSION_KEY)  # the options are now kept
    node_b = _other_node(database_uri)
    with node_b.app_context():
        db.session.add(Unit(name="新设的测试局", kind=UnitKind.GOVERNMENT))
        db.session.commit()
    assert "新设的测试局" in staff.get("/items").get_data(as_text=True)
    with node_b.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == "新设的测试局"))
        unit.name = "改名后的测试局"
        db.session.commit()
        db.engine.dispose()
    page = staff.get("/items").get_data(as_text=True)
    assert "改名后的测试局" in page and "新设的测试局" not in page


def test_calendar_is_kept_until_an_override_changes_anywhere(app, demo, database_uri):
    with app.app_context():
        first = get_calendar()
        assert not first.is_workday(SATURDAY)
    with app.app_context():
        assert get_calendar() is first  # another request, same process: not rebuilt
    node_b = _other_node(database_uri)
    with node_b.app_context():
        db.session.add(CalendarOverride(day=SATURDAY, is_workday=True, note="调休上班"))
        db.session.commit()
        db.engine.dispose()
    with app.app_context():
        assert get_calendar() is not first and get_calendar().is_workday(SATURDAY)


def test_a_rolled_back_change_keeps_the_version_and_bulk_updates_bump_it(app, demo):
    staff = login_as(app, "staff")
    staff.get("/items")
    before = _version(app)
    assert before
    with app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.kind != UnitKind.COMMITTEE))
        unit_id = unit.id
        unit.name = "不会保存的名字"
        db.session.flush()
        db.session.rollback()
    assert _version(app) == before
    with app.app_context():
        db.session.execute(sa.update(Unit).where(Unit.id == unit_id).values(name="批量改名的单位"))
        db.session.commit()
    assert _version(app) != before
    assert "批量改名的单位" in staff.get("/items").get_data(as_text=True)


def test_without_a_version_row_nothing_is_kept(app, demo):
    with app.app_context():
        # On the connection: through the session, deleting a setting row is a settings change, which bumps
        db.session.connection().execute(Setting.__table__.delete().where(Setting.key == refdata.VERSION_KEY))
        db.session.commit()
    with app.app_context():
        assert get_calendar() is not None
    with app.app_context():
        calendar = get_calendar()
    with app.app_context():
        assert get_calendar() is not calendar


def _setting_reads(app, read) -> tuple[object, int]:
    """``read()``'s value in a fresh request and the statements it sent that read ``setting``."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            value = read()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
    return value, sum("FROM setting" in s for s in statements)


def test_settings_are_read_once_per_process_until_one_changes_on_any_node(app, demo, database_uri):
    from tracker.services.settings import get_setting

    def read():
        return get_setting("yellow_workdays"), get_setting("silent_workdays"), get_setting("custom_rules")
    first, _ = _setting_reads(app, read)
    again, queries = _setting_reads(app, read)
    assert again == first
    assert queries == 1  # the version row only: no query per setting
    node_b = _other_node(database_uri)
    with node_b.app_context():
        from tracker.services.settings import set_setting
        set_setting("yellow_workdays", 9)
        db.session.commit()
        db.engine.dispose()
    changed, _ = _setting_reads(app, read)
    assert changed[0] == 9 and changed[1:] == first[1:]


def test_a_setting_changed_in_this_request_is_read_back_before_commit(app, demo):
    from tracker.lights import green_from
    from tracker.services.calendar import yellow_workdays
    from tracker.services.settings import get_setting, set_setting
    with app.app_context():
        assert yellow_workdays() == 5  # read, and remembered for the request
        set_setting("yellow_workdays", 2)
        assert get_setting("yellow_workdays") == 2 and yellow_workdays() == 2
        assert green_from(date(2026, 3, 2)) == get_calendar().add_working_days(date(2026, 3, 2), 3)
        db.session.rollback()
    with app.app_context():
        assert get_setting("yellow_workdays") == 5  # rolled back: the kept value is still right


def test_a_caller_editing_a_setting_it_read_does_not_change_the_kept_one(app, demo):
    from tracker.services.settings import get_setting, set_setting
    with app.app_context():
        set_setting("custom_rules", {"a": {"name": "甲"}})
        db.session.commit()
    with app.app_context():
        get_setting("custom_rules")["a"]["name"] = "被改了"
        get_setting("custom_rules")["b"] = {}
    with app.app_context():
        assert get_setting("custom_rules") == {"a": {"name": "甲"}}


def test_a_signed_in_page_reads_the_versions_with_the_user_and_still_sees_another_nodes_change(
        app, demo, database_uri):
    """The kept data's versions ride in the signed-in user's statement (one round trip fewer
    per page); a change on another node is still seen by the very next request."""
    staff = login_as(app, "staff")
    staff.get("/dashboard")
    with app.app_context():
        engine = db.engine
    with counting(engine) as statements:
        assert staff.get("/dashboard").status_code == 200
    alone = [s for s in statements if s.lstrip().upper().startswith("SELECT SETTING.VALUE")]
    assert alone == [], alone
    assert any("FROM user_account" in s and "setting" in s for s in statements)
    node_b = _other_node(database_uri)
    with node_b.app_context():
        db.session.add(Unit(name="又一个新设局", kind=UnitKind.GOVERNMENT))
        db.session.commit()
        db.engine.dispose()
    assert "又一个新设局" in staff.get("/items").get_data(as_text=True)
