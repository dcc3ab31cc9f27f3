"""stash: a refused form's page and an uploaded workbook, kept server-side for minutes.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stash',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=True),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_stash_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stash')),
        sa.UniqueConstraint('token', name=op.f('uq_stash_token')),
    )
    with op.batch_alter_table('stash', schema=None) as batch_op:
        batch_op.create_index('ix_stash_expires_at', ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stash_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('stash', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stash_user_id'))
        batch_op.drop_index('ix_stash_expires_at')
    op.drop_table('stash')
