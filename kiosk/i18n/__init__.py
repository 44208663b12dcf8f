"""Translations: gettext catalogs per language, one ``.po`` file per part of the kiosk.

Source strings (msgids) are English; ``id`` must translate every one of them (a test checks),
``en`` may refine wording. Catalogs are compiled in memory at first use with Babel, so no
generated ``.mo`` file is ever committed or forgotten.
"""
from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
CATALOG_DIR = Path(__file__).parent


def N_(msgid: str) -> str:
    """Marks a msgid for extraction where it is translated later (core code, tables)."""
    return msgid


def po_files(lang: str) -> list[Path]:
    return sorted((CATALOG_DIR / lang / "LC_MESSAGES").glob("*.po"))


@functools.lru_cache(maxsize=None)
def translator(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    merged = None
    for path in po_files(lang):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        part = gettext.GNUTranslations(buf)
        if merged is None:
            merged = part
        else:
            merged._catalog.update(part._catalog)  # one language, several files: one table
    return merged or gettext.NullTranslations()


def gettext_for(lang: str, msgid: str) -> str:
    return translator(lang).gettext(msgid)
