"""作废 is a stage of its own (withdrawn): out of every deadline, light, list and figure.

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01 06:00:00

"""
from alembic import op

revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD = ('asked', 'answered', 'assigned', 'rectifying', 'reported', 'accepted', 'evaluating', 'closed')
NEW = OLD + ('withdrawn',)


def _stages(values) -> str:
    return "stage IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('stage', type_='check')
        batch_op.create_check_constraint('stage', _stages(NEW))


def downgrade():
    op.execute("UPDATE item SET stage = 'asked' WHERE stage = 'withdrawn'")
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('stage', type_='check')
        batch_op.create_check_constraint('stage', _stages(OLD))
