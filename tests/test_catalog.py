"""Catalogue import on real PDFs made here: good ones in, bad ones named with a reason, idempotent."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from kiosk.cli import main
from kiosk.core import catalog, catalog_import, pdfrender, search
from kiosk.core.models import Publication, SoftcopyItem, SoftcopyRequest
from kiosk.core.watermark import Stamp, stamp_pdf


def make_pdf(path: Path, title_on_page: str, pages: int = 3, meta_title: str | None = None) -> Path:
    c = Canvas(str(path), invariant=1)
    if meta_title:
        c.setTitle(meta_title)
    for n in range(pages):
        c.setFont("Helvetica-Bold", 20)
        c.drawString(72, 760, title_on_page if n == 0 else f"Halaman {n + 1}")
        c.showPage()
    c.save()
    return path


def make_bad_folder(folder: Path) -> dict[str, str]:
    """Four bad files, each with the word its skip reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    good = make_pdf(folder / "tmp-good.pdf", "Rahasia", 2)
    writer = PdfWriter(clone_from=str(good))
    writer.encrypt(user_password="rahasia", owner_password="pemilik")
    with (folder / "terkunci.pdf").open("wb") as fh:
        writer.write(fh)
    data = make_pdf(folder / "tmp-long.pdf", "Terpotong", 30).read_bytes()
    (folder / "terpotong.pdf").write_bytes(data[: len(data) // 3])
    (folder / "catatan.pdf").write_text("ini bukan PDF, hanya catatan\n", encoding="utf-8")
    empty = PdfWriter()
    with (folder / "kosong.pdf").open("wb") as fh:
        empty.write(fh)
    good.unlink()
    (folder / "tmp-long.pdf").unlink()
    return {"terkunci.pdf": "password", "terpotong.pdf": "", "catatan.pdf": "not a PDF", "kosong.pdf": "no pages"}


def test_import_folder_with_good_and_bad_files(runtime, tmp_path):
    src = tmp_path / "masuk"
    bad = make_bad_folder(src)
    make_pdf(src / "inflasi.pdf", "Indikator Inflasi Kota Contoh 2024", meta_title="Indikator Inflasi 2024")
    (src / "sub").mkdir()
    make_pdf(src / "sub" / "ipm.pdf", "Indeks Pembangunan Manusia Kota Contoh 2023", pages=5)
    seen = []
    report = catalog_import.import_directory(runtime.settings, runtime.clock, src,
                                      progress=lambda n, total, p: seen.append((n, total)))
    assert seen[-1] == (6, 6)
    assert sorted(p.title for p in report.added) == ["Indeks Pembangunan Manusia Kota Contoh 2023",
                                                    "Indikator Inflasi 2024"]
    skipped = {s.path.name: s.reason for s in report.skipped}
    assert set(skipped) == set(bad)
    for name, word in bad.items():
        assert word in skipped[name], (name, skipped[name])
    ipm = Publication.get(Publication.title.startswith("Indeks"))
    assert ipm.page_count == 5 and ipm.year == 2023      # year read from the first page's title
    # the file was copied into the library folder and a real JPEG cover was rendered
    assert Path(ipm.file_path).parent == runtime.settings.library.documents_dir
    assert Path(ipm.file_path).read_bytes() == (src / "sub" / "ipm.pdf").read_bytes()
    assert Path(ipm.thumbnail_path).read_bytes()[:3] == b"\xff\xd8\xff"
    assert len(ipm.content_hash) == 64


def test_reimport_updates_never_duplicates_and_csv_metadata_wins(runtime, tmp_path):
    src = tmp_path / "masuk"
    src.mkdir()
    make_pdf(src / "a.pdf", "Statistik Daerah 2024")
    (src / "a.json").write_text(json.dumps({"subject": "Statistik Umum", "hardcopy_location": "Rak A-1"}))
    first = catalog_import.import_directory(runtime.settings, runtime.clock, src)
    assert len(first.added) == 1 and Publication.select().count() == 1
    pub = Publication.get()
    assert (pub.subject, pub.hardcopy_location, pub.read_only) == ("Statistik Umum", "Rak A-1", False)
    csv_path = tmp_path / "katalog.csv"
    csv_path.write_text("file,title,year,read_only,hardcopy_location\n"
                        "a.pdf,Statistik Daerah Kota Contoh 2024,2024,ya,\n"
                        "hilang.pdf,Tidak Ada,2020,tidak,\n", encoding="utf-8")
    runtime.clock.advance(300)
    second = catalog_import.import_directory(runtime.settings, runtime.clock, src, metadata_csv=csv_path)
    assert len(second.added) == 0 and len(second.updated) == 1
    assert [s.path.name for s in second.skipped] == ["hilang.pdf"]
    assert Publication.select().count() == 1
    pub = Publication.get()
    assert pub.title == "Statistik Daerah Kota Contoh 2024" and pub.read_only is True
    assert pub.hardcopy_location == "Rak A-1"        # an empty CSV cell keeps the sidecar's value


def test_bad_csv_and_oversize_file(runtime, tmp_path):
    src = tmp_path / "masuk"
    src.mkdir()
    make_pdf(src / "besar.pdf", "Publikasi Besar 2024", pages=4)
    report = catalog_import.import_directory(runtime.settings, runtime.clock, src, max_bytes=500)
    assert report.skipped[0].reason.startswith("too large")
    bad_csv = tmp_path / "x.csv"
    bad_csv.write_text("nama,judul\nbesar.pdf,X\n", encoding="utf-8")
    with pytest.raises(catalog.CatalogError, match="'file' column"):
        catalog_import.import_directory(runtime.settings, runtime.clock, src, metadata_csv=bad_csv)


def test_a_stamped_softcopy_is_refused_at_import_and_its_original_taken(runtime, tmp_path):
    """Issue 11.1: a visitor's softcopy (their name, e-mail and request number on every page) must never
    become a library original that the next visitor is sent."""
    src = tmp_path / "masuk"
    src.mkdir()
    original = make_pdf(tmp_path / "asli.pdf", "Statistik Kesejahteraan Rakyat 2024", pages=3,
                        meta_title="Statistik Kesejahteraan Rakyat 2024")
    stamp = Stamp("Andi Saputra", "andi.saputra@gmail.com", dt.datetime(2026, 11, 24, 9, 5), "SC-20261124-0007",
                  "BPS Kota Contoh")
    stamp_pdf(original, src / "salinan.pdf", stamp)
    shutil.copyfile(original, src / "asli.pdf")
    report = catalog_import.import_directory(runtime.settings, runtime.clock, src)
    assert [p.title for p in report.added] == ["Statistik Kesejahteraan Rakyat 2024"]
    assert [(s.path.name, s.reason) for s in report.skipped] == [
        ("salinan.pdf", "already a stamped softcopy of “Statistik Kesejahteraan Rakyat 2024” (it carries a "
                        "visitor's stamp); import the library's original instead")]
    assert Publication.select().count() == 1


def test_remove_deletes_record_file_and_cover_but_not_a_requested_one(runtime, tmp_path):
    src = tmp_path / "masuk"
    src.mkdir()
    make_pdf(src / "a.pdf", "Publikasi Satu 2024")
    make_pdf(src / "b.pdf", "Publikasi Dua 2024")
    catalog_import.import_directory(runtime.settings, runtime.clock, src)
    one, two = Publication.select().order_by(Publication.title.desc())
    catalog.remove(runtime.settings, one.id)
    assert not Path(one.file_path).exists() and not Path(one.thumbnail_path).exists()
    assert (src / "a.pdf").exists()                     # the staff's source folder is never touched
    assert search.search(runtime.db, "satu") == []
    req = SoftcopyRequest.create(number="SC-1", terms_accepted_at=runtime.clock.now(), created_at=runtime.clock.now())
    SoftcopyItem.create(request=req, publication=two)
    with pytest.raises(catalog.CatalogError, match="softcopy"):
        catalog.remove(runtime.settings, two.id)
    assert Path(two.file_path).exists() and Publication.get_by_id(two.id)


def test_reader_document_renders_and_reports_broken_files(tmp_path):
    pdf = make_pdf(tmp_path / "a.pdf", "Halaman pertama", pages=3)
    with pdfrender.Document(pdf) as doc:
        assert doc.page_count == 3
        page = doc.render(1, 600)
        assert page.height == 600 and len(page.rgb) == page.width * page.height * 3
        assert min(page.rgb) < 100 < max(page.rgb)     # some ink on white
    (tmp_path / "rusak.pdf").write_bytes(pdf.read_bytes()[:200])
    with pytest.raises(pdfrender.PdfOpenError):
        pdfrender.Document(tmp_path / "rusak.pdf")
    assert len(PdfReader(str(pdf)).pages) == 3


def test_cli_import_list_search_remove(config_path, tmp_path, capsys):
    src = tmp_path / "masuk"
    src.mkdir()
    make_pdf(src / "a.pdf", "Indikator Inflasi 2024")
    (src / "rusak.pdf").write_text("bukan pdf")
    assert main(["--config", str(config_path), "init"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config_path), "catalog", "import", str(src)]) == 0
    out, err = capsys.readouterr()
    assert "1 added, 0 updated, 1 skipped" in out
    assert f"skipped {src / 'rusak.pdf'}: not a PDF" in err
    assert main(["--config", str(config_path), "catalog", "search", "inflasi 2024", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [p["title"] for p in found] == ["Indikator Inflasi 2024"]
    assert main(["--config", str(config_path), "catalog", "remove", str(found[0]["id"])]) == 0
    assert main(["--config", str(config_path), "catalog", "remove", "999"]) == 1
    assert "no publication with id 999" in capsys.readouterr().err
    assert main(["--config", str(config_path), "catalog", "import", str(tmp_path / "tidak-ada")]) == 1


@pytest.mark.parametrize("limit, says", [("1e21", "'1e21' is not a whole number (1–1000)"),
                                         ("1000000000000000000000", "1000000000000000000000 is out of range (1–1000)"),
                                         ("-5", "-5 is out of range"), ("0", "0 is out of range"),
                                         ("banyak", "'banyak' is not a whole number")])
def test_cli_search_refuses_a_limit_that_is_not_a_sensible_number_in_one_line(config_path, capsys, limit, says):
    assert main(["--config", str(config_path), "init"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["--config", str(config_path), "catalog", "search", "inflasi", f"--limit={limit}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --limit: {says}" in err and "Traceback" not in err
    assert main(["--config", str(config_path), "catalog", "search", "inflasi", "--limit", "1000"]) == 0


def test_search_refuses_a_limit_sqlite_would_read_as_none_or_cannot_bind(runtime):
    for limit in (0, -1, search.MAX_RESULTS + 1, 10 ** 21):
        with pytest.raises(catalog.CatalogError, match="1 to 1000 results"):
            search.search(runtime.db, "inflasi", limit=limit)
