"""Typo tolerance for the catalogue search: the catalogue's own words, and the nearest of them to a word it lacks.

The vocabulary is every word of letters the search index holds (SQLite: FTS5's ``fts5vocab`` table
``publication_vocab``; PostgreSQL: ``ts_stat`` over the same documents — the same method on both, so both answer
alike). Two ways to a near word, and the one with fewer edits wins (``Vocabulary.correct``):

- a whole word mistyped ("kependudukn"): the symmetric-delete method. Each vocabulary word is indexed under every
  string made by deleting up to two of its letters; a typed word looks up its own deletions, and only the few
  words found are measured by edit distance (optimal string alignment: a swapped pair of letters is one edit).
  A few dozen binary searches (~0.2 ms) where comparing with every word would take tens of ms in Python;
- a word still being typed ("kesejahtr"): the letters are right up to where the catalogue stops recognising them
  ("kesejaht"), so the typo is looked for there (``nearest_start``).

The index lives in memory, one per database, 8 bytes per (word, deletion): 3 MB for the 12,000 words of
benchmarks/search_bench.py. It is rebuilt when the catalogue grew (an import): the highest id is compared at most
every ``RECHECK_S`` seconds, and only when a search found nothing — a search that finds something never reads the
vocabulary, so correct words cost nothing more. ``forget`` drops it at once (a re-import that changed titles).
"""
from __future__ import annotations

import bisect
import re
import threading
import time
import weakref
from array import array
from dataclasses import dataclass

from peewee import Database

from kiosk.core.db import is_sqlite
from kiosk.core.errors import SchemaOutOfDate

MAX_EDITS = 2           # the most typos a word may carry and still be recognised
MIN_LENGTH = 4          # shorter words are too ambiguous to correct ("dan" is one edit from many words)
MAX_LENGTH = 20         # longer words are not indexed (as for the FTS prefix index); they are rare
RECHECK_S = 10.0        # how stale the vocabulary may be after an import (a search that found nothing rechecks)
_ID_BITS = 21           # a word's number in the low bits of an index entry: up to 2 million words
_WORD = re.compile(r"[a-z]+")   # only words of letters are suggested: a number is never "corrected"


def edits_allowed(word: str) -> int:
    """How many typos a typed word may carry: none below 4 letters, one up to 6, two from 7."""
    if len(word) < MIN_LENGTH or len(word) > MAX_LENGTH or not _WORD.fullmatch(word):
        return 0
    return 1 if len(word) < 7 else MAX_EDITS


def deletions(word: str, edits: int) -> set[str]:
    """``word`` and every string made by deleting up to ``edits`` of its letters."""
    found, last = {word}, {word}
    for _ in range(edits):
        last = {w[:i] + w[i + 1:] for w in last if len(w) > 1 for i in range(len(w))}
        found |= last
    return found


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, replace, swap two neighbours); ``limit + 1`` above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return min(previous[-1], limit + 1)


