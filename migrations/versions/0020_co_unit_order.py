"""co-unit rows carry their item's urgency and deadline, indexed in list order

A unit's co-unit items are walked through ``(unit_id, urgency, deadline, item_id)`` and the
walk stops after a page, like the lead items through ``ix_item_lead_urgency``; before, the
database read all of a unit's co-unit items (~22k at 1M items) and sorted them (issue 16).
The copies are kept by ``tracker/models/co_unit_order.py``. The single-column index on
``unit_id`` goes: the new index starts with it and serves every lookup by unit.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 14:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('item_co_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgency', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('deadline', sa.Date(), nullable=True))
    op.execute("UPDATE item_co_unit SET urgency = (SELECT item.urgency FROM item WHERE item.id = item_co_unit.item_id), "
               "deadline = (SELECT item.deadline FROM item WHERE item.id = item_co_unit.item_id)")
    with op.batch_alter_table('item_co_unit', schema=None) as batch_op:
        batch_op.create_index('ix_item_co_unit_order', ['unit_id', 'urgency', 'deadline', 'item_id'], unique=False)
        batch_op.drop_index('ix_item_co_unit_unit_id')


def downgrade():
    with op.batch_alter_table('item_co_unit', schema=None) as batch_op:
        batch_op.create_index('ix_item_co_unit_unit_id', ['unit_id'], unique=False)
        batch_op.drop_index('ix_item_co_unit_order')
        batch_op.drop_column('deadline')
        batch_op.drop_column('urgency')
