"""Putting PDFs into the catalogue: one file or a folder, with their metadata.

Import is idempotent by the SHA-256 of the file: importing the same PDF again updates its
record, never adds a second one. One bad file is reported (name + reason) and skipped; it
never stops the import.
"""
from __future__ import annotations

import csv
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from peewee import PeeweeException

from kiosk.core import pdfcheck, pdfrender
from kiosk.core.catalog import METADATA_FIELDS, CatalogError, folders, slug
from kiosk.core.clock import Clock, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.errors import KioskError
from kiosk.core.models import Publication, database

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 300 * 1024 * 1024     # bigger than any BPS publication; a kiosk would choke on it
MAX_PAGES = 3000
THUMBNAIL_HEIGHT = 420
MAX_SIDECAR_BYTES = 256 * 1024        # a publication's metadata as JSON is a few KB
MAX_TITLE_CHARS = 4000                # of the first page's text, looked at for a title

TRUE_WORDS = {"1", "true", "yes", "ya", "y", "benar"}
FALSE_WORDS = {"0", "false", "no", "tidak", "n", "", "salah"}


@dataclass
class Skipped:
    path: Path
    reason: str


class FileRefused(CatalogError):
    """One file the import will not take, with the staff's reason; the import goes on."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass
class ImportReport:
    added: list[Publication] = field(default_factory=list)
    updated: list[Publication] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.skipped)} skipped")


# --- metadata ---

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
    if not os.path.lexists(side):
        return {}
    reason = why_not_a_file(side)
    if reason is not None:
        raise FileRefused(f"{side.name}: {reason}")
    if side.stat().st_size > MAX_SIDECAR_BYTES:
        raise FileRefused(f"{side.name}: larger than {MAX_SIDECAR_BYTES // 1024} KB; not read")
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
                text = textpage.get_text_range(0, min(textpage.count_chars(), MAX_TITLE_CHARS))
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


# --- what the import will not open ---

def why_not_a_file(path: Path) -> str | None:
    """Why ``path`` is not a regular file to read (None when it is); never opens it.

    A FIFO named like a PDF would block the import forever at open(), a device such as /dev/zero
    would never end: they are named and left alone. A link to a file is followed (staff link
    publications in); a link to a folder is not (it could loop or pull in a whole disk)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops back on itself; not followed"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return f"a link to nothing ({os.readlink(path)} does not exist)"
        return f"cannot read the file ({exc.strerror})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a link to a folder, not a PDF file; not followed"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file; not opened"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file, not a PDF; not opened"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file; not opened"
    return "not a regular file; not opened"


def find_pdfs(directory: Path) -> tuple[list[Path], list[Skipped]]:
    """Every readable file named ``*.pdf`` under ``directory``, and everything else so named with why not.

    Folders are walked without following links to folders; a folder named ``*.pdf`` is listed as
    skipped (the PDFs inside it are still found)."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    todo = [directory]
    while todo:
        folder = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            skipped.append(Skipped(folder, f"cannot list the folder ({exc.strerror})"))
            continue
        for entry in entries:
            path = Path(entry.path)
            named_pdf = path.suffix.lower() == ".pdf"
            try:
                real_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                real_folder = False
            if real_folder:
                todo.append(path)
                if named_pdf:
                    skipped.append(Skipped(path, "a folder, not a PDF file (the PDFs inside it are imported)"))
            elif named_pdf:
                reason = why_not_a_file(path)
                if reason is None:
                    files.append(path)
                else:
                    skipped.append(Skipped(path, reason))
    return sorted(files), sorted(skipped, key=lambda s: s.path)


# --- import ---

def _read_file(path: Path, max_bytes: int) -> tuple[int, str]:
    """(size, SHA-256) of a regular PDF file, read through one descriptor."""
    reason = why_not_a_file(path)
    if reason is not None:
        raise FileRefused(reason)
    try:
        # O_NONBLOCK: had the file been swapped for a FIFO since the look above, open() must not block
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise FileRefused(f"cannot read the file ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("not a regular file; not opened")
        if info.st_size > max_bytes:
            raise FileRefused(f"too large ({info.st_size / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB)")
        try:
            head = fh.read(1024)
            if b"%PDF-" not in head:
                raise FileRefused("not a PDF (no %PDF- header)")
            digest = hashlib.sha256(head)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        except OSError as exc:
            raise FileRefused(f"cannot read the file ({exc.strerror})") from None
    return info.st_size, digest.hexdigest()


def _refuse_stamped(path: Path, title: str) -> None:
    """A visitor's softcopy carries their name and e-mail: it must never become a library original."""
    from kiosk.core.watermark import WatermarkError, carries_kiosk_stamp

    try:
        stamped = carries_kiosk_stamp(path)
    except WatermarkError as exc:
        raise FileRefused(f"cannot be checked for a kiosk stamp ({exc})") from None
    if stamped:
        raise FileRefused(f"already a stamped softcopy of “{title}” (it carries a visitor's stamp); "
                          f"import the library's original instead")


