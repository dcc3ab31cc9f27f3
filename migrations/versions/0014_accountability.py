"""accountability after 交办: 退办 requests, unit-declared dates, the 无进展 light's
last-activity date (backfilled), and the 无进展提醒 notice kind.

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-01 08:40:00

"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0009'
branch_labels = None
depends_on = None

KINDS = ('urge', 'supervise', 'remind', 'warn', 'escalate', 'assign_due')
# China Standard Time has had no daylight saving since 1991: a fixed offset is exact.
CST = timedelta(hours=8)


def _kinds(values) -> str:
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _backfill() -> None:
    """The last sign of life per item, as a local date: the newest answer/progress/report
    entry, else the 交办 time. Computed once here so the app never needs a MAX per list."""
    bind = op.get_bind()
    item = sa.table('item', sa.column('id', sa.Integer), sa.column('assigned_at', sa.DateTime),
                    sa.column('last_activity_on', sa.Date))
    entry = sa.table('progress_entry', sa.column('item_id', sa.Integer), sa.column('created_at', sa.DateTime))
    latest = dict(bind.execute(sa.select(entry.c.item_id, sa.func.max(entry.c.created_at))
                               .group_by(entry.c.item_id)).all())
    rows = []
    for item_id, assigned_at in bind.execute(sa.select(item.c.id, item.c.assigned_at)
                                             .where(item.c.assigned_at.is_not(None))).all():
        moments = [m for m in (assigned_at, latest.get(item_id)) if m is not None]
        rows.append({"b_id": item_id, "b_day": (max(moments) + CST).date()})
    if rows:
        bind.execute(item.update().where(item.c.id == sa.bindparam("b_id"))
                     .values(last_activity_on=sa.bindparam("b_day")), rows)


def upgrade():
    op.create_table('handback_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('suggested_unit_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'reassigned', 'refused', name='handback_status', native_enum=False,
                                create_constraint=True, length=32), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('new_unit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_handback_request_item_id_item')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_handback_request_unit_id_unit')),
    sa.ForeignKeyConstraint(['suggested_unit_id'], ['unit.id'],
                            name=op.f('fk_handback_request_suggested_unit_id_unit')),
    sa.ForeignKeyConstraint(['new_unit_id'], ['unit.id'], name=op.f('fk_handback_request_new_unit_id_unit')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'],
                            name=op.f('fk_handback_request_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                            name=op.f('fk_handback_request_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handback_request')),
    )
    with op.batch_alter_table('handback_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handback_request_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_handback_request_status', ['status'], unique=False)
        batch_op.create_index('ix_handback_request_pending_item', ['item_id'], unique=True,
                              sqlite_where=sa.text("status = 'pending'"),
                              postgresql_where=sa.text("status = 'pending'"))
    op.create_table('declared_date',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('expected_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_declared_date_item_id_item')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_declared_date_unit_id_unit')),
    sa.ForeignKeyConstraint(['declared_by_id'], ['user_account.id'],
                            name=op.f('fk_declared_date_declared_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declared_date')),
    )
    with op.batch_alter_table('declared_date', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declared_date_item_id'), ['item_id'], unique=False)
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_activity_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_item_last_activity_on'), ['last_activity_on'], unique=False)
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_constraint('notice_kind', type_='check')
        batch_op.create_check_constraint('notice_kind', _kinds(KINDS + ('silent',)))
    _backfill()


def downgrade():
    op.execute("DELETE FROM notice WHERE kind = 'silent'")
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_constraint('notice_kind', type_='check')
        batch_op.create_check_constraint('notice_kind', _kinds(KINDS))
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_last_activity_on'))
        batch_op.drop_column('last_activity_on')
    op.drop_table('declared_date')
    op.drop_table('handback_request')
