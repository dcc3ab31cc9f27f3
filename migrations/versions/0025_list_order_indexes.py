"""indexes for the dashboard's drill-down lists: one stage, 督办 in list order; a month; 终止跟踪

Every figure of the dashboard links to the list of exactly its items. At 100k items some of
those lists read most of the table (issue 16, found by trying each filter and pair of filters):
- one stage in list order, ``ix_item_stage_order (stage, urgency, deadline, id)``: 办结 is
  most items, and its list (stage=办结, basis=办结/按期办结, the same within a year) was read
  through ``ix_item_stage_deadline`` and sorted whole — SQLite 48-83 ms, now 4-7 ms;
- the items 交办 or 办结 in a month (the monthly flow's links): ``ix_item_assigned_at`` and
  ``ix_item_closed_at``; the list reads the month's items and sorts them
  (``list_page``: a month filter gathers, it does not walk the list order) — 47-84 ms, now 4;
- 挂牌督办 items in list order, ``ix_item_supervised_order (supervised, urgency, deadline,
  id)`` (the filter is written ``supervised = true``, which an index serves; ``IS true`` is
  not on PostgreSQL), and the few 终止跟踪 items, ``ix_item_closure_kind``.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 12:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_item_stage_order', 'item', ['stage', 'urgency', 'deadline', 'id'], unique=False)
    op.create_index('ix_item_assigned_at', 'item', ['assigned_at'], unique=False)
    op.create_index('ix_item_closed_at', 'item', ['closed_at'], unique=False)
    op.create_index('ix_item_supervised_order', 'item', ['supervised', 'urgency', 'deadline', 'id'], unique=False)
    op.create_index('ix_item_closure_kind', 'item', ['closure_kind'], unique=False)


def downgrade():
    op.drop_index('ix_item_closure_kind', table_name='item')
    op.drop_index('ix_item_supervised_order', table_name='item')
    op.drop_index('ix_item_closed_at', table_name='item')
    op.drop_index('ix_item_assigned_at', table_name='item')
    op.drop_index('ix_item_stage_order', table_name='item')
