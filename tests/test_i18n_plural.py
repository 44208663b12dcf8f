"""Plural forms come from gettext's ngettext and the catalogues' Plural-Forms, never from `if n == 1` by hand."""
from __future__ import annotations

from babel.messages.catalog import Catalog

from kiosk.core.reports import WALK_UP_NOTE
from kiosk.i18n import ngettext_for
from kiosk.i18n.extract import catalog_msgids, code_msgids


def test_english_has_two_forms_indonesian_one():
    one, many = (ngettext_for("en", *WALK_UP_NOTE, n) for n in (1, 30))
    assert one.startswith("{count} response was given") and many.startswith("{count} responses were given")
    assert ngettext_for("id", *WALK_UP_NOTE, 1) == ngettext_for("id", *WALK_UP_NOTE, 30)
    assert ngettext_for("id", *WALK_UP_NOTE, 30).format(count=30).startswith("30 jawaban diberikan")


def test_plural_msgids_are_extracted_and_checked_for_every_form(tmp_path, monkeypatch):
    assert WALK_UP_NOTE[0] in code_msgids()
    assert catalog_msgids("id")[WALK_UP_NOTE[0]]          # both forms translated
    # a catalogue with one plural form left empty counts as untranslated
    from babel.messages.pofile import write_po

    catalog = Catalog(locale="en")          # two forms (Babel gives Indonesian one)
    catalog.add(("{n} thing", "{n} things"), ("{n} barang", ""))
    folder = tmp_path / "id" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "x.po").open("wb") as fh:
        write_po(fh, catalog)
    monkeypatch.setattr("kiosk.i18n.extract.po_files", lambda lang: [folder / "x.po"])
    assert catalog_msgids("id") == {"{n} thing": ""}


def test_the_library_result_line_counts_in_both_languages():
    from kiosk.i18n import ngettext_for
    pair = ("{count} publication found for “{query}”", "{count} publications found for “{query}”")
    assert ngettext_for("en", *pair, 1).format(count=1, query="x") == "1 publication found for “x”"
    assert ngettext_for("en", *pair, 2).format(count=2, query="x") == "2 publications found for “x”"
    assert ngettext_for("id", *pair, 2).format(count=2, query="x") == "2 publikasi ditemukan untuk “x”"
