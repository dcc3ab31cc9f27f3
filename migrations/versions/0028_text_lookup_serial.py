"""the list's bigram and character lookups run without parallel workers (PostgreSQL)

``item_bigrams`` and ``item_chars`` (migrations 0024, 0027) become PARALLEL RESTRICTED, so no
statement whose conditions name them is split across parallel workers. A lookup reads its
matches from a GIN index and then their rows: a few milliseconds at most. But the planner
guesses 0.5 % of the table for a piece its statistics do not list, and at 1M items that
guess (10,000 rows) started two workers for a text found nowhere — ~6 ms of starting them
for 0.1 ms of work (7-9 ms -> 0.4 ms for the list's count at 1M items). The functions are
as pure as before; only where they may run changes. No effect on SQLite.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 15:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

FUNCTIONS = ("item_bigrams(text)", "item_chars(text)")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for function in FUNCTIONS:
            op.execute(f"ALTER FUNCTION {function} PARALLEL RESTRICTED")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for function in FUNCTIONS:
            op.execute(f"ALTER FUNCTION {function} PARALLEL SAFE")
