"""One word per thing on the kiosk's screens (issue 14.12): the glossary, checked in the catalogues of the
visitor's screens (foundation, guestbook, library)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

I18N = Path(__file__).resolve().parents[1] / "kiosk" / "i18n"
DOMAINS = tuple(sorted(p.stem for p in (I18N / "id" / "LC_MESSAGES").glob("*.po")))   # every catalogue

#: (language, what must never appear, what to write instead)
NEVER = (
    ("id", re.compile(r"\bemail\b", re.IGNORECASE), "E-mail / e-mail"),
    ("id", re.compile(r"nomor telepon", re.IGNORECASE), "Nomor HP"),
    ("id", re.compile(r"\bkiosk\b"), "kios"),
    ("id", re.compile(r"Tersedia tercetak"), "Versi cetak tersedia di …"),
    ("id", re.compile(r"^Bawa tas\?"), "Apakah Anda membawa tas?"),
    ("id", re.compile(r"Petugas PST / PST staff"), "petugas PST"),
    ("en", re.compile(r"\bRak\b"), "Shelf"),
    ("en", re.compile(r"\bkios\b"), "kiosk"),
    ("en", re.compile(r"Petugas PST"), "PST staff"),
)
#: placeholders, config keys and commands (not words the visitor reads)
CODE = re.compile(r"\{[a-z_]+\}|`[^`]*`|\bkiosk\.[a-z_]+|\bkiosk (?:staff|init|doctor|backup|restore|serve|mail|queue)\b")


def shown_texts(lang: str, domain: str):
    """(msgid, text shown) for every message: the translation, or the msgid where English keeps it."""
    with (I18N / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if not message.id:
            continue
        for msgid, msgstr in zip(*(m if isinstance(m, (list, tuple)) else (m,) for m in
                                   (message.id, message.string))):
            yield msgid, (msgstr or (msgid if lang == "en" else ""))


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang, pattern, instead", NEVER, ids=[f"{l}:{p.pattern}" for l, p, _ in NEVER])
def test_one_word_per_thing(domain, lang, pattern, instead):
    found = [text for _msgid, text in shown_texts(lang, domain) if pattern.search(CODE.sub("", text))]
    assert not found, f"{lang}/{domain}.po: write {instead!r} in {found}"


def test_the_check_finds_the_old_words():
    assert NEVER[0][1].search("Email tidak valid") and not NEVER[0][1].search("E-mail tidak valid")
    assert NEVER[6][1].search("Printed copy on Rak A-1") and not NEVER[6][1].search("Shelf A-1")
    assert not NEVER[2][1].search(CODE.sub("", "Isi kiosk.staff_pin_hash dengan `kiosk hash-pin`."))
