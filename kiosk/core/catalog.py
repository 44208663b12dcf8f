"""The digital library's catalogue as records: get, list, subjects, remove, and the folders it uses.

Putting PDFs in is ``kiosk.core.catalog_import``; finding them by words is ``kiosk.core.search``.
Both build on this module, never the other way round.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any

from peewee import IntegrityError

from kiosk.core.config import Settings
from kiosk.core.errors import KioskError, NotFound
from kiosk.core.models import Publication, database

METADATA_FIELDS = ("title", "subtitle", "subject", "year", "catalogue_number", "publication_number", "issn",
                   "isbn", "language", "abstract", "hardcopy_location", "softcopy_allowed", "read_only")


class CatalogError(KioskError):
    pass


def folders(settings: Settings) -> tuple[Path, Path]:
    """The library's (documents, thumbnails) folders from the config."""
    lib = settings.library
    if lib.documents_dir is None or lib.thumbnails_dir is None:
        raise CatalogError("set [library] documents_dir and thumbnails_dir in the config")
    return lib.documents_dir, lib.thumbnails_dir


def slug(text: str) -> str:
    """A file-name-safe form of a title (ASCII, dashes), never empty."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()[:60] or "publikasi"


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
    documents_dir, _ = folders(settings)
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


def as_dict(pub: Publication) -> dict[str, Any]:
    out = {name: getattr(pub, name) for name in ("id",) + METADATA_FIELDS + ("page_count", "file_path",
                                                                            "thumbnail_path", "content_hash")}
    for key in ("imported_at", "updated_at"):
        value = getattr(pub, key)
        out[key] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out