@dataclass
class Vocabulary:
    """The catalogue's words (folded, sorted) with the number of publications holding each, and the deletion index."""
    words: list[str]
    docs: list[int]
    index: array        # sorted: (hash of a deletion) << _ID_BITS | word number

    @classmethod
    def build(cls, counted: dict[str, int]) -> "Vocabulary":
        words = sorted(counted)
        entries = []
        mask = (1 << (63 - _ID_BITS)) - 1
        for n, word in enumerate(words):
            if MIN_LENGTH - 1 <= len(word) <= MAX_LENGTH and _WORD.fullmatch(word):
                entries.extend((hash(d) & mask) << _ID_BITS | n for d in deletions(word, MAX_EDITS))
        entries.sort()
        return cls(words, [counted[w] for w in words], array("q", entries))

    def knows(self, term: str) -> bool:
        """Whether some word of the catalogue starts with ``term`` (every typed word is a prefix query)."""
        i = bisect.bisect_left(self.words, term)
        return i < len(self.words) and self.words[i].startswith(term)

    def nearest(self, term: str, most: int = 3) -> list[str]:
        """The catalogue's words closest to ``term`` (fewest edits, then the most publications), or []."""
        edits = edits_allowed(term)
        if not edits:
            return []
        mask = (1 << (63 - _ID_BITS)) - 1
        candidates = set()
        for d in deletions(term, edits):
            key = (hash(d) & mask) << _ID_BITS
            lo = bisect.bisect_left(self.index, key)
            hi = bisect.bisect_left(self.index, key + (1 << _ID_BITS), lo)
            candidates.update(e & ((1 << _ID_BITS) - 1) for e in self.index[lo:hi])
        scored = []
        for n in candidates:
            d = distance(term, self.words[n], edits)
            if d <= edits:
                scored.append((d, -self.docs[n], self.words[n]))
        scored.sort()
        best = [s for s in scored if s[0] == scored[0][0]] if scored else []
        return [word for _, _, word in best[:most]]

    def correct(self, term: str) -> tuple[tuple[str, ...], str] | None:
        """What to search for a word the catalogue lacks — its nearest words, or the nearest start of one, each
        searched as a prefix — and how to spell it for "Maksud Anda"; None when nothing is near enough.

        A whole word mistyped ("kependudukn") or a word still being typed ("kesejahtr" → "kesejahter…"): the
        fewer edits win, then the more publications ("parwi" is "pari…" of pariwisata, not a rare "arwi")."""
        nearest = self.nearest(term)
        made, start, word = self.nearest_start(term)
        if nearest and (not start or (distance(term, nearest[0], MAX_EDITS), -self.docs_of(nearest[0]))
                        <= (made, -self.docs_starting(start))):
            return tuple(nearest), nearest[0]
        return ((start,), word) if start else None

    def docs_of(self, word: str) -> int:
        i = bisect.bisect_left(self.words, word)
        return self.docs[i] if i < len(self.words) and self.words[i] == word else 0


    def nearest_start(self, term: str) -> tuple[int, str, str]:
        """For a word still being typed ("kesejahtr"): the edits made, the nearest start of a catalogue word
        ("kesejahter") and that start's most common word ("kesejahteraan"); (0, "", "") when none is near.

        The visitor's letters are right up to the longest start the catalogue knows ("kesejaht"); the typo is the
        next letter: each single edit there (a letter replaced, left out, added, or swapped with its neighbour)
        is tried — some 60 binary searches — and the edit that lets the most letters be recognised is kept; with
        two typos allowed, the same once more after it. No edit distance is computed over the vocabulary."""
        edits = edits_allowed(term)
        if not edits:
            return 0, "", ""
        beam = [term]
        for made in range(1, edits + 1):
            tried = {}
            for word in beam:
                n = self._known_length(word)
                for fixed in _edits_at(word, n):
                    if fixed not in tried:
                        tried[fixed] = self._known_length(fixed)
            done = [w for w, known in tried.items() if known == len(w) and len(w) >= MIN_LENGTH]
            if done:
                start = max(done, key=self.docs_starting)
                return made, start, self._most_common_word(start)
            # the few edits that carried recognition furthest go on to the next typo
            beam = sorted(tried, key=lambda w: -tried[w])[:3]
        return 0, "", ""

    def _known_length(self, term: str) -> int:
        lo, hi = 0, len(term)
        while lo < hi:      # the longest start of term that starts a catalogue word (starts of starts do too)
            mid = (lo + hi + 1) // 2
            if self.knows(term[:mid]):
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _range(self, start: str, most: int = 200) -> range:
        lo = bisect.bisect_left(self.words, start)
        hi = bisect.bisect_left(self.words, start + "\uffff", lo, min(len(self.words), lo + most))
        return range(lo, hi)

    def docs_starting(self, start: str) -> int:
        return sum(self.docs[i] for i in self._range(start))

    def _most_common_word(self, start: str) -> str:
        found = self._range(start)
        return self.words[max(found, key=lambda i: self.docs[i])] if found else start


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits_at(word: str, n: int) -> set[str]:
    """Every single edit of ``word`` at position ``n`` (where recognition stopped) and the swap just before it."""
    head, tail = word[:n], word[n:]
    found = {head + tail[1:]} if tail else set()                          # a letter too many
    found.update(head + c + tail for c in _LETTERS)                         # a letter left out
    if tail:
        found.update(head + c + tail[1:] for c in _LETTERS)                 # a wrong letter
        if len(tail) > 1:
            found.add(head + tail[1] + tail[0] + tail[2:])                  # two letters swapped
    if head and tail:
        found.add(head[:-1] + tail[0] + head[-1] + tail[1:])
    found.discard(word)
    return found


class _Cached:
    def __init__(self, name: str) -> None:
        self.name = name            # the file or database it was read from (a Database object can be re-initialised)
        self.vocabulary: Vocabulary | None = None
        self.stamp: tuple | None = None
        self.checked = 0.0
        self.lock = threading.Lock()


_cache: weakref.WeakKeyDictionary[Database, _Cached] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def vocabulary(db: Database, now: float | None = None) -> Vocabulary:
    """The catalogue's vocabulary, built once and rebuilt when the catalogue changed (checked every RECHECK_S)."""
    db = getattr(db, "obj", db)
    with _cache_lock:
        cached = _cache.get(db)
        if cached is None or cached.name != str(db.database):
            cached = _cache[db] = _Cached(str(db.database))
    now = time.monotonic() if now is None else now
    with cached.lock:       # one thread builds; the others wait for it instead of building too
        if cached.vocabulary is None or now - cached.checked >= RECHECK_S:
            # the newest id, read from the primary key's end (count(*) would scan: 4.5 ms at 100,000); an import
            # adds rows. A removal only leaves words that find nothing — and nothing is then suggested.
            stamp = tuple(db.execute_sql("SELECT max(id) FROM publication").fetchone())
            cached.checked = now
            if stamp != cached.stamp or cached.vocabulary is None:
                cached.vocabulary = Vocabulary.build(_counted_words(db))
                cached.stamp = stamp
        return cached.vocabulary


def forget(db: Database) -> None:
    """Drop the cached vocabulary: the next search that needs it reads the catalogue again (after an import)."""
    with _cache_lock:
        _cache.pop(getattr(db, "obj", db), None)


def _counted_words(db: Database) -> dict[str, int]:
    if is_sqlite(db):
        try:
            rows = db.execute_sql("SELECT term, doc FROM publication_vocab").fetchall()
        except SchemaOutOfDate as exc:
            if "publication_vocab" not in str(exc):
                raise
            # a database made before the vocabulary view existed: make it (a view, nothing to fill)
            from kiosk.core.migrations.m0001_initial import SQLITE_SEARCH

            db.execute_sql(SQLITE_SEARCH[-1])
            rows = db.execute_sql("SELECT term, doc FROM publication_vocab").fetchall()
    else:
        # the same folded words the search's tsvector holds
        from kiosk.core.search_index import postgres_document

        rows = db.execute_sql(f"SELECT word, ndoc FROM ts_stat($$SELECT {postgres_document()} FROM publication AS p$$)")
    return {term: docs for term, docs in rows if _WORD.fullmatch(term)}