def _describe(pdf, path: Path, extra: dict[str, Any] | None, thumb: Path) -> tuple[int, dict[str, Any]]:
    """(pages, metadata) of an open PDF, drawing its cover into ``thumb`` when missing."""
    with pdfrender.PDFIUM_LOCK:
        pages = len(pdf)
    if pages == 0:
        raise pdfrender.PdfOpenError("has no pages")
    if pages > MAX_PAGES:
        raise pdfrender.PdfOpenError(f"too many pages ({pages}; the limit is {MAX_PAGES})")
    # before PDFium loads a page (it inflates the page's streams whole at load): here for the cover,
    # later in the reader for every page
    pdfcheck.check_pages(path)
    meta: dict[str, Any] = _pdf_metadata(pdf)
    meta.update(_read_sidecar(path))
    meta.update({k: v for k, v in (extra or {}).items() if v not in (None, "")})
    if not meta.get("title"):
        meta["title"] = _first_page_title(pdf) or path.stem.replace("_", " ")
    _refuse_stamped(path, str(meta["title"]).strip()[:120])
    if not thumb.exists():
        try:
            pdfrender.save_thumbnail(pdf, thumb, THUMBNAIL_HEIGHT)
        except OSError as exc:
            raise FileRefused(f"its cover cannot be saved in {thumb.parent} ({exc.strerror or exc})") from None
    return pages, meta


def import_file(settings: Settings, clock: Clock, path: Path, extra: dict[str, Any] | None = None,
                *, max_bytes: int = MAX_FILE_BYTES) -> tuple[Publication, bool]:
    """Import one PDF; returns (record, created).

    Raises FileRefused or PdfOpenError (both with ``reason``) for a file to skip; storage errors
    go up, they are not this file's fault."""
    documents_dir, thumbs_dir = folders(settings)
    size, digest = _read_file(path, max_bytes)
    thumb = thumbs_dir / f"{digest[:24]}.jpg"
    pdf = pdfrender.open_pdf(path)
    try:
        pages, meta = _describe(pdf, path, extra, thumb)
    except (pdfrender.pdfium.PdfiumError, MemoryError) as exc:
        raise pdfrender.PdfOpenError(f"cannot be read by PDFium ({str(exc) or type(exc).__name__})") from None
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
        stored = documents_dir / f"{digest[:12]}-{slug(path.stem)}.pdf"
        if not stored.exists():
            tmp = stored.with_suffix(".part")
            try:
                shutil.copyfile(path, tmp)
                tmp.replace(stored)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise FileRefused(f"cannot be copied into {documents_dir} ({exc.strerror})") from None
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


def import_directory(settings: Settings, clock: Clock, directory: Path, metadata_csv: Path | None = None,
                     progress: Callable[[int, int, Path], None] | None = None,
                     *, max_bytes: int = MAX_FILE_BYTES) -> ImportReport:
    """Import every PDF under ``directory``; bad files land in ``report.skipped`` with a reason."""
    if not directory.is_dir():
        raise CatalogError(f"{directory}: not a folder")
    rows = read_metadata_csv(metadata_csv) if metadata_csv is not None else {}
    # skips are logged at INFO: kept in kiosk.log, while the command prints each on its own line
    files, refused = find_pdfs(directory)
    report = ImportReport(skipped=list(refused))
    for path in refused:
        log.info("catalogue import: skipped %s: %s", path.path, path.reason)
    for n, path in enumerate(files, 1):
        if progress is not None:
            progress(n, len(files), path)
        try:
            pub, created = import_file(settings, clock, path, rows.get(path.name), max_bytes=max_bytes)
        except (pdfrender.PdfOpenError, FileRefused) as exc:
            report.skipped.append(Skipped(path, exc.reason))
            log.info("catalogue import: skipped %s: %s", path, exc.reason)
            continue
        except (KioskError, PeeweeException):
            raise       # the config or the database, not this file: every next file would fail the same
        except Exception as exc:    # last resort: a library's fault on one hostile file ends that file only
            log.exception("catalogue import: %s failed", path)
            report.skipped.append(Skipped(path, f"unexpected error ({type(exc).__name__}: {exc}); see the log"))
            continue
        (report.added if created else report.updated).append(pub)
    missing = sorted(set(rows) - {p.name for p in files} - {s.path.name for s in refused})
    for name in missing:
        report.skipped.append(Skipped(directory / name, "listed in the metadata CSV but no such PDF"))
    if report.updated:
        # new words are noticed by themselves; changed titles only when the typo vocabulary is read again
        from kiosk.core import spelling
        spelling.forget(database)
    return report
