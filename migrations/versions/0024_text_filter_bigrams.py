"""bigram lookup for the list's two-character text filter

A two-character text (most Chinese words: 养老, 噪音, 停车) is too short for the trigram
indexes of migration 0019, so a search that found little read every item: 45-130 ms at
100k items on both databases, ten times that at 1M (issue 16).

PostgreSQL: ``item_bigrams(text)``, a text's distinct two-character pieces lower-cased, and
a GIN index of it on the question and on the answer; ``text_filter`` asks
``item_bigrams(question) @> ARRAY[lower(:text)]``. A plain SQL function of built-in
functions only (no extension needed; safe under pg_dump's empty search_path).
SQLite: the FTS5 trigram table already holds every trigram; an fts5vocab table lists its
terms, so the trigrams that begin with the text are looked up by range. A text's last two
characters begin no trigram: an index on ``lower(substr(x, -2))`` of each text finds those.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 12:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

COLUMNS = ("question", "answer")
PG_FUNCTION = (
    "CREATE FUNCTION item_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "SELECT coalesce(array_agg(DISTINCT substr(l, i, 2)), '{}') "
    "FROM (SELECT lower(t) AS l) AS folded, generate_series(1, length(l) - 1) AS i $$")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE item_text_terms USING fts5vocab(item_text, row)")
        for column in COLUMNS:
            op.execute(f"CREATE INDEX ix_item_{column}_tail ON item (lower(substr({column}, -2)))")
    elif dialect == "postgresql":
        op.execute(PG_FUNCTION)
        for column in COLUMNS:
            op.execute(f"CREATE INDEX ix_item_{column}_bigram ON item USING gin (item_bigrams({column}))")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for column in COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_item_{column}_tail")
        op.execute("DROP TABLE IF EXISTS item_text_terms")
    elif dialect == "postgresql":
        for column in COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_item_{column}_bigram")
        op.execute("DROP FUNCTION IF EXISTS item_bigrams(text)")
