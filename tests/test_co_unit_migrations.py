"""Migrations 0020 and 0021 fill ``item_co_unit``'s copies of their item's urgency, deadline
and stage for existing rows, and go back (split from ``test_co_unit_order.py``)."""
from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Stage, item_co_unit

from .co_unit_support import stale_rows
from .helpers import make_item


def test_migration_0020_backfills_the_copies_and_goes_back(app, demo):
    """Down to 0019 (the columns and the order index gone, the unit index back) and up again:
    the upgrade's one UPDATE fills every existing row's copies from its item."""
    from flask_migrate import downgrade, upgrade
    with app.test_request_context():
        for n, stage in enumerate(("assigned", "rectifying", "closed")):
            make_item(stage=stage, co_units=["区财政局", "区民政局"], deadline_days=10 + n)
        db.session.commit()
        db.session.remove()
        downgrade(directory="migrations", revision="0019")
        inspector = sa.inspect(db.engine)
        assert {c["name"] for c in inspector.get_columns("item_co_unit")} == {"item_id", "unit_id"}
        assert {i["name"] for i in inspector.get_indexes("item_co_unit")} == {"ix_item_co_unit_unit_id"}
        upgrade(directory="migrations")
        inspector = sa.inspect(db.engine)
        assert {i["name"] for i in inspector.get_indexes("item_co_unit")} == CO_UNIT_INDEXES
        rows = db.session.execute(sa.select(item_co_unit)).all()
        assert len(rows) == 6 and {r.urgency for r in rows} == {0, 1} and all(r.deadline for r in rows)
        assert not stale_rows()


CO_UNIT_INDEXES = {"ix_item_co_unit_order", "ix_item_co_unit_stage"}


def _columns(inspector, table: str, index: str) -> list[str]:
    return next(i["column_names"] for i in inspector.get_indexes(table) if i["name"] == index)


def test_migration_0021_backfills_the_stage_copy_and_goes_back(app, demo):
    """Down to 0020 (the stage column and its index gone, the order copies kept,
    ``ix_item_lead_stage`` back to two columns) and up again: the upgrade fills every existing
    row's stage from its item — none left at the column's default — adds
    ``ix_item_co_unit_stage`` and the order columns of ``ix_item_lead_stage``. Run on both
    databases."""
    from flask_migrate import downgrade, upgrade
    with app.test_request_context():
        for n, stage in enumerate(("assigned", "rectifying", "reported", "closed")):
            make_item(stage=stage, co_units=["区财政局", "区民政局"], deadline_days=10 + n)
        db.session.commit()
        db.session.remove()
        downgrade(directory="migrations", revision="0020")
        inspector = sa.inspect(db.engine)
        assert {c["name"] for c in inspector.get_columns("item_co_unit")} == {"item_id", "unit_id", "urgency",
                                                                              "deadline"}
        assert {i["name"] for i in inspector.get_indexes("item_co_unit")} == {"ix_item_co_unit_order"}
        assert _columns(inspector, "item", "ix_item_lead_stage") == ["lead_unit_id", "stage"]
        upgrade(directory="migrations")
        inspector = sa.inspect(db.engine)
        assert {i["name"] for i in inspector.get_indexes("item_co_unit")} == CO_UNIT_INDEXES
        assert _columns(inspector, "item_co_unit", "ix_item_co_unit_stage") == ["unit_id", "stage", "urgency",
                                                                                 "deadline", "item_id"]
        assert _columns(inspector, "item", "ix_item_lead_stage") == ["lead_unit_id", "stage", "urgency", "deadline",
                                                                     "id"]
        if db.engine.dialect.name == "sqlite":  # the ANALYZE after the migrations was committed
            analyzed = set(db.session.scalars(sa.text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'item_co_unit'")))
            assert CO_UNIT_INDEXES <= analyzed, analyzed
        rows = db.session.execute(sa.select(item_co_unit)).all()
        assert len(rows) == 8 and {r.stage for r in rows} == {Stage.ASSIGNED, Stage.RECTIFYING, Stage.REPORTED,
                                                               Stage.CLOSED}
        assert not stale_rows()
