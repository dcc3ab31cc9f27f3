"""trigram indexes for the list's text filter (PostgreSQL)

The list's ``?q=`` filter is a substring test (``LIKE '%…%'``) on the question and the
answer: without an index a search that finds nothing reads every item (57 ms at 100k
items on PostgreSQL, issue 16). ``pg_trgm``'s GIN indexes answer LIKE and ILIKE for texts
of three characters or more, Chinese included (trigrams of any letters under C.UTF-8);
shorter texts still read the table. Where the database role may not create the extension
(``pg_trgm`` is a trusted extension: the database owner may), the indexes are left out
with a warning and the filter works as before, only slower.

SQLite: nothing (its substring index, FTS5's trigram tokenizer, would need the dialect in
the filter and a second copy of every text; not done).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 15:00:00

"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

INDEXES = {"ix_item_question_trgm": "question", "ix_item_answer_trgm": "answer"}
log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        savepoint.commit()
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        log.warning("pg_trgm 扩展不可用（%s）：列表的文字筛选不建三字索引，仍可使用，但在大量事项时较慢。",
                    str(error.orig).splitlines()[0])
        return
    for name, column in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON item USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
