"""trigram indexes for the list's text filter

The list's ``?q=`` filter is a substring test on the question and the answer: without an
index a search that finds nothing reads every item (57 ms at 100k items on PostgreSQL,
107 ms on SQLite; issue 16). Trigram indexes answer it for texts of three characters or
more, Chinese included; shorter texts still read the table.

PostgreSQL: ``pg_trgm``'s GIN indexes, which LIKE and ILIKE use. Where the migration role
may not create the extension (a trusted extension: the database's owner may), they are
left out with a warning and the filter works as before, only slower.
SQLite: an FTS5 table with the trigram tokenizer over the item's own rows (external
content, so the texts are not stored twice), kept in step by triggers in the same
transaction; ``queries._text_filter`` asks it with MATCH. DDL in ``tracker.search.schema``
(this migration keeps its own copy: migrations are frozen).

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


SQLITE_FTS = ("CREATE VIRTUAL TABLE item_text USING fts5(question, answer, content='item', content_rowid='id', "
              "tokenize='trigram')")
SQLITE_TRIGGERS = {
    "item_text_ai": "CREATE TRIGGER item_text_ai AFTER INSERT ON item BEGIN "
                    "INSERT INTO item_text(rowid, question, answer) VALUES (new.id, new.question, new.answer); END",
    "item_text_ad": "CREATE TRIGGER item_text_ad AFTER DELETE ON item BEGIN "
                    "INSERT INTO item_text(item_text, rowid, question, answer) "
                    "VALUES ('delete', old.id, old.question, old.answer); END",
    "item_text_au": "CREATE TRIGGER item_text_au AFTER UPDATE OF question, answer ON item BEGIN "
                    "INSERT INTO item_text(item_text, rowid, question, answer) "
                    "VALUES ('delete', old.id, old.question, old.answer); "
                    "INSERT INTO item_text(rowid, question, answer) VALUES (new.id, new.question, new.answer); END",
}


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(SQLITE_FTS)
        op.execute("INSERT INTO item_text(item_text) VALUES ('rebuild')")
        for ddl in SQLITE_TRIGGERS.values():
            op.execute(ddl)
        return
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
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS item_text")
        return
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
