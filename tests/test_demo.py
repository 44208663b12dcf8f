"""The demo catalogue: real PDFs with the promised pages, imported by `kiosk setup` only when empty."""
from __future__ import annotations

import dataclasses

from pypdf import PdfReader

from kiosk.cli import main
from kiosk.core import demo, search
from kiosk.core.models import Publication


def test_demo_pdfs_have_cover_pages_and_metadata(tmp_path):
    two = (demo.PUBLICATIONS[4], dataclasses.replace(demo.PUBLICATIONS[0], pages=25))
    paths = demo.generate(tmp_path, two)
    reader = PdfReader(str(paths[1]))
    assert len(reader.pages) == 25
    assert "Kota Lubuklinggau Dalam Angka 2025" in reader.metadata.title
    cover = reader.pages[0].extract_text()
    assert "BADAN PUSAT STATISTIK KOTA LUBUKLINGGAU" in cover and "1102001.1674" in cover
    assert "Tabel" in reader.pages[3].extract_text() or "Gambar" in reader.pages[3].extract_text()
    # deterministic: the same bytes twice, so a second `kiosk demo` updates instead of duplicating
    again = demo.generate(tmp_path / "again", two)
    assert again[1].read_bytes() == paths[1].read_bytes()


def test_demo_set_is_varied():
    pubs = demo.PUBLICATIONS
    assert 20 <= len(pubs) <= 30
    assert min(p.pages for p in pubs) >= 20 and max(p.pages for p in pubs) == 300
    assert any(p.read_only for p in pubs) and any(p.hardcopy_location for p in pubs)
    assert any(not p.hardcopy_location for p in pubs)
    assert len({p.subject for p in pubs}) >= 6


def test_setup_fills_an_empty_catalogue_once(config_path, capsys):
    assert main(["--config", str(config_path), "setup"]) == 0
    assert "24 added, 0 updated, 0 skipped" in capsys.readouterr().out
    assert Publication.select().count() == len(demo.PUBLICATIONS)
    big = Publication.get(Publication.title == "Kota Lubuklinggau Dalam Angka 2025")
    assert (big.page_count, big.hardcopy_location, big.subject) == (300, "Rak A-1", "Statistik Umum")
    assert search.search(Publication._meta.database, "kesejahteraan rakyat")[0].title.startswith(
        "Statistik Kesejahteraan Rakyat")
    assert main(["--config", str(config_path), "setup"]) == 0
    assert "added" not in capsys.readouterr().out
    assert Publication.select().count() == len(demo.PUBLICATIONS)


def test_setup_leaves_the_catalogue_empty_when_demo_is_off(tmp_path, capsys):
    from helpers import write_config

    path = write_config(tmp_path, replace={"demo_on_first_run = true": "demo_on_first_run = false"})
    assert main(["--config", str(path), "setup"]) == 0
    assert Publication.select().count() == 0
