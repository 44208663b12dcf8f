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


LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
CATALOG_DIR = Path(__file__).parent


def N_(msgid: str) -> str:
    """Marks a msgid for extraction where it is translated later (core code, tables)."""
    return msgid


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural msgid pair translated later with ``ngettext_for(lang, *pair, n)``."""
    return singular, plural


def po_files(lang: str) -> list[Path]:
    return sorted((CATALOG_DIR / lang / "LC_MESSAGES").glob("*.po"))


@functools.lru_cache(maxsize=None)
def translator(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    # Babel is loaded on the first translation, not at import: a staff command that prints English
    # never pays for it
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = None
    for path in po_files(lang):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        part = gettext.GNUTranslations(buf)
        # One language, several files: chained with gettext's public fallback (a msgid missing from
        # one file is looked up in the next); each file keeps its own Plural-Forms.
        if merged is None:
            merged = part
        else:
            merged.add_fallback(part)
    return merged or gettext.NullTranslations()


def gettext_for(lang: str, msgid: str) -> str:
    return translator(lang).gettext(msgid)


def ngettext_for(lang: str, singular: str, plural: str, n: int) -> str:
    """The form of a plural msgid pair for ``n`` under the language's plural rule (never by hand:
    Indonesian has one form, English two). Format ``{count}`` in the result yourself."""
    return translator(lang).ngettext(singular, plural, n)
