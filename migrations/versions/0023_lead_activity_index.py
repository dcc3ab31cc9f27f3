"""index for one unit's items of a year: the dashboard recounts a unit after a change

The dashboard keeps its figures per lead unit (``services.versioned.Partitions``) and, after
a change to one unit's items, counts that unit's items of the year again. Without this
index both databases read the year's items through ``ix_item_activity_id`` and dropped the
other units' (46k rows at 1M items for a unit's 4k); ``(lead_unit_id, activity_id)`` reads
the unit's items of the year's activities only (issue 16).

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
    op.create_index('ix_item_lead_activity', 'item', ['lead_unit_id', 'activity_id'], unique=False)


def downgrade():
    op.drop_index('ix_item_lead_activity', table_name='item')
