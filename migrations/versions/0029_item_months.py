"""the month an item was 交办 and 办结, kept on the item: a month's list walks an index

The dashboard's monthly flow links to a month's 交办 and 办结 lists. Migration 0025 read them
through ``ix_item_assigned_at`` / ``ix_item_closed_at`` and sorted the month's items for one
page: the cost grew with the month (10k -> 1M items, SQLite: 1.43-1.65 x, a month holding
~10 items at 10k and ~1,000 at 1M).

``item.assigned_month`` and ``item.closed_month`` are the China Standard Time month of
``assigned_at`` / ``closed_at`` as a number (202611), computed by the database — generated
columns (virtual on SQLite, stored on PostgreSQL), so every writer keeps them true. Times are
stored as naive UTC; China has kept UTC+8 without daylight saving since 1991
(``models.base.LOCAL_UTC_OFFSET``). ``ix_item_assigned_month_order`` and
``ix_item_closed_month_order`` give a month's items in list order, with the columns the
"not withdrawn" and 办结 tests need, so a page stops after its rows and the capped count
never visits the table. They replace 0025's two time indexes, which nothing else reads.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 18:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

MONTHS = {"assigned_month": "assigned_at", "closed_month": "closed_at"}
# Year * 100 + month of the time in China Standard Time (UTC+8). SQLite reckons in whole
# milliseconds, rounding: 15:59:59.9999 UTC on a month's last day became the next month; the
# stored text ("2026-11-30 15:59:59.999999") is cut to whole seconds first.
EXPRESSION = {
    "sqlite": "CAST(strftime('%Y%m', substr({column}, 1, 19), '+8 hours') AS INTEGER)",
    "postgresql": "(EXTRACT(YEAR FROM {column} + INTERVAL '8 hours') * 100 "
                  "+ EXTRACT(MONTH FROM {column} + INTERVAL '8 hours'))::integer",
}
KEEP = {"sqlite": "VIRTUAL", "postgresql": "STORED"}  # SQLite adds only virtual columns to a table
INDEXES = {
    "ix_item_assigned_month_order": ["assigned_month", "urgency", "deadline", "id", "stage"],
    "ix_item_closed_month_order": ["closed_month", "urgency", "deadline", "id", "stage", "closure_kind"],
}


def upgrade():
    dialect = op.get_bind().dialect.name
    op.drop_index('ix_item_assigned_at', table_name='item')
    op.drop_index('ix_item_closed_at', table_name='item')
    # Not op.add_column: a generated column's clause is the database's own dialect.
    columns = [f"ADD COLUMN {name} INTEGER GENERATED ALWAYS AS ({EXPRESSION[dialect].format(column=source)}) "
               f"{KEEP[dialect]}" for name, source in MONTHS.items()]
    if dialect == "postgresql":  # a stored column rewrites the table and its indexes: once for both
        op.execute(f"ALTER TABLE item {', '.join(columns)}")
    else:  # SQLite adds one column a statement; a virtual one is only a schema change
        for column in columns:
            op.execute(f"ALTER TABLE item {column}")
    for name, columns in INDEXES.items():
        op.create_index(name, 'item', columns, unique=False)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name='item')
    # Not batch mode: rebuilding ``item`` on SQLite would drop its other triggers (migration 0019).
    for name in MONTHS:
        op.execute(f"ALTER TABLE item DROP COLUMN {name}")
    op.create_index('ix_item_assigned_at', 'item', ['assigned_at'], unique=False)
    op.create_index('ix_item_closed_at', 'item', ['closed_at'], unique=False)
