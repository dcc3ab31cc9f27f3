"""index for a unit's items in urgency order (我的事项, the unit filter)

The unit lists walk ``(lead_unit_id, urgency, deadline, id)`` and stop after a page,
instead of gathering a unit's ~11k items and sorting them (issue 16).

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01 08:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_item_lead_urgency', 'item', ['lead_unit_id', 'urgency', 'deadline', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_item_lead_urgency', table_name='item')
