"""The digital library's catalogue: import PDFs with their metadata, search, list, remove.

Import is idempotent by the SHA-256 of the file: importing the same PDF again updates its
record, never adds a second one. One bad file is reported (name + reason) and skipped; it
never stops the import. Search runs on SQLite FTS5 (the index is kept by triggers made in
``m0001_initial``) or on PostgreSQL's full-text search, through the same ``search``.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from peewee import BooleanField, Database, DateTimeField, IntegrityError, OperationalError

from kiosk.core import pdfrender
from kiosk.core.clock import Clock, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.db import is_sqlite
from kiosk.core.errors import KioskError, NotFound
from kiosk.core.models import Publication, database

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 300 * 1024 * 1024     # bigger than any BPS publication; a kiosk would choke on it
MAX_PAGES = 3000
THUMBNAIL_HEIGHT = 420

# title above subtitle above subject above abstract (bm25 weights, one per FTS column)
BM25_WEIGHTS = (10.0, 5.0, 3.0, 1.0, 2.0)
SHORT_PREFIX = 3      # a query whose words are all shorter than this is not ranked (see _search_sqlite)
RANK_WINDOW = 1000    # at most this many (newest) matches are ranked by bm25 (see _search_sqlite)

METADATA_FIELDS = ("title", "subtitle", "subject", "year", "catalogue_number", "publication_number", "issn",
                   "isbn", "language", "abstract", "hardcopy_location", "softcopy_allowed", "read_only")
TRUE_WORDS = {"1", "true", "yes", "ya", "y", "benar"}
FALSE_WORDS = {"0", "false", "no", "tidak", "n", "", "salah"}


class CatalogError(KioskError):
    pass


@dataclass
class Skipped:
    path: Path
    reason: str


@dataclass
class ImportReport:
    added: list[Publication] = field(default_factory=list)
    updated: list[Publication] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.skipped)} skipped")


# --- metadata ---

def _folders(settings: Settings) -> tuple[Path, Path]:
    lib = settings.library
    if lib.documents_dir is None or lib.thumbnails_dir is None:
        raise CatalogError("set [library] documents_dir and thumbnails_dir in the config")
    return lib.documents_dir, lib.thumbnails_dir


def read_metadata_csv(path: Path) -> dict[str, dict[str, str]]:
    """Rows of a CSV with a header, keyed by the PDF's file name (column ``file``)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or "file" not in reader.fieldnames:
                raise CatalogError(f"{path}: the header needs a 'file' column (the PDF's file name)")
            unknown = set(reader.fieldnames) - set(METADATA_FIELDS) - {"file"}
            if unknown:
                raise CatalogError(f"{path}: unknown column(s) {', '.join(sorted(unknown))}; "
                                   f"allowed: file, {', '.join(METADATA_FIELDS)}")
            return {Path(row["file"]).name: {k: (v or "").strip() for k, v in row.items() if k != "file"}
                    for row in reader if row.get("file")}
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read ({exc.strerror})") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not a readable UTF-8 CSV ({exc})") from None


