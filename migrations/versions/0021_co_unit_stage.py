"""co-unit rows carry their item's stage too, indexed for a unit's 待签收 co-unit items

我的事项 lists 待签收 (and returned reports) first. Its co-unit arm narrowed
``ix_item_co_unit_order`` to urgency 0 and then read every such row of the unit (~3,500 at
1M items) to probe each item's stage; with the stage on the co-unit row, ``(unit_id, stage,
urgency, deadline, item_id)`` walks the unit's 待签收 rows in list order and stops after a
page (issue 16). Kept with the urgency and deadline copies by
``tracker/models/co_unit_order.py``. The lead items' ``ix_item_lead_stage`` gets the same
order columns after ``(lead_unit_id, stage)``: walked through ``ix_item_lead_urgency``
instead, a unit with few 待签收 items read all of its items (219 ms at 1M on SQLite), and
through ``(lead_unit_id, stage)`` alone all its 待签收 ones were sorted.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 17:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

STAGES = ('asked', 'answered', 'assigned', 'rectifying', 'reported', 'accepted', 'evaluating', 'closed',
          'withdrawn')


def upgrade():
    with op.batch_alter_table('item_co_unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.Enum(*STAGES, name='stage', native_enum=False, create_constraint=True,
                                                       length=32), server_default='asked', nullable=False))
    op.execute("UPDATE item_co_unit SET stage = (SELECT item.stage FROM item WHERE item.id = item_co_unit.item_id)")
    with op.batch_alter_table('item_co_unit', schema=None) as batch_op:
        batch_op.create_index('ix_item_co_unit_stage', ['unit_id', 'stage', 'urgency', 'deadline', 'item_id'],
                              unique=False)
    # Plain index statements, no batch: the item table is never copied for them.
    op.drop_index('ix_item_lead_stage', table_name='item')
    op.create_index('ix_item_lead_stage', 'item', ['lead_unit_id', 'stage', 'urgency', 'deadline', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_item_lead_stage', table_name='item')
    op.create_index('ix_item_lead_stage', 'item', ['lead_unit_id', 'stage'], unique=False)
    with op.batch_alter_table('item_co_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_item_co_unit_stage')
        batch_op.drop_constraint('stage', type_='check')
        batch_op.drop_column('stage')
