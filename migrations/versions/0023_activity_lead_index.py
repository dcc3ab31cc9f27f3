"""index for a unit's items of an activity: the dashboard recounts one unit

The dashboard keeps its figures per lead unit (``services.versioned.Partitions``) and, after
a change to one unit's items, counts that unit's items of the year again. Both databases
read a year's items activity by activity through ``ix_item_activity_id`` and then dropped
the other units' (46k rows at 1M items for a unit's 4k). ``ix_item_activity_lead
(activity_id, lead_unit_id)`` gives a unit's items of an activity from the index (1M items,
busiest unit: SQLite 83 -> 25 ms, PostgreSQL 82 -> 46 ms for the three statements; issue 16).
``ix_item_activity_id`` stays: without it PostgreSQL counted the whole year with a parallel
scan of every item (the first view after an activity's change, 1M items: 171 -> 638 ms).
(lead_unit_id, activity_id) served SQLite too, but PostgreSQL's planner kept reading by activity.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 04:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_item_activity_lead', 'item', ['activity_id', 'lead_unit_id'], unique=False)


def downgrade():
    op.drop_index('ix_item_activity_lead', table_name='item')
