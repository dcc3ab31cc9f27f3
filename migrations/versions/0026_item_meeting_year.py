"""the year an item counts in, kept on the item: a year's list walks an index

The year filter (every dashboard figure links to a list of its year) was ``activity_id IN
(the year's activities)``. Walking the list order, a year's items are not spread evenly:
closed items sort by deadline, so this year's 办结 come after every earlier year's, and a
year's overdue items after every earlier year's still-open ones. At 1M items both databases
read most of the table for one page (year + 办结 540-580 ms, year + red light 200 ms).

``item.meeting_year`` is the year of the activity's meeting, kept by the database: a trigger
sets it when an item is inserted without it or moved to another activity, and another
rewrites an activity's items when its meeting date changes — every writer (the ORM, bulk
loads, a DBA's SQL) keeps it true, in the same transaction. ``ix_item_year_order
(meeting_year, urgency, deadline, id, stage)`` gives a year's items in list order, and
``ix_item_lead_year_order`` a unit's (the dashboard's per-unit figures link to them),
``ix_item_year_stage_order`` one stage's (a year's 办结 came after all its running items).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 13:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "item_meeting_year_ai": (
        "CREATE TRIGGER item_meeting_year_ai AFTER INSERT ON item WHEN NEW.meeting_year IS NULL BEGIN "
        "UPDATE item SET meeting_year = (SELECT CAST(strftime('%Y', meeting_date) AS INTEGER) FROM activity "
        "WHERE activity.id = NEW.activity_id) WHERE id = NEW.id; END"),
    "item_meeting_year_au": (
        "CREATE TRIGGER item_meeting_year_au AFTER UPDATE OF activity_id ON item BEGIN "
        "UPDATE item SET meeting_year = (SELECT CAST(strftime('%Y', meeting_date) AS INTEGER) FROM activity "
        "WHERE activity.id = NEW.activity_id) WHERE id = NEW.id; END"),
    "activity_meeting_year_au": (
        "CREATE TRIGGER activity_meeting_year_au AFTER UPDATE OF meeting_date ON activity BEGIN "
        "UPDATE item SET meeting_year = CAST(strftime('%Y', NEW.meeting_date) AS INTEGER) "
        "WHERE activity_id = NEW.id; END"),
}
BACKFILL = {
    "sqlite": "UPDATE item SET meeting_year = (SELECT CAST(strftime('%Y', meeting_date) AS INTEGER) FROM activity "
              "WHERE activity.id = item.activity_id)",
    "postgresql": "UPDATE item SET meeting_year = activity.year FROM (SELECT id, EXTRACT(YEAR FROM meeting_date)"
                  "::integer AS year FROM activity) AS activity WHERE activity.id = item.activity_id",
}
PG_FUNCTIONS = (
    # search_path pinned: the trigger finds its tables whatever the writer's session says.
    "CREATE FUNCTION item_meeting_year() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ "
    "BEGIN "
    "IF TG_OP = 'UPDATE' OR NEW.meeting_year IS NULL THEN "
    "NEW.meeting_year := (SELECT EXTRACT(YEAR FROM meeting_date)::integer FROM activity "
    "WHERE activity.id = NEW.activity_id); "
    "END IF; RETURN NEW; END $$",
    "CREATE FUNCTION activity_meeting_year() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$ "
    "BEGIN UPDATE item SET meeting_year = EXTRACT(YEAR FROM NEW.meeting_date)::integer "
    "WHERE activity_id = NEW.id; RETURN NULL; END $$",
)
PG_TRIGGERS = (
    "CREATE TRIGGER item_meeting_year BEFORE INSERT OR UPDATE OF activity_id ON item "
    "FOR EACH ROW EXECUTE FUNCTION item_meeting_year()",
    "CREATE TRIGGER activity_meeting_year AFTER UPDATE OF meeting_date ON activity FOR EACH ROW "
    "WHEN (OLD.meeting_date IS DISTINCT FROM NEW.meeting_date) EXECUTE FUNCTION activity_meeting_year()",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column('item', sa.Column('meeting_year', sa.Integer(), nullable=True))
    if dialect in BACKFILL:
        op.execute(BACKFILL[dialect])
    if dialect == "sqlite":
        for ddl in SQLITE_TRIGGERS.values():
            op.execute(ddl)
    elif dialect == "postgresql":
        for ddl in (*PG_FUNCTIONS, *PG_TRIGGERS):
            op.execute(ddl)
    op.create_index('ix_item_year_order', 'item', ['meeting_year', 'urgency', 'deadline', 'id', 'stage'],
                    unique=False)
    op.create_index('ix_item_lead_year_order', 'item', ['lead_unit_id', 'meeting_year', 'urgency', 'deadline', 'id'],
                    unique=False)
    op.create_index('ix_item_year_stage_order', 'item', ['meeting_year', 'stage', 'urgency', 'deadline', 'id'],
                    unique=False)


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_index('ix_item_year_stage_order', table_name='item')
    op.drop_index('ix_item_lead_year_order', table_name='item')
    op.drop_index('ix_item_year_order', table_name='item')
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS activity_meeting_year ON activity")
        op.execute("DROP TRIGGER IF EXISTS item_meeting_year ON item")
        op.execute("DROP FUNCTION IF EXISTS activity_meeting_year()")
        op.execute("DROP FUNCTION IF EXISTS item_meeting_year()")
    # Not batch mode: rebuilding ``item`` on SQLite would drop its other triggers (migration 0019).
    op.execute("ALTER TABLE item DROP COLUMN meeting_year")
