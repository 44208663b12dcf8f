"""Catalogue search: the visitor's words to ranked publications.

SQLite FTS5 (the index is kept by triggers made in ``m0001_initial``) or PostgreSQL's full-text
search, through the same ``search``. Words are folded (lower case, no diacritics) as the FTS
tokenizer sees them, and only letters and digits ever reach a MATCH expression.

Typos: when the visitor's words find nothing and a word is not in the catalogue ("kependudukn"), it is replaced
by the catalogue's nearest words (``kiosk.core.spelling``) and the search runs again; ``find`` returns the
corrected words as a suggestion ("Maksud Anda: kependudukan"). A search that finds something costs nothing more.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from peewee import BooleanField, Database, DateTimeField, OperationalError

from kiosk.core.catalog import CatalogError, newest
from kiosk.core.db import is_sqlite
from kiosk.core.errors import SchemaOutOfDate
from kiosk.core.models import Publication
from kiosk.core import spelling
from kiosk.core.search_index import postgres_document  # noqa: F401  (the index definition, shared with spelling)

log = logging.getLogger(__name__)

# title above subtitle above subject above abstract (bm25 weights, one per FTS column)
BM25_WEIGHTS = (10.0, 5.0, 3.0, 1.0, 2.0)
SHORT_PREFIX = 3      # a query whose words are all shorter than this is not ranked (see _search_sqlite)
RANK_WINDOW = 1000    # at most this many (newest) matches are ranked by bm25 (see _search_sqlite)
MAX_RESULTS = 1000    # the most one search returns (a screen shows 60; staff may ask for more)


def fold(text: str) -> str:
    """Lower case without diacritics, as the FTS tokenizer sees words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def query_terms(text: str) -> list[str]:
    """The visitor's words, with everything FTS syntax could read as an operator thrown away.

    Only letters and digits survive, so ``"``, ``*``, ``-``, ``(``, ``:`` and ``^`` never reach
    the MATCH expression, and each word is quoted so AND/OR/NOT/NEAR are just words."""
    return re.findall(r"\w+", fold(text).replace("_", " "))[:12]


def fts_expression(terms: Iterable[str | tuple[str, ...]]) -> str:
    # every word as a prefix: the visitor sees results while typing ("kese" → "kesejahteraan"); a corrected
    # word is its candidates, any of which may match
    parts = []
    for t in terms:
        if isinstance(t, tuple):
            parts.append("(" + " OR ".join(f'"{c}"*' for c in t) + ")" if len(t) > 1 else f'"{t[0]}"*')
        else:
            parts.append(f'"{t}"*')
    return " ".join(parts)


@dataclass
class Found:
    """What a search found, and the visitor's words as the catalogue spells them when a typo was corrected."""
    publications: list[Publication] = field(default_factory=list)
    suggestion: str = ""        # "" = the words were searched as typed


def search(db: Database, text: str, subject: str = "", year: int | None = None,
           limit: int = 60) -> list[Publication]:
    """Publications matching every word of ``text`` (prefixes, typos corrected), best first; empty text = newest."""
    return find(db, text, subject, year, limit).publications


def find(db: Database, text: str, subject: str = "", year: int | None = None, limit: int = 60) -> Found:
    """``search``, with the spelling it used when a word of ``text`` was not in the catalogue."""
    if not 1 <= limit <= MAX_RESULTS:
        # SQLite reads a negative LIMIT as "no limit" and cannot bind one above 2**63
        raise CatalogError(f"a search returns 1 to {MAX_RESULTS} results, not {limit}")
    terms = query_terms(text)
    if not terms:
        return Found(newest(limit, subject, year))
    db = getattr(db, "obj", db)     # the models' DatabaseProxy → the database it stands for
    found = _run(db, terms, subject, year, limit)
    if found:
        return Found(found)
    # Nothing: was a word mistyped? Words the catalogue holds (or begins) stay; the others become their nearest.
    vocabulary = spelling.vocabulary(db)
    corrected: list[str | tuple[str, ...]] = []
    spelled: list[str] = []
    for term in terms:
        if vocabulary.knows(term):
            corrected.append(term)
            spelled.append(term)
            continue
        correction = vocabulary.correct(term)
        corrected.append(correction[0] if correction else term)
        spelled.append(correction[1] if correction else term)
    if corrected == terms:
        return Found()
    found = _run(db, corrected, subject, year, limit)
    return Found(found, " ".join(spelled) if found else "")


def _run(db: Database, terms: list, subject: str, year: int | None, limit: int) -> list[Publication]:
    if is_sqlite(db):
        return _search_sqlite(db, terms, subject, year, limit)
    return _search_postgres(terms, subject, year, limit)


