"""Hostile files at the catalogue import and in the reader (issue 11.12), made here byte by byte.

A page 14400 pt wide and 3 pt high, a content stream that inflates to 300 MB of zeros from ~300 KB,
the same bomb hidden in a Form XObject or on page 3 (the reader would meet it), and things named ``*.pdf`` that are
no files (a FIFO, a device, link loops, dangling links, a folder). What is asserted: every render
stays under the pixel cap, each bad file is listed with its reason while the rest is imported,
and the import's peak memory (``ru_maxrss`` in a child process, with an address-space limit so a
regression fails instead of eating the machine) does not grow with the bomb.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

from kiosk.core import catalog_import, pdfrender
from kiosk.core.models import Publication

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
CHILD_ADDRESS_SPACE = 3 << 30     # the 17 GB render of the wide page fails fast instead of swapping


# --- the crafted-PDF generator ---

def raw_pdf(path: Path, content: bytes, *, media=(0, 0, 595, 842), flate: bool = True,
            form: bytes | None = None, image: tuple[int, int] | None = None) -> Path:
    """A one-page PDF written by hand: ``content`` is the page's stream (already deflated when
    ``flate``); ``form``, when given, is a deflated Form XObject the page draws as /Fm0; ``image``
    (width, height) a JPEG-coded image /Fm0 of that declared size whose data is a few bytes."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"]
    resources = b"<< /XObject << /Fm0 5 0 R >> >>" if form is not None or image else b"<< >>"
    objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [%d %d %d %d] /Contents 4 0 R /Resources %s >>"
                % (*media, resources))
    objs.append(b"<< /Length %d%s >>\nstream\n" % (len(content), b" /Filter /FlateDecode" if flate else b"")
                + content + b"\nendstream")
    if image is not None:
        jpeg = b"\xff\xd8\xff\xd9"
        objs.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                    b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % (*image, len(jpeg))
                    + jpeg + b"\nendstream")
    if form is not None:
        objs.append(b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Length %d /Filter /FlateDecode >>\n"
                    b"stream\n" % len(form) + form + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def deflated_zeros(megabytes: int, prefix: bytes = b"") -> bytes:
    """``prefix`` then ``megabytes`` MB of NUL bytes (PDF whitespace), deflated: ~1 KB a MB."""
    packer = zlib.compressobj(9)
    parts = [packer.compress(prefix)]
    zeros = bytes(1 << 20)
    parts += [packer.compress(zeros) for _ in range(megabytes)]
    parts.append(packer.flush())
    return b"".join(parts)


def text_stream(text: str) -> bytes:
    return zlib.compress(b"BT /F1 24 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET")


def wide_page(path: Path) -> Path:
    """The widest page PDF allows (14400 pt) and 3 pt high, a line across it."""
    return raw_pdf(path, b"0 0 m 14400 3 l S", media=(0, 0, 14400, 3), flate=False)


def bomb(path: Path, megabytes: int = 300) -> Path:
    return raw_pdf(path, deflated_zeros(megabytes, b"BT ET\n"))


def form_bomb(path: Path, megabytes: int = 300) -> Path:
    """A harmless page that draws a Form XObject whose stream is the bomb."""
    return raw_pdf(path, zlib.compress(b"q /Fm0 Do Q"), form=deflated_zeros(megabytes))


def bomb_on_page_3(path: Path, megabytes: int = 300) -> Path:
    """A good 4-page publication whose third page's content stream is the bomb."""
    import pikepdf

    good_pdf(path, "Publikasi Dengan Halaman Bom 2024", pages=4)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        bomb_stream = pikepdf.Stream(pdf, b"")
        bomb_stream.write(deflated_zeros(megabytes), filter=pikepdf.Name.FlateDecode)
        pdf.pages[2].obj.Contents = bomb_stream
        pdf.save(path)
    return path


def good_pdf(path: Path, title: str, pages: int = 1) -> Path:
    c = Canvas(str(path), invariant=1)
    c.setTitle(title)
    for n in range(pages):
        c.drawString(72, 760, title if n == 0 else f"Halaman {n + 1}")
        c.showPage()
    c.save()
    return path


def run_child(code: str, tmp_path: Path) -> dict:
    """Run ``code`` in a fresh Python with the address space limited; it prints one JSON line."""
    prelude = (f"import json, resource, sys\nsys.path.insert(0, {str(TESTS)!r})\n"
               f"resource.setrlimit(resource.RLIMIT_AS, ({CHILD_ADDRESS_SPACE}, {CHILD_ADDRESS_SPACE}))\n"
               # VmHWM, the high-water mark of this process's own memory: ru_maxrss keeps the parent's
               # (pytest's, hundreds of MB late in the suite) across the fork and exec that started it
               "def peak_mb():\n    for line in open('/proc/self/status'):\n"
               "        if line.startswith('VmHWM:'):\n            return int(line.split()[1]) / 1024\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- renders capped by pixel count ---

def test_a_page_14400_pt_wide_is_drawn_small_in_the_reader_and_as_a_cover(tmp_path):
    wide = wide_page(tmp_path / "lebar.pdf")
    found = run_child(f"""
from kiosk.core import pdfrender
with pdfrender.Document({str(wide)!r}) as doc:
    page = doc.render(0, 1080)
    zoomed = doc.render(0, 3000)
thumb = pdfrender.save_thumbnail(pdfrender.open_pdf({str(wide)!r}), __import__("pathlib").Path("t.jpg"), 420)
from PIL import Image
with Image.open(thumb) as im:
    cover = im.size
print(json.dumps({{"page": [page.width, page.height, len(page.rgb)], "zoomed": [zoomed.width, zoomed.height],
                  "cover": cover, "peak_mb": peak_mb()}}))
""", tmp_path)
    for w, h in (found["page"][:2], found["zoomed"], found["cover"]):
        assert w * h <= pdfrender.MAX_RENDER_PIXELS
        assert max(w, h) <= pdfrender.MAX_RENDER_SIDE
        assert w > h >= 1          # still the page's shape
    assert found["page"][2] == found["page"][0] * found["page"][1] * 3
    assert found["peak_mb"] < 400


def test_an_ordinary_page_is_drawn_at_the_height_asked():
    assert pdfrender.render_scale(595, 842, 1080) == pytest.approx(1080 / 842)


def test_a_page_without_a_size_is_refused_with_a_reason_not_a_division_by_zero():
    # PDFium gives a page with an empty MediaBox a Letter size; the cap does not rely on that
    with pytest.raises(pdfrender.PdfOpenError, match="no size"):
        pdfrender.render_scale(0, 842, 1080)


# --- compression bombs at the import ---

IMPORT_IN_CHILD = """
from pathlib import Path
from helpers import make_runtime
from kiosk.core import catalog_import
Path("kiosk").mkdir()
rt = make_runtime(Path("kiosk"))
import pikepdf, pypdfium2    # loaded before the baseline: their size is not the import's
before = peak_mb()
report = catalog_import.import_directory(rt.settings, rt.clock, Path({folder!r}))
print(json.dumps({{"added": sorted(p.title for p in report.added),
                  "skipped": {{s.path.name: s.reason for s in report.skipped}},
                  "growth_mb": peak_mb() - before}}))
"""


def test_a_compression_bomb_is_skipped_with_its_reason_and_the_import_goes_on(tmp_path):
    folder = tmp_path / "masuk"
    folder.mkdir()
    bomb(folder / "bom.pdf", 300)
    form_bomb(folder / "bom-form.pdf", 300)
    bomb_on_page_3(folder / "bom-halaman-3.pdf", 300)
    raw_pdf(folder / "gambar-raksasa.pdf", zlib.compress(b"q 595 0 0 842 0 0 cm /Fm0 Do Q"), image=(60000, 60000))
    good_pdf(folder / "baik.pdf", "Statistik Daerah 2024")
    wide_page(folder / "lebar.pdf")
    assert (folder / "bom.pdf").stat().st_size < 1_000_000
    found = run_child(IMPORT_IN_CHILD.format(folder=str(folder)), tmp_path)
    assert "Statistik Daerah 2024" in found["added"]
    assert len(found["added"]) == 2            # the wide page is a real (odd) publication: imported
    assert found["skipped"] == {"bom.pdf": "page 1 inflates to more than 128 MB (a compression bomb?); not opened",
                                "bom-form.pdf": "page 1 inflates to more than 128 MB (a compression bomb?); not opened",
                                "bom-halaman-3.pdf": "page 3 inflates to more than 128 MB (a compression bomb?); "
                                                     "not opened",
                                "gambar-raksasa.pdf": "an image on page 1 has 3600 million pixels (the limit is 50); "
                                                      "not opened"}
    # PDFium alone takes ~600 MB to load such a page; the measuring holds one 1 MB step at a time
    assert found["growth_mb"] < 150, found


def test_a_bomb_under_the_cap_is_still_imported(tmp_path):
    # 20 MB of whitespace is a silly but harmless page: the cap is on memory, not on oddness
    folder = tmp_path / "masuk"
    folder.mkdir()
    raw_pdf(folder / "spasi.pdf", text_stream("Banyak Spasi 2020") + b"")
    bomb(folder / "kecil.pdf", 20)
    found = run_child(IMPORT_IN_CHILD.format(folder=str(folder)), tmp_path)
    assert len(found["added"]) == 2 and found["skipped"] == {}


# --- things named *.pdf that are not files ---

def test_fifos_devices_link_loops_dangling_links_and_folders_are_each_listed(runtime, tmp_path):
    folder = tmp_path / "masuk"
    folder.mkdir()
    outside = good_pdf(tmp_path / "asli.pdf", "Publikasi Lewat Tautan 2021")
    good_pdf(folder / "baik.pdf", "Publikasi Baik 2022")
    os.mkfifo(folder / "pipa.pdf")
    os.symlink("/dev/zero", folder / "nol.pdf")
    os.symlink(folder / "putar-b.pdf", folder / "putar-a.pdf")
    os.symlink(folder / "putar-a.pdf", folder / "putar-b.pdf")
    os.symlink(tmp_path / "hilang.pdf", folder / "hilang.pdf")
    os.symlink(outside, folder / "tautan.pdf")
    (folder / "map.pdf").mkdir()
    good_pdf(folder / "map.pdf" / "dalam.pdf", "Publikasi Dalam Map 2023")
    os.symlink(tmp_path, folder / "ke-atas.pdf")       # a link to a folder holding this folder: a loop

    report = run_with_deadline(lambda: catalog_import.import_directory(runtime.settings, runtime.clock, folder))
    assert sorted(p.title for p in report.added) == ["Publikasi Baik 2022", "Publikasi Dalam Map 2023",
                                                     "Publikasi Lewat Tautan 2021"]
    skipped = {s.path.name: s.reason for s in report.skipped}
    assert set(skipped) == {"pipa.pdf", "nol.pdf", "putar-a.pdf", "putar-b.pdf", "hilang.pdf", "map.pdf",
                            "ke-atas.pdf"}
    assert "FIFO" in skipped["pipa.pdf"]
    assert "device" in skipped["nol.pdf"]
    assert "loops" in skipped["putar-a.pdf"] and "loops" in skipped["putar-b.pdf"]
    assert "link to nothing" in skipped["hilang.pdf"]
    assert "folder" in skipped["map.pdf"] and "folder" in skipped["ke-atas.pdf"]
    assert Publication.select().count() == 3


def test_import_file_never_opens_a_fifo(runtime, tmp_path):
    fifo = tmp_path / "pipa.pdf"
    os.mkfifo(fifo)
    with pytest.raises(catalog_import.FileRefused, match="FIFO"):
        run_with_deadline(lambda: catalog_import.import_file(runtime.settings, runtime.clock, fifo), fifo=fifo)


def test_a_sidecar_json_that_is_a_fifo_is_not_read(runtime, tmp_path):
    folder = tmp_path / "masuk"
    folder.mkdir()
    good_pdf(folder / "baik.pdf", "Publikasi Baik 2022")
    os.mkfifo(folder / "baik.json")
    report = run_with_deadline(lambda: catalog_import.import_directory(runtime.settings, runtime.clock, folder),
                               fifo=folder / "baik.json")
    assert [s.reason for s in report.skipped] == ["baik.json: a named pipe (FIFO), not a file; not opened"]


def run_with_deadline(work, fifo: Path | None = None, seconds: float = 30):
    """``work()`` in a thread; a FIFO it blocks on is opened from here so the test ends (and fails)."""
    result: dict = {}

    def run():
        try:
            result["value"] = work()
        except BaseException as exc:   # noqa: BLE001  (raised again in the test's thread)
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if fifo is not None:
            with open(fifo, "wb"):
                pass
        thread.join(5)
        pytest.fail("the import blocked on a file that is not a regular file")
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_kiosk_catalog_import_prints_each_refused_file_on_its_line_and_imports_the_rest(config_path, tmp_path,
                                                                                        capsys):
    from kiosk.cli import main

    folder = tmp_path / "masuk"
    folder.mkdir()
    good_pdf(folder / "baik.pdf", "Publikasi Baik 2022")
    bomb(folder / "bom.pdf", 150)
    os.mkfifo(folder / "pipa.pdf")
    assert main(["--config", str(config_path), "init"]) == 0
    capsys.readouterr()
    assert run_with_deadline(lambda: main(["--config", str(config_path), "catalog", "import", str(folder)]),
                             fifo=folder / "pipa.pdf") == 0
    out, err = capsys.readouterr()
    assert out.strip() == "1 added, 0 updated, 2 skipped"
    assert err.splitlines() == [
        f"skipped {folder / 'pipa.pdf'}: a named pipe (FIFO), not a file; not opened",
        f"skipped {folder / 'bom.pdf'}: page 1 inflates to more than 128 MB (a compression bomb?); not opened"]
