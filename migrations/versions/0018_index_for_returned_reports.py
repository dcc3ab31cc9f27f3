"""index for returned reports (我的事项: 待签收 and returned reports first)

``returned_now_ids`` reads the reports whose review_status is 'returned' through
``(review_status, item_id)`` instead of testing every item of a unit with a correlated
EXISTS (PostgreSQL scanned all progress entries per list arm: 1.7 s at 1M items; issue 16).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 13:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_progress_entry_review', 'progress_entry', ['review_status', 'item_id'], unique=False)


def downgrade():
    op.drop_index('ix_progress_entry_review', table_name='progress_entry')