def _search_sqlite(db: Database, terms: list[str], subject: str, year: int | None,
                   limit: int) -> list[Publication]:
    match = fts_expression(terms)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    filters, params = [], []
    if subject:
        filters.append("p.subject = ?")
        params.append(subject)
        subject_terms = query_terms(subject)
        if subject_terms:
            # the subject's words as a phrase in its FTS column: the index narrows the matches before
            # any row is joined (the equality above stays the exact test)
            match += ' AND subject : "%s"' % " ".join(subject_terms)
    if year is not None:
        filters.append("p.year = ?")
        params.append(year)
    if all(isinstance(t, str) and len(t) < SHORT_PREFIX for t in terms):
        # The first keystrokes ("k", "ke") match most of a catalogue; bm25 scores every match (tens of ms
        # at 100,000 publications) to rank words that are not typed yet. Newest imported first instead:
        # FTS5 walks its rowids backwards and stops at the limit.
        if filters:
            where = " AND ".join(["p.id IN (SELECT rowid FROM publication_fts WHERE publication_fts MATCH ?)"]
                                 + filters)
            sql = f"SELECT p.* FROM publication AS p WHERE {where} ORDER BY p.id DESC LIMIT ?"
            params = [match] + params + [limit]
        else:
            sql = ("SELECT p.* FROM (SELECT rowid FROM publication_fts WHERE publication_fts MATCH ? "
                   "ORDER BY rowid DESC LIMIT ?) AS f JOIN publication AS p ON p.id = f.rowid ORDER BY p.id DESC")
            params = [match, limit]
    else:
        # bm25 reads each match's column sizes and positions: ~1.3 µs a match, so a common word in a
        # 100,000-publication catalogue would take tens of ms. Rank the newest RANK_WINDOW matches only (every match in any
        # real office's catalogue), then join just the best rows for the year tie-break.
        join = " JOIN publication AS p ON p.id = publication_fts.rowid" if filters else ""
        where = " AND ".join(["publication_fts MATCH ?"] + filters)
        sql = (f"SELECT p.* FROM (SELECT rowid, score FROM (SELECT publication_fts.rowid AS rowid, "
               f"bm25(publication_fts, {weights}) AS score FROM publication_fts{join} WHERE {where} "
               f"ORDER BY publication_fts.rowid DESC LIMIT {RANK_WINDOW}) ORDER BY score LIMIT ?) AS f "
               f"JOIN publication AS p ON p.id = f.rowid ORDER BY f.score, p.year DESC")
        params = [match] + params + [limit]
    try:
        return _publications(db.execute_sql(sql, params))
    except (OperationalError, SchemaOutOfDate) as exc:     # the database layer types "no such table"
        if "publication_fts" not in str(exc):
            raise
        # a database made before the search index existed: build it once, then answer
        from kiosk.core.migrations.m0001_initial import create_sqlite_search

        log.warning("catalogue search index missing; building it now")
        create_sqlite_search(db)
        return _publications(db.execute_sql(sql, params))


def _publications(cursor) -> list[Publication]:
    """Rows of ``SELECT p.*`` as Publication objects, equal to what peewee's ``raw()`` gives.

    peewee's cursor wrapper sets each of the 21 fields through its descriptor and converts every value
    (~15 µs a row, ~0.9 ms for a page of 60 results — a third of the search's time budget); here
    only dates and booleans need converting (SQLite already returns str and int), and the values go
    to the model's own constructor (public API; ~0.1 ms more a page than writing its data directly)."""
    columns = Publication._meta.columns
    fields = [columns[d[0]] for d in cursor.description]
    names = [f.name for f in fields]
    convert = [(i, f.python_value) for i, f in enumerate(fields) if isinstance(f, (DateTimeField, BooleanField))]
    found = []
    for row in cursor:
        if convert:
            row = list(row)
            for i, python_value in convert:
                row[i] = python_value(row[i])
        found.append(Publication(**dict(zip(names, row))))
    return found


def _pg_word(term: str) -> str:
    return f"{re.sub(r'[^0-9a-z]', '', term) or 'x'}:*"


def _search_postgres(terms: list, subject: str, year: int | None, limit: int) -> list[Publication]:
    tsquery = " & ".join("(" + " | ".join(_pg_word(c) for c in t) + ")" if isinstance(t, tuple) else _pg_word(t)
                         for t in terms)
    doc = postgres_document()
    where, params = [f"({doc}) @@ to_tsquery('simple', %s)"], [tsquery]
    if subject:
        where.append("p.subject = %s")
        params.append(subject)
    if year is not None:
        where.append("p.year = %s")
        params.append(year)
    sql = (f"SELECT p.* FROM publication AS p WHERE {' AND '.join(where)} "
           f"ORDER BY ts_rank('{{0.1, 0.3, 0.6, 1.0}}', ({doc}), to_tsquery('simple', %s)) DESC, p.year DESC "
           f"LIMIT %s")
    params += [tsquery, limit]
    return list(Publication.raw(sql, *params))
