"""commitments (承诺) as rows with their evidence; answer class A–D on the item

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-01 08:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source', sa.Enum('answer', 'report', 'review', 'other', name='commitment_source',
                                native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('proposed_due', sa.Date(), nullable=True),
    sa.Column('proposed_rule', sa.String(length=200), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.Enum('open', 'kept', 'partly', 'broken', 'dropped', name='commitment_status',
                                native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('claimed_kept_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(due_on IS NULL) = (confirmed_at IS NULL)', name=op.f('ck_commitment_confirmed_date')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_commitment_item_id_item')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_commitment_report_id_report')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_commitment_unit_id_unit')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'],
                            name=op.f('fk_commitment_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_commitment_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                            name=op.f('fk_commitment_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment'))
    )
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_commitment_status_due', ['status', 'due_on'], unique=False)

    with op.batch_alter_table('progress_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commitment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_progress_entry_commitment_id'), ['commitment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_progress_entry_commitment_id_commitment'), 'commitment',
                                    ['commitment_id'], ['id'])

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_class', sa.Enum('A', 'B', 'C', 'D', name='answer_class',
                                                              native_enum=False, create_constraint=True,
                                                              length=32), nullable=True))
        batch_op.add_column(sa.Column('answer_class_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('answer_class', type_='check')
        batch_op.drop_column('answer_class_reason')
        batch_op.drop_column('answer_class')
    with op.batch_alter_table('progress_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_progress_entry_commitment_id_commitment'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_progress_entry_commitment_id'))
        batch_op.drop_column('commitment_id')
    op.drop_table('commitment')
