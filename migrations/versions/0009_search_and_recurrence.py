"""search index (jieba-segmented text; FTS5 on SQLite, tsvector + GIN on PostgreSQL),
dictionary terms, recurrence links, attachment text

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01 05:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None

# A frozen copy of tracker/search/schema.py at this revision.
SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(terms, kind, content='search_entry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_fts(rowid, terms, kind) VALUES (new.id, new.terms, new.kind); END",
    "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms, kind) VALUES ('delete', old.id, old.terms, old.kind); END",
    "CREATE TRIGGER search_entry_au AFTER UPDATE OF terms, kind ON search_entry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms, kind) VALUES ('delete', old.id, old.terms, old.kind); "
    "INSERT INTO search_fts(rowid, terms, kind) VALUES (new.id, new.terms, new.kind); END",
]
POSTGRESQL = [
    "ALTER TABLE search_entry ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, terms)) STORED",
    "CREATE INDEX ix_search_entry_tsv ON search_entry USING gin (tsv)",
]


def upgrade():
    op.create_table('search_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('public', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entry')),
    sa.UniqueConstraint('kind', 'source_id', name=op.f('uq_search_entry_kind_source_id'))
    )
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_entry_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entry_item_id'), ['item_id'], unique=False)

    op.create_table('search_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_term')),
    sa.UniqueConstraint('word', name=op.f('uq_search_term_word'))
    )
    op.create_table('recurrence_link',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('earlier_item_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('item_id <> earlier_item_id', name=op.f('ck_recurrence_link_not_self')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_recurrence_link_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['earlier_item_id'], ['item.id'], name=op.f('fk_recurrence_link_earlier_item_id_item')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_recurrence_link_item_id_item')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_recurrence_link'))
    )
    with op.batch_alter_table('recurrence_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recurrence_link_earlier_item_id'), ['earlier_item_id'], unique=False)

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('text_status', sa.String(length=16), nullable=True))

    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)
    # Existing rows are indexed by `flask reindex` (run once after this upgrade).


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_entry_ai", "search_entry_ad", "search_entry_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE search_fts")
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('text_status')
        batch_op.drop_column('text')
    with op.batch_alter_table('recurrence_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recurrence_link_earlier_item_id'))
    op.drop_table('recurrence_link')
    op.drop_table('search_term')
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entry_item_id'))
        batch_op.drop_index(batch_op.f('ix_search_entry_activity_id'))
    op.drop_table('search_entry')
