"""The database-specific half of the search index, outside the ORM.

SQLite: an FTS5 table over ``search_entry.terms`` and ``kind`` (external content: the
words are stored once, in ``search_entry``; queries name the column they mean), kept in
step by triggers, so every ORM write to
``search_entry`` updates the index in the same transaction.
PostgreSQL: a generated ``tsvector`` column (configuration ``simple``: the words are
already segmented, no stemming or stop words) with a GIN index.

The migration that creates these carries its own copy of the DDL (migrations are frozen);
``flask reindex`` uses this one to drop and restore the triggers around a bulk load.
"""
from __future__ import annotations

FTS_TABLE = "search_fts"
TSV_COLUMN = "tsv"
TSV_INDEX = "ix_search_entry_tsv"

SQLITE_FTS = ("CREATE VIRTUAL TABLE search_fts USING fts5(terms, kind, content='search_entry', content_rowid='id', "
              "tokenize='unicode61 remove_diacritics 2')")
SQLITE_TRIGGERS = {
    "search_entry_ai": "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN "
                       "INSERT INTO search_fts(rowid, terms, kind) VALUES (new.id, new.terms, new.kind); END",
    "search_entry_ad": "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN "
                       "INSERT INTO search_fts(search_fts, rowid, terms, kind) "
                       "VALUES ('delete', old.id, old.terms, old.kind); END",
    "search_entry_au": "CREATE TRIGGER search_entry_au AFTER UPDATE OF terms, kind ON search_entry BEGIN "
                       "INSERT INTO search_fts(search_fts, rowid, terms, kind) "
                       "VALUES ('delete', old.id, old.terms, old.kind); "
                       "INSERT INTO search_fts(rowid, terms, kind) VALUES (new.id, new.terms, new.kind); END",
}
PG_TSV = (f"ALTER TABLE search_entry ADD COLUMN {TSV_COLUMN} tsvector "
          "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, terms)) STORED")
PG_GIN = f"CREATE INDEX {TSV_INDEX} ON search_entry USING gin ({TSV_COLUMN})"
# The list's text filter (``text_filter``), made by migration 0019: on PostgreSQL
# pg_trgm GIN indexes on the item's texts (where the extension may be created), on SQLite
# an FTS5 trigram table over the item's rows, kept in step by triggers.
TRIGRAM_INDEXES = frozenset({"ix_item_question_trgm", "ix_item_answer_trgm"})
ITEM_TEXT_TABLE = "item_text"  # and its terms, ``item_text_terms`` (fts5vocab, migration 0024)
# Two-character texts (migration 0024): PostgreSQL's GIN indexes of ``item_bigrams``,
# SQLite's indexes of each text's last two characters; one character (0027): ``item_chars``,
# the last character.
BIGRAM_INDEXES = frozenset({"ix_item_question_bigram", "ix_item_answer_bigram",
                            "ix_item_question_tail", "ix_item_answer_tail",
                            "ix_item_question_chars", "ix_item_answer_chars",
                            "ix_item_question_last", "ix_item_answer_last"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic's model/database comparison: the FTS5 table (and its shadow tables),
    the tsvector column and the trigram and bigram indexes are created by migrations, not by
    the models."""
    if type_ == "table" and name and name.startswith((FTS_TABLE, ITEM_TEXT_TABLE)):
        return False
    if type_ == "column" and name == TSV_COLUMN and getattr(obj, "table", None) is not None \
            and obj.table.name == "search_entry":
        return False
    if type_ == "index" and name in (TSV_INDEX, *TRIGRAM_INDEXES, *BIGRAM_INDEXES):
        return False
    return True
