"""The initial schema.

Until the first release is installed in an office, this script builds the schema from
``kiosk.core.models`` as it stands. From the first release on, this file must freeze copies
of the models it creates, and every later change becomes a new numbered script using
``playhouse.migrate`` operations (so an old database upgrades step by step).
"""
from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from kiosk.core import models
from kiosk.core.db import is_sqlite


def apply(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables([m for m in models.MODELS if m is not models.SchemaVersion])
    if is_sqlite(db):
        create_sqlite_search(db)


# Full-text search over the catalogue (kiosk.core.search.search): an external-content FTS5
# table kept in step with `publication` by triggers, so no write path can forget it.
# remove_diacritics 2: "Kesejahteraan" finds "kesejahteraán".
# prefix: every word of a query is a prefix ("kese" finds "kesejahteraan", as the visitor types). A prefix of a
# length that has its own prefix index is one ready doclist, read lazily (newest first, stopping at the
# limit). Any other prefix makes FTS5 merge the doclists of every term it starts into memory — twice, as
# bm25 counts the phrase's documents again — ~4 ms each for a word in most abstracts at 100,000
# publications (benchmarks/search_bench.py). So every length up to 20 bytes (nearly every Indonesian word)
# has an index: space for speed, the index grows ~1.6x (100,000 publications: ~150 → ~240 MB file).
PREFIX_LENGTHS = " ".join(str(n) for n in range(1, 21))
SQLITE_SEARCH = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS publication_fts USING fts5(
        title, subtitle, subject, abstract, catalogue_number,
        content='publication', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='""" + PREFIX_LENGTHS + """')""",
    """CREATE TRIGGER IF NOT EXISTS publication_fts_ai AFTER INSERT ON publication BEGIN
        INSERT INTO publication_fts(rowid, title, subtitle, subject, abstract, catalogue_number)
        VALUES (new.id, new.title, new.subtitle, new.subject, new.abstract, new.catalogue_number); END""",
    """CREATE TRIGGER IF NOT EXISTS publication_fts_ad AFTER DELETE ON publication BEGIN
        INSERT INTO publication_fts(publication_fts, rowid, title, subtitle, subject, abstract, catalogue_number)
        VALUES ('delete', old.id, old.title, old.subtitle, old.subject, old.abstract, old.catalogue_number); END""",
    """CREATE TRIGGER IF NOT EXISTS publication_fts_au AFTER UPDATE ON publication BEGIN
        INSERT INTO publication_fts(publication_fts, rowid, title, subtitle, subject, abstract, catalogue_number)
        VALUES ('delete', old.id, old.title, old.subtitle, old.subject, old.abstract, old.catalogue_number);
        INSERT INTO publication_fts(rowid, title, subtitle, subject, abstract, catalogue_number)
        VALUES (new.id, new.title, new.subtitle, new.subject, new.abstract, new.catalogue_number); END""",
    # the index's words with the number of publications holding each, read by kiosk.core.spelling (typos):
    # a view of the FTS5 index itself, so it is never out of step and takes no space
    """CREATE VIRTUAL TABLE IF NOT EXISTS publication_vocab USING fts5vocab(publication_fts, 'row')""",
)


def create_sqlite_search(db: Database) -> None:
    for statement in SQLITE_SEARCH:
        db.execute_sql(statement)
    db.execute_sql("INSERT INTO publication_fts(publication_fts) VALUES ('rebuild')")