def _read_sidecar(pdf_path: Path) -> dict[str, Any]:
    side = pdf_path.with_suffix(".json")
    if not side.exists():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise pdfrender.PdfOpenError(f"{side.name}: unreadable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise pdfrender.PdfOpenError(f"{side.name}: must hold one JSON object")
    return {k: v for k, v in data.items() if k in METADATA_FIELDS}


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise pdfrender.PdfOpenError(f"{name}: {value!r} is not yes/no")


def _as_year(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise pdfrender.PdfOpenError(f"year: {value!r} is not a year") from None
    if not 1900 <= year <= 2100:
        raise pdfrender.PdfOpenError(f"year: {year} is out of range")
    return year


def _year_in(text: str) -> int | None:
    found = re.findall(r"\b(19[5-9]\d|20\d\d)\b", text)
    return int(found[-1]) if found else None


def _first_page_title(pdf) -> str:
    """The first substantial line of the first page, for PDFs without a Title."""
    with pdfrender.PDFIUM_LOCK:
        page = pdf[0]
        try:
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
            finally:
                textpage.close()
        finally:
            page.close()
    for line in text.splitlines():
        line = " ".join(line.split())
        if len(line) >= 6 and any(ch.isalpha() for ch in line):
            return line[:300]
    return ""


def _pdf_metadata(pdf) -> dict[str, str]:
    with pdfrender.PDFIUM_LOCK:
        try:
            meta = pdf.get_metadata_dict(skip_empty=True)
        except pdfrender.pdfium.PdfiumError:
            meta = {}
    found: dict[str, str] = {}
    # reportlab and some scanners write a placeholder title; the first page knows better
    if meta.get("Title") and meta["Title"].strip().lower() not in ("untitled", "anonymous", "judul"):
        found["title"] = meta["Title"].strip()
    if meta.get("Subject"):
        found["abstract"] = meta["Subject"].strip()
    return found


# --- import ---

def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()[:60] or "publikasi"


def import_file(settings: Settings, clock: Clock, path: Path, extra: dict[str, Any] | None = None,
                *, max_bytes: int = MAX_FILE_BYTES) -> tuple[Publication, bool]:
    """Import one PDF; returns (record, created). Raises PdfOpenError with the reason to skip it."""
    documents_dir, thumbs_dir = _folders(settings)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise pdfrender.PdfOpenError(f"cannot read the file ({exc.strerror})") from None
    if size > max_bytes:
        raise pdfrender.PdfOpenError(f"too large ({size / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB)")
    if b"%PDF-" not in head:
        raise pdfrender.PdfOpenError("not a PDF (no %PDF- header)")
    digest = file_hash(path)
    pdf = pdfrender.open_pdf(path)
    try:
        with pdfrender.PDFIUM_LOCK:
            pages = len(pdf)
        if pages == 0:
            raise pdfrender.PdfOpenError("has no pages")
        if pages > MAX_PAGES:
            raise pdfrender.PdfOpenError(f"too many pages ({pages}; the limit is {MAX_PAGES})")
        meta: dict[str, Any] = _pdf_metadata(pdf)
        meta.update(_read_sidecar(path))
        meta.update({k: v for k, v in (extra or {}).items() if v not in (None, "")})
        if not meta.get("title"):
            meta["title"] = _first_page_title(pdf) or path.stem.replace("_", " ")
        thumb = thumbs_dir / f"{digest[:24]}.jpg"
        if not thumb.exists():
            try:
                pdfrender.save_thumbnail(pdf, thumb, THUMBNAIL_HEIGHT)
            except pdfrender.pdfium.PdfiumError as exc:
                raise pdfrender.PdfOpenError(f"cover page cannot be drawn ({exc})") from None
    finally:
        with pdfrender.PDFIUM_LOCK:
            pdf.close()

    title = str(meta["title"]).strip()[:300]
    values: dict[str, Any] = {
        "title": title,
        "subtitle": str(meta.get("subtitle", "")).strip()[:300],
        "subject": str(meta.get("subject", "")).strip()[:100],
        "year": _as_year(meta.get("year")) or _year_in(title),
        "catalogue_number": str(meta.get("catalogue_number", "")).strip()[:40],
        "publication_number": str(meta.get("publication_number", "")).strip()[:40],
        "issn": str(meta.get("issn", "")).strip()[:20],
        "isbn": str(meta.get("isbn", "")).strip()[:20],
        "language": str(meta.get("language", "") or "id").strip()[:10],
        "abstract": str(meta.get("abstract", "")).strip(),
        "hardcopy_location": str(meta.get("hardcopy_location", "")).strip()[:60],
        "softcopy_allowed": _as_bool(meta.get("softcopy_allowed", True), "softcopy_allowed"),
        "read_only": _as_bool(meta.get("read_only", False), "read_only"),
        "page_count": pages,
        "file_size": size,
        "thumbnail_path": str(thumb),
    }
    # Files already in the library folder stay where they are (the demo writes there); others are copied
    # in, so the catalogue never depends on a USB stick or a staff laptop's folder.
    documents_dir.mkdir(parents=True, exist_ok=True)
    try:
        path.resolve().relative_to(documents_dir.resolve())
        stored = path.resolve()
    except ValueError:
        stored = documents_dir / f"{digest[:12]}-{_slug(path.stem)}.pdf"
        if not stored.exists():
            tmp = stored.with_suffix(".part")
            shutil.copyfile(path, tmp)
            tmp.replace(stored)
    values["file_path"] = str(stored)

    now = to_utc_naive(clock.now())
    with database.atomic():
        existing = Publication.get_or_none(Publication.content_hash == digest)
        if existing is not None:
            for key, value in values.items():
                setattr(existing, key, value)
            existing.updated_at = now
            existing.save()
            return existing, False
        pub = Publication.create(content_hash=digest, imported_at=now, updated_at=now, **values)
        return pub, True


def find_pdfs(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")


def import_directory(settings: Settings, clock: Clock, directory: Path, metadata_csv: Path | None = None,
                     progress: Callable[[int, int, Path], None] | None = None,
                     *, max_bytes: int = MAX_FILE_BYTES) -> ImportReport:
    """Import every PDF under ``directory``; bad files land in ``report.skipped`` with a reason."""
    if not directory.is_dir():
        raise CatalogError(f"{directory}: not a folder")
    rows = read_metadata_csv(metadata_csv) if metadata_csv is not None else {}
    files = find_pdfs(directory)
    report = ImportReport()
    for n, path in enumerate(files, 1):
        if progress is not None:
            progress(n, len(files), path)
        try:
            pub, created = import_file(settings, clock, path, rows.get(path.name), max_bytes=max_bytes)
        except pdfrender.PdfOpenError as exc:
            report.skipped.append(Skipped(path, exc.reason))
            log.warning("catalogue import: skipped %s: %s", path, exc.reason)
            continue
        (report.added if created else report.updated).append(pub)
    missing = sorted(set(rows) - {p.name for p in files})
    for name in missing:
        report.skipped.append(Skipped(directory / name, "listed in the metadata CSV but no such PDF"))
    return report


# --- list, get, remove ---

def get(pub_id: int) -> Publication:
    pub = Publication.get_or_none(Publication.id == pub_id)
    if pub is None:
        raise NotFound(f"no publication with id {pub_id}")
    return pub


def newest(limit: int = 60, subject: str = "", year: int | None = None) -> list[Publication]:
    query = Publication.select()
    if subject:
        query = query.where(Publication.subject == subject)
    if year is not None:
        query = query.where(Publication.year == year)
    return list(query.order_by(Publication.year.desc(nulls="LAST"), Publication.imported_at.desc(),
                               Publication.id.desc()).limit(limit))


def subjects() -> list[str]:
    return [row.subject for row in Publication.select(Publication.subject).where(Publication.subject != "")
            .distinct().order_by(Publication.subject)]


def count() -> int:
    return Publication.select().count()


def remove(settings: Settings, pub_id: int) -> Publication:
    """Take a publication out of the catalogue; its file goes too when it lives in the library folder."""
    documents_dir, _ = _folders(settings)
    pub = get(pub_id)
    try:
        with database.atomic():
            pub.delete_instance()
    except IntegrityError:
        raise CatalogError(f"publication {pub_id} is part of softcopy requests and stays in the records") from None
    for name in (pub.file_path, pub.thumbnail_path):
        if not name:
            continue
        f = Path(name)
        if f == Path(pub.file_path) and not _inside(f, documents_dir):
            continue
        f.unlink(missing_ok=True)
    return pub


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


# --- search ---

def fold(text: str) -> str:
    """Lower case without diacritics, as the FTS tokenizer sees words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def query_terms(text: str) -> list[str]:
    """The visitor's words, with everything FTS syntax could read as an operator thrown away.

    Only letters and digits survive, so ``"``, ``*``, ``-``, ``(``, ``:`` and ``^`` never reach
    the MATCH expression, and each word is quoted so AND/OR/NOT/NEAR are just words."""
    return re.findall(r"\w+", fold(text).replace("_", " "))[:12]


def fts_expression(terms: Iterable[str]) -> str:
    # every word as a prefix: the visitor sees results while typing ("kese" → "kesejahteraan")
    return " ".join(f'"{t}"*' for t in terms)


def search(db: Database, text: str, subject: str = "", year: int | None = None,
           limit: int = 60) -> list[Publication]:
    """Publications matching every word of ``text`` (prefixes), best first; empty text = newest."""
    terms = query_terms(text)
    if not terms:
        return newest(limit, subject, year)
    db = getattr(db, "obj", db)     # the models' DatabaseProxy → the database it stands for
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
    if all(len(t) < SHORT_PREFIX for t in terms):
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
    except OperationalError as exc:
        if "publication_fts" not in str(exc):
            raise
        # a database made before the search index existed: build it once, then answer
        from kiosk.core.migrations.m0001_initial import create_sqlite_search

        log.warning("catalogue search index missing; building it now")
        create_sqlite_search(db)
        return _publications(db.execute_sql(sql, params))


def _publications(cursor) -> list[Publication]:
    """Rows of ``SELECT p.*`` as Publication objects, the state peewee's ``raw()`` leaves them in.

    peewee's cursor wrapper sets each of the 21 fields through its descriptor and converts every value
    (~15 µs a row, ~0.9 ms for a page of 60 results — a third of the search's time budget); here
    only dates and booleans need converting (SQLite already returns str and int), and the values go
    straight into the object's data."""
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
        pub = Publication(__no_default__=1)     # no defaults, nothing dirty: as loaded
        pub.__data__ = dict(zip(names, row))
        found.append(pub)
    return found


_PG_ACCENTED = "áàâäãåāéèêëēíìîïīóòôöõōúùûüūñçýÿ"
_PG_PLAIN = "aaaaaaaeeeeeiiiiioooooouuuuuncyy"


def _search_postgres(terms: list[str], subject: str, year: int | None, limit: int) -> list[Publication]:
    # 'simple' configuration: no stemming in a language the server may not know. Diacritics are folded
    # with translate() on both sides (the unaccent extension is not installed everywhere).
    tsquery = " & ".join(f"{re.sub(r'[^0-9a-z]', '', t) or 'x'}:*" for t in terms)

    def folded(expr: str) -> str:
        return f"translate(lower({expr}), '{_PG_ACCENTED}', '{_PG_PLAIN}')"

    subject_and_number = folded("p.subject || ' ' || p.catalogue_number")
    doc = (f"setweight(to_tsvector('simple', {folded('p.title')}), 'A')"
           f" || setweight(to_tsvector('simple', {folded('p.subtitle')}), 'B')"
           f" || setweight(to_tsvector('simple', {subject_and_number}), 'C')"
           f" || setweight(to_tsvector('simple', {folded('p.abstract')}), 'D')")
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


def as_dict(pub: Publication) -> dict[str, Any]:
    out = {name: getattr(pub, name) for name in ("id",) + METADATA_FIELDS + ("page_count", "file_path",
                                                                            "thumbnail_path", "content_hash")}
    for key in ("imported_at", "updated_at"):
        value = getattr(pub, key)
        out[key] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out
