"""``item.meeting_year`` — the year an item counts in, kept by the database (migration 0026).

The lists' year filter and the dashboard's scope read it (``ix_item_year_order``). The
triggers must keep it the year of the item's activity's meeting whoever writes: the
operations, a bulk insert without the column, an activity moved to another year, an item
moved to another activity — on both databases."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.extensions import db
from tracker.list_page import list_page
from tracker.models import Activity, Item, Stage, User, local_today
from tracker.queries import ItemFilters
from tracker.services import activities as activity_ops

from .helpers import make_activity, make_item, user


def _years_agree() -> None:
    """Every item's kept year is its activity's meeting year, and each year's list is exactly
    the items of that year's activities."""
    rows = db.session.execute(sa.select(Item.id, Item.meeting_year, Activity.meeting_date)
                              .join(Activity, Activity.id == Item.activity_id)).all()
    assert rows and all(r.meeting_year == r.meeting_date.year for r in rows), rows
    staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
    for year in {r.meeting_date.year for r in rows} | {1999}:
        listed = {i.id for i in list_page(staff, ItemFilters(year=year), 1, 2000, local_today()).items}
        counted = set(db.session.scalars(sa.select(Item.id).join(Activity, Activity.id == Item.activity_id).where(
            Item.stage != Stage.WITHDRAWN, Activity.meeting_date >= date(year, 1, 1),
            Activity.meeting_date < date(year + 1, 1, 1))))
        assert listed == counted, year


def _moved(activity: Activity, meeting: date) -> None:
    data = _data(activity)
    data.meeting_date = meeting
    activity_ops.update_activity(activity, data, user("staff"))
    db.session.commit()


def _data(activity: Activity) -> activity_ops.ActivityData:
    fields = activity_ops.ActivityData.__dataclass_fields__
    return activity_ops.ActivityData(**{name: getattr(activity, name) for name in fields})


def test_the_year_follows_every_writer(app, demo):
    with app.app_context():
        first, second = make_activity(), make_activity(title="关于城市停车设施建设情况的专题询问")
        items = [make_item(first), make_item(first, stage="assigned"), make_item(second)]
        db.session.commit()
        _years_agree()
        # A bulk insert that leaves the column out (the trigger fills it in).
        seq = db.session.scalar(sa.select(sa.func.max(Item.seq)).where(Item.activity_id == second.id)) + 1
        db.session.execute(sa.insert(Item).values(activity_id=second.id, seq=seq, origin="question",
                                                  question="批量导入的问题", stage="asked", urgency=1, round=1))
        db.session.commit()
        _years_agree()
        # An activity moved to another year takes its items along, in the same transaction.
        _moved(first, date(2021, 5, 20))
        _years_agree()
        assert {i.meeting_year for i in db.session.scalars(sa.select(Item).where(Item.activity_id == first.id))} \
            == {2021}
        _moved(first, date(2021, 11, 2))  # same year, another day
        _moved(second, date(2019, 3, 1))
        _years_agree()
        # An item moved to another activity (no operation does; a DBA's SQL might).
        db.session.execute(sa.update(Item).where(Item.id == items[2].id).values(activity_id=first.id, seq=99))
        db.session.commit()
        _years_agree()
        assert db.session.scalar(sa.select(Item.meeting_year).where(Item.id == items[2].id)) == 2021


def test_a_rolled_back_move_leaves_the_year(app, demo):
    with app.app_context():
        activity = make_activity()
        item = make_item(activity)
        db.session.commit()
        year = activity.meeting_date.year
        activity.meeting_date = date(2018, 1, 9)
        db.session.flush()
        assert db.session.scalar(sa.select(Item.meeting_year).where(Item.id == item.id)) == 2018
        db.session.rollback()
        assert db.session.scalar(sa.select(Item.meeting_year).where(Item.id == item.id)) == year
        _years_agree()
