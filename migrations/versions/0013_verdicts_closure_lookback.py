"""staff verdicts per round, honest closure kinds, 回头看

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 08:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

CLOSURE_KINDS = ('implemented', 'partly_tracked', 'terminated')


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.create_table('verdict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('full', 'mostly', 'partly', 'none', name='verdict_grade', native_enum=False,
                               create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('graded_by_id', sa.Integer(), nullable=False),
    sa.Column('graded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['graded_by_id'], ['user_account.id'], name=op.f('fk_verdict_graded_by_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_verdict_item_id_item')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_verdict_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verdict')),
    sa.UniqueConstraint('item_id', 'round', name=op.f('uq_verdict_item_id_round'))
    )
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verdict_item_id'), ['item_id'], unique=False)

    op.create_table('closure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*CLOSURE_KINDS, name='closure_kind', native_enum=False, create_constraint=True,
                              length=32), nullable=False),
    sa.Column('cause', sa.Enum('superseded', 'merged', 'beyond_power', 'other', name='termination_cause',
                               native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('derived', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("cause IS NULL OR kind = 'terminated'", name=op.f('ck_closure_cause_only_when_terminated')),
    sa.CheckConstraint("merged_into_id IS NULL OR cause = 'merged'",
                       name=op.f('ck_closure_merged_into_only_when_merged')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_closure_item_id_item')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['item.id'], name=op.f('fk_closure_merged_into_id_item')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_closure_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closure')),
    sa.UniqueConstraint('item_id', 'round', name=op.f('uq_closure_item_id_round'))
    )
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closure_item_id'), ['item_id'], unique=False)

    op.create_table('lookback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('scheduled_by_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('finding', sa.Enum('consolidated', 'rebound', 'unkept', name='lookback_finding', native_enum=False,
                                 create_constraint=True, length=32), nullable=True),
    sa.Column('finding_note', sa.Text(), nullable=True),
    sa.Column('found_by_id', sa.Integer(), nullable=True),
    sa.Column('found_at', sa.DateTime(), nullable=True),
    sa.Column('reopened_round', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['progress_entry.id'], name=op.f('fk_lookback_entry_id_progress_entry')),
    sa.ForeignKeyConstraint(['found_by_id'], ['user_account.id'], name=op.f('fk_lookback_found_by_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_lookback_item_id_item')),
    sa.ForeignKeyConstraint(['scheduled_by_id'], ['user_account.id'],
                            name=op.f('fk_lookback_scheduled_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lookback'))
    )
    with op.batch_alter_table('lookback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lookback_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_lookback_open_due', ['finding', 'due_on'], unique=False)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closure_kind', sa.String(length=32), nullable=True))
        batch_op.create_check_constraint('closure_kind', _in('closure_kind', CLOSURE_KINDS))

    # Items closed before this revision were closed by a passing vote: 办结（已落实）, said so.
    op.execute("UPDATE item SET closure_kind = 'implemented' WHERE stage = 'closed'")
    op.execute(sa.text("INSERT INTO closure (item_id, round, kind, reason, derived, set_at) "
                       "SELECT id, round, 'implemented', :reason, :derived, COALESCE(closed_at, updated_at) "
                       "FROM item WHERE stage = 'closed'")
               .bindparams(reason="测评通过办结（本功能上线前办结，按已落实记载）", derived=True))


def downgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('closure_kind', type_='check')
        batch_op.drop_column('closure_kind')
    with op.batch_alter_table('lookback', schema=None) as batch_op:
        batch_op.drop_index('ix_lookback_open_due')
        batch_op.drop_index(batch_op.f('ix_lookback_item_id'))
    op.drop_table('lookback')
    with op.batch_alter_table('closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closure_item_id'))
    op.drop_table('closure')
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verdict_item_id'))
    op.drop_table('verdict')
