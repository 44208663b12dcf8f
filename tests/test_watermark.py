"""The stamp on real PDFs: every page, upright in the visible box, a complete rewrite that qpdf accepts."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader, PdfWriter

from pdf_helpers import make_pdf

from kiosk.core import watermark as wm

NUMBER = "SC-20261124-0007"
STAMP = wm.Stamp("Andi Saputra", "andi.saputra@gmail.com",
                 dt.datetime(2026, 11, 24, 9, 5, tzinfo=ZoneInfo("Asia/Jakarta")), NUMBER, "BPS Kota Contoh")
NAME = wm.stamp_name(NUMBER)
QPDF = shutil.which("qpdf")



def odd_pages(tmp_path: Path) -> Path:
    """Portrait, landscape, rotated 90/180/270, a cropped page, via pypdf."""
    src = make_pdf(tmp_path / "plain.pdf", pages=6, sizes=((595, 842), (842, 595)))
    w = PdfWriter(clone_from=str(src))
    w.pages[1].rotate(90)
    w.pages[2].rotate(180)
    w.pages[3].rotate(270)
    w.pages[4].cropbox.lower_left = (100, 150)
    w.pages[4].cropbox.upper_right = (500, 700)
    w.pages[5].rotate(90)
    w.pages[5].cropbox.lower_left = (50, 40)
    out = tmp_path / "odd.pdf"
    w.write(out)
    return out


def object_streams(src: Path, dest: Path) -> Path:
    subprocess.run([QPDF, "--object-streams=generate", str(src), str(dest)], check=True)
    return dest


def check_output(src: Path, out: Path) -> None:
    original, stamped = src.read_bytes(), out.read_bytes()
    assert len(PdfReader(out).pages) == len(PdfReader(src).pages)
    reader = PdfReader(out)
    for n, page in enumerate(reader.pages):
        assert NUMBER in page.extract_text(), f"page {n + 1} lacks the request number"
    assert reader.metadata["/PSTRequest"] == NUMBER
    # never an incremental update: one end-of-file marker, one cross-reference section, a new file
    assert stamped.count(b"%%EOF") == 1
    assert stamped.count(b"startxref") == 1
    assert not stamped.startswith(original[:-1])
    if QPDF:
        check = subprocess.run([QPDF, "--check", str(out)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "No syntax or stream encoding errors" in check.stdout


@pytest.mark.parametrize("streams", [False, True], ids=["xref-table", "object-streams"])
def test_every_page_is_stamped_and_the_file_is_a_clean_rewrite(tmp_path, streams):
    if streams and not QPDF:
        pytest.skip("qpdf not installed: cannot make an object-stream file (apt-get install qpdf)")
    src = odd_pages(tmp_path)
    if streams:
        src = object_streams(src, tmp_path / "os.pdf")
    out = tmp_path / "out.pdf"
    result = wm.stamp_pdf(src, out, STAMP)
    assert result.pages == 6 and result.removed == 0
    check_output(src, out)
    # the stamp is one Form XObject shared by every page
    reader = PdfReader(out)
    refs = {page["/Resources"]["/XObject"].raw_get(NAME).idnum for page in reader.pages}
    assert len(refs) == 1
    if streams:   # untouched objects stayed in object streams (the structure is not unpacked)
        assert b"/ObjStm" in out.read_bytes()


def _corners(m):
    a, b, c, d, e, f = m
    return [(a * x + c * y + e, b * x + d * y + f) for x, y in ((0, 0), (wm.STAMP_W, 0), (0, wm.STAMP_H),
                                                                 (wm.STAMP_W, wm.STAMP_H))]


def _seen_up(m, rotate: int):
    """The stamp's 'up' vector as the viewer shows the page (after /Rotate clockwise)."""
    a, b, c, d, _e, _f = m
    ux, uy = c, d                      # image of (0, 1) in page space
    for _ in range(rotate // 90):       # each clockwise quarter turn: (x, y) → (y, -x)
        ux, uy = uy, -ux
    return ux, uy


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
@pytest.mark.parametrize("box", [(0, 0, 595, 842), (0, 0, 842, 595), (100, 150, 500, 700), (-20, 30, 400, 900)])
def test_matrix_puts_the_stamp_upright_inside_the_visible_box(rotate, box):
    m = wm.stamp_matrix(box, rotate)
    x0, y0, x1, y1 = box
    for x, y in _corners(m):
        assert x0 - 1e-6 <= x <= x1 + 1e-6 and y0 - 1e-6 <= y <= y1 + 1e-6
    ux, uy = _seen_up(m, rotate)
    assert ux == pytest.approx(0, abs=1e-9) and uy > 0, "the stamp is not upright as shown"
    # it fills the box in one direction (uniform scale, centred)
    xs, ys = [p[0] for p in _corners(m)], [p[1] for p in _corners(m)]
    fill_x, fill_y = (max(xs) - min(xs)) / (x1 - x0), (max(ys) - min(ys)) / (y1 - y0)
    assert max(fill_x, fill_y) == pytest.approx(1.0)
    assert (min(xs) + max(xs)) / 2 == pytest.approx((x0 + x1) / 2)
    assert (min(ys) + max(ys)) / 2 == pytest.approx((y0 + y1) / 2)


def test_pages_carry_their_own_matrix(tmp_path):
    src = odd_pages(tmp_path)
    out = tmp_path / "out.pdf"
    wm.stamp_pdf(src, out, STAMP)
    for page in PdfReader(out).pages:
        last = page["/Contents"][-1].get_object().get_data().decode()
        box = tuple(float(v) for v in page.cropbox)
        expected = " ".join(wm._num(v) for v in wm.stamp_matrix(box, page.rotation))
        assert f"{expected} cm {NAME} Do" in last


def encrypted_copy(tmp_path, user_password: str) -> Path:
    """A generated publication, encrypted as publishers do (RC4-128, an owner password)."""
    w = PdfWriter(clone_from=str(make_pdf(tmp_path / "plain.pdf")))
    w.encrypt(user_password=user_password, owner_password="penerbit", algorithm="RC4-128")
    enc = tmp_path / "enc.pdf"
    w.write(enc)
    return enc


def test_empty_password_encryption_is_stamped_and_saved_encrypted(tmp_path):
    enc = encrypted_copy(tmp_path, user_password="")
    out = tmp_path / "out.pdf"
    wm.stamp_pdf(enc, out, STAMP)
    reader = PdfReader(out)
    assert reader.is_encrypted and reader.decrypt("")
    assert all(NUMBER in p.extract_text() for p in reader.pages)
    assert out.read_bytes().count(b"%%EOF") == 1
    if QPDF:
        assert subprocess.run([QPDF, "--check", str(out)], capture_output=True).returncode == 0


def test_a_password_protected_file_is_refused_with_a_reason(tmp_path):
    enc = encrypted_copy(tmp_path, user_password="rahasia")
    with pytest.raises(wm.PasswordProtected) as info:
        wm.stamp_pdf(enc, tmp_path / "out.pdf", STAMP)
    assert "password" in info.value.visitor_message
    assert not (tmp_path / "out.pdf").exists()


def test_a_damaged_file_is_refused_and_nothing_is_written(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not a pdf at all\n")
    with pytest.raises(wm.DamagedFile):
        wm.stamp_pdf(bad, tmp_path / "out.pdf", STAMP)
    assert [p.name for p in tmp_path.iterdir()] == ["bad.pdf"]


def test_an_incrementally_updated_source_loses_its_old_revision(tmp_path):
    src = make_pdf(tmp_path / "plain.pdf", pages=2, text="Rahasia lama")
    w = PdfWriter(clone_from=str(src))
    w.add_metadata({"/Title": "Revisi"})
    w.pages[0].rotate(90)
    buf = io.BytesIO()
    PdfWriter(src, incremental=True)  # makes sure pypdf supports it here
    w2 = PdfWriter(str(src), incremental=True)
    w2.add_metadata({"/Title": "Revisi kedua"})
    w2.write(buf)
    updated = tmp_path / "updated.pdf"
    updated.write_bytes(buf.getvalue())
    assert updated.read_bytes().count(b"%%EOF") == 2
    out = tmp_path / "out.pdf"
    wm.stamp_pdf(updated, out, STAMP)
    check_output(updated, out)
    assert PdfReader(out).metadata["/Title"] == "Revisi kedua"


def test_no_stale_copy_of_a_page_dictionary_stays_in_object_streams(tmp_path):
    if not QPDF:
        pytest.skip("qpdf not installed: cannot make an object-stream file (apt-get install qpdf)")
    src = object_streams(odd_pages(tmp_path), tmp_path / "os.pdf")
    out = tmp_path / "out.pdf"
    wm.stamp_pdf(src, out, STAMP)
    assert b"/ObjStm" in out.read_bytes()
    # every page dictionary, packed or not, exactly once: an unstamped old copy would be a second one
    found = re.findall(rb"/Type\s*/Page\b", _every_stream_inflated(out.read_bytes()))
    assert len(found) == 6


@pytest.mark.parametrize("bits", ["128", "256"])
def test_aes_encrypted_with_an_empty_password_is_stamped_and_stays_aes(tmp_path, bits):
    if not QPDF:
        pytest.skip("qpdf not installed: cannot make an AES-encrypted file (apt-get install qpdf)")
    src = make_pdf(tmp_path / "plain.pdf")
    enc = tmp_path / "aes.pdf"
    extra = ["--use-aes=y"] if bits == "128" else []
    subprocess.run([QPDF, "--encrypt", "", "penerbit", bits, *extra, "--print=none", "--", str(src), str(enc)],
                   check=True)
    out = tmp_path / "out.pdf"
    wm.stamp_pdf(enc, out, STAMP)
    reader = PdfReader(out)
    assert reader.is_encrypted and reader.decrypt("")
    assert all(NUMBER in p.extract_text() for p in reader.pages)
    shown = subprocess.run([QPDF, "--show-encryption", str(out)], capture_output=True, text=True).stdout
    assert ("AESv3" if bits == "256" else "AESv2") in shown
    assert "print low resolution: not allowed" in shown and "print high resolution: not allowed" in shown
    assert subprocess.run([QPDF, "--check", str(out)], capture_output=True).returncode == 0


def hand_made_pdf(path: Path) -> Path:
    """As Ghostscript writes them: indirect stream lengths, and "endobj" inside the stream data."""
    content = b"BT /F1 24 Tf 72 700 Td (Isi halaman endobj stream) Tj ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] /Rotate 90 >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 6 0 R >> >> >>",
        b"<< /Length 5 0 R >>\nstream\n" + content + b"endstream",
        b"%d" % len(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_indirect_lengths_and_inherited_rotation_and_resources(tmp_path):
    src = hand_made_pdf(tmp_path / "gs.pdf")
    out = tmp_path / "out.pdf"
    wm.stamp_pdf(src, out, STAMP)
    check_output(src, out)
    page = PdfReader(out).pages[0]
    assert page.rotation == 90 and "Isi halaman endobj stream" in page.extract_text()


def test_a_stamped_file_is_recognised_even_without_its_info_entry(tmp_path):
    src = make_pdf(tmp_path / "plain.pdf")
    out = tmp_path / "out.pdf"
    assert not wm.carries_kiosk_stamp(src)
    wm.stamp_pdf(src, out, STAMP)
    assert wm.carries_kiosk_stamp(out)
    w = PdfWriter(clone_from=str(out))   # someone drops the document Info: the page still tells
    w.metadata = None
    bare = tmp_path / "bare.pdf"
    w.write(bare)
    assert "/PSTRequest" not in (PdfReader(bare).metadata or {})
    assert wm.carries_kiosk_stamp(bare)


def _qdf_bytes(path: Path, tmp_path: Path) -> bytes:
    """Every object uncompressed, nothing packed in object streams: what a curious reader can see.

    qpdf rewrites only the objects reachable from the trailer, so an orphaned earlier stamp would
    not show here; ``_every_stream_inflated`` adds every Flate stream found anywhere in the raw
    bytes (object streams included), reachable or not."""
    flat = tmp_path / (path.stem + ".qdf.pdf")
    subprocess.run([QPDF, "--qdf", "--object-streams=disable", str(path), str(flat)], check=True)
    return flat.read_bytes() + _every_stream_inflated(path.read_bytes())


def _every_stream_inflated(data: bytes) -> bytes:
    found = [data]
    for m in re.finditer(rb"stream\r?\n", data):
        try:
            found.append(zlib.decompressobj().decompress(data[m.end():]))
        except zlib.error:
            continue   # not Flate (or not a stream at all): its raw bytes are already in `data`
    return b"\n".join(found)


@pytest.mark.parametrize("streams", [False, True], ids=["xref-table", "object-streams"])
def test_restamping_a_softcopy_keeps_no_byte_of_the_earlier_visitor(tmp_path, streams):
    if not QPDF:
        pytest.skip("qpdf not installed: cannot decompress the output (apt-get install qpdf)")
    src = odd_pages(tmp_path)
    if streams:
        src = object_streams(src, tmp_path / "os.pdf")
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    wm.stamp_pdf(src, first, STAMP)
    other = wm.Stamp("Siti Rahmawati", "siti.r@example.org", dt.datetime(2026, 11, 25, 14, 30), "SC-20261125-0042",
                     "BPS Kota Contoh")
    wm.stamp_pdf(first, second, other)
    flat = _qdf_bytes(second, tmp_path)
    for secret in (STAMP.name, STAMP.email, NUMBER, "Andi", "andi.saputra", "20261124"):
        assert secret.encode() not in flat, f"{secret!r} of the first visitor survives in the second softcopy"
        assert secret.encode("utf-16-be") not in flat
    reader = PdfReader(second)
    for n, page in enumerate(reader.pages):
        text = page.extract_text()
        assert "Andi" not in text and "SC-20261125-0042" in text, f"page {n + 1}"
    assert reader.metadata["/PSTRequest"] == "SC-20261125-0042"
    assert subprocess.run([QPDF, "--check", str(second)], capture_output=True).returncode == 0


SECOND = wm.Stamp("Siti Rahmawati", "siti.r@example.org", dt.datetime(2026, 11, 25, 14, 30), "SC-20261125-0042",
                  "BPS Kota Contoh")


def _assert_first_visitor_gone(path: Path, tmp_path: Path) -> None:
    flat = _qdf_bytes(path, tmp_path)
    for secret in (STAMP.name, STAMP.email, NUMBER, wm.stamp_name(NUMBER)):
        assert secret.encode() not in flat, f"{secret!r} of the first visitor survives"
    assert all("SC-20261125-0042" in p.extract_text() for p in PdfReader(path).pages)


def _assert_only_the_new_stamp_is_painted(path: Path) -> None:
    painted = set(re.findall(rb"/PSTStamp\w* Do", _every_stream_inflated(path.read_bytes())))
    assert painted == {wm.stamp_name(SECOND.request_number).encode() + b" Do"}


def test_a_softcopy_edited_after_stamping_still_loses_the_earlier_stamp(tmp_path):
    """Someone merged each page's content streams (qpdf --coalesce-contents): the stamp's paint
    operator is now inside the page's own content and is taken out of it."""
    if not QPDF:
        pytest.skip("qpdf not installed (apt-get install qpdf)")
    first, merged, second = tmp_path / "first.pdf", tmp_path / "merged.pdf", tmp_path / "second.pdf"
    wm.stamp_pdf(make_pdf(tmp_path / "plain.pdf"), first, STAMP)
    subprocess.run([QPDF, "--coalesce-contents", str(first), str(merged)], check=True)
    result = wm.stamp_pdf(merged, second, SECOND)
    assert result.removed >= 1
    _assert_first_visitor_gone(second, tmp_path)
    _assert_only_the_new_stamp_is_painted(second)


def test_a_stamped_page_nested_in_another_document_is_found_and_cleaned(tmp_path):
    """A softcopy page placed as a picture inside another PDF (n-up, a scan of a print…)."""
    import pikepdf

    first = tmp_path / "first.pdf"
    wm.stamp_pdf(make_pdf(tmp_path / "plain.pdf", pages=1), first, STAMP)
    nested = tmp_path / "nested.pdf"
    with pikepdf.Pdf.open(first) as stamped, pikepdf.Pdf.new() as book:
        book.add_blank_page(page_size=(595, 842))
        page = book.pages[0]
        form = book.copy_foreign(stamped.pages[0].as_form_xobject())
        name = page.add_resource(form, pikepdf.Name.XObject)
        page.contents_add(book.make_stream(f"q 0.5 0 0 0.5 0 0 cm {name} Do Q".encode()))
        book.save(nested)
    assert wm.carries_kiosk_stamp(nested)
    second = tmp_path / "second.pdf"
    assert wm.stamp_pdf(nested, second, SECOND).removed == 1
    _assert_first_visitor_gone(second, tmp_path)
    _assert_only_the_new_stamp_is_painted(second)


# --- any name, legibly (issue 11.13) ---

PDFTOTEXT = shutil.which("pdftotext")
NAMES = {
    "arabic": "محمد بن عبد الله",
    "jawi": "ڤوتري چهاي ڠاڠ",           # Indonesian/Malay written in Jawi: letters Arabic lacks (ڤ چ ڠ)
    "chinese": "王小明",
    "japanese": "山田 太郎",
    "korean": "김민준",
    "vietnamese": "Nguyễn Thị Ánh",
}


def _text(path: Path, page: int = 1) -> str:
    run = subprocess.run([PDFTOTEXT, "-raw", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True,
                         text=True, check=True)
    return run.stdout


def _letters(text: str) -> str:
    """The text compared without spacing, bidi marks, Arabic joining forms or ligatures."""
    import unicodedata

    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return "".join(unicodedata.normalize("NFKC", text).split())


CJK = ("chinese", "japanese", "korean")


@pytest.mark.parametrize("script", sorted(NAMES))
def test_a_name_in_any_script_is_stamped_legibly(tmp_path, script):
    from kiosk.core import stamp

    if script in CJK and not any(path.exists() for _n, path, _i in stamp.SYSTEM):
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
    name = NAMES[script]
    out = tmp_path / "out.pdf"
    wm.stamp_pdf(make_pdf(tmp_path / "plain.pdf", pages=2), out, wm.Stamp(name, "pembaca@example.org",
                                                                          STAMP.when, NUMBER, "BPS Kota Contoh"))
    for page in PdfReader(out).pages:
        seen = _letters(page.extract_text())
        assert "?" not in seen
        assert _letters(name) in seen, f"{name!r} not in {seen!r}"


def _word_boxes(path: Path) -> list[tuple[str, float, float, float, float]]:
    html = subprocess.run([PDFTOTEXT, "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [(w, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, w in re.findall(
        r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>', html)]


LONG_NAME = ("MUHAMMAD WIRAWAN DWIKORITA KUSUMANEGARA HADININGRAT WICAKSONO PRAWIROATMODJO "
             "SOERJOSOEMARNO WIGNYODIPOERO SASTROAMIDJOJO")[:120]


@pytest.mark.parametrize("name", [LONG_NAME, "W" * 120], ids=["long", "widest"])
@pytest.mark.parametrize("size", [(595, 842), (842, 595), (298, 420)], ids=["a4", "landscape", "a6"])
def test_a_120_character_name_stays_inside_the_page(tmp_path, size, name):
    if not PDFTOTEXT:
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")
    assert len(name) == 120
    out = tmp_path / "out.pdf"
    long_mail = "muhammad.wirawan.dwikorita.kusumanegara.hadiningrat@universitas-negeri-contoh.ac.id"
    wm.stamp_pdf(make_pdf(tmp_path / "plain.pdf", pages=1, sizes=(size,)), out,
                 wm.Stamp(name, long_mail, STAMP.when, NUMBER, "BPS Kota Contoh"))
    boxes = _word_boxes(out)
    w, h = size
    for word, x0, y0, x1, y1 in boxes:
        assert -0.5 <= x0 and x1 <= w + 0.5 and -0.5 <= y0 and y1 <= h + 0.5, f"{word!r} leaves the page"
    seen = _letters(_text(out))
    assert _letters(name) in seen and _letters(long_mail) in seen and NUMBER in seen


def test_without_a_cjk_font_such_a_name_becomes_question_marks_not_an_error(tmp_path):
    code = textwrap.dedent(f"""
        import datetime as dt, sys
        from pathlib import Path
        from kiosk.core import stamp, watermark as wm
        stamp.SYSTEM = ()          # as on a kiosk without fonts-wqy-microhei
        s = wm.Stamp("王小明 Wang", "wang@example.org", dt.datetime(2026, 11, 24, 9, 5), "{NUMBER}", "BPS")
        wm.stamp_pdf(Path(sys.argv[1]), Path(sys.argv[2]), s)
    """)
    out = tmp_path / "out.pdf"
    run = subprocess.run([sys.executable, "-c", code, str(make_pdf(tmp_path / "plain.pdf", pages=1)), str(out)],
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == 0, run.stderr
    assert "fonts-wqy-microhei" in run.stderr           # the log says what to install
    text = _letters(PdfReader(out).pages[0].extract_text())
    assert "???Wang" in text and NUMBER in text


def test_a_damaged_but_repairable_file_is_repaired_by_qpdf_and_stamped(tmp_path):
    """Cross-reference offsets all wrong (a file cut and re-joined by a careless upload): qpdf
    rebuilds the table from the objects themselves, and the copy comes out whole."""
    src = make_pdf(tmp_path / "plain.pdf", pages=3)
    data = src.read_bytes()
    xref = data.rindex(b"\nxref") + 1
    table = re.sub(rb"\d{10} 00000 n", b"0000000042 00000 n", data[xref:])
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data[:xref] + table)
    out = tmp_path / "out.pdf"
    assert wm.stamp_pdf(broken, out, STAMP).pages == 3
    check_output(src, out)


@pytest.mark.parametrize("name", ["tab\there\nnew line\x00", "Andi \udcff Saputra", "😀 Andi 🇮🇩", "\u200f\u200e",
                                  "a" * 2000, "Siti Nurhaliza (سيتي نورحاليزا)"],
                         ids=["controls", "undecodable-byte", "emoji", "marks-only", "2000-chars", "mixed-direction"])
def test_whatever_the_name_the_stamp_is_made_and_stays_on_the_page(tmp_path, name):
    """Names as a command line or a hostile visitor may give them: never an exception, never off the page."""
    out = tmp_path / "out.pdf"
    wm.stamp_pdf(make_pdf(tmp_path / "plain.pdf", pages=1), out, wm.Stamp(name, "x@example.org", STAMP.when,
                                                                           NUMBER, "BPS Kota Contoh"))
    assert NUMBER in PdfReader(out).pages[0].extract_text()
    if PDFTOTEXT:
        for word, x0, y0, x1, y1 in _word_boxes(out):
            assert -0.5 <= x0 and x1 <= 595.5 and -0.5 <= y0 and y1 <= 842.5, f"{word!r} leaves the page"
