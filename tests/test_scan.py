"""A scan request end to end: SANE's test device (private SANE_CONFIG_DIR) or a scan folder fed by the
test → grey 150 dpi pages ≤ 150 KB → one PDF stamped for the visitor → the outbox → a real SMTP
server on loopback; faults keep the pages and send nothing; the images go once the softcopy is stored."""
from __future__ import annotations

import email
import email.policy
import io
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from kiosk.core import catalog_import, scan, softcopy
from kiosk.core.errors import LimitReached, ValidationError
from kiosk.core.models import OutboxMail, RequestStatus, SoftcopyItem, SoftcopyRequest
from kiosk.core.ports import ScanFault, ScannerError
from kiosk.i18n import gettext_for
from helpers import REPO, make_runtime
from pg_server import free_port
from smtp_helpers import Server, mail_config
from sane_helpers import sane_test_device

needs_sane = pytest.mark.skipif(shutil.which("scanimage") is None, reason="apt-get install sane-utils libsane1")

SANE = {'kind = "none"': 'kind = "sane"', 'device = ""\n# sane: dots': 'device = "test:0"\n# sane: dots'}


def folder_config(tmp_path: Path, **more: str) -> dict[str, str]:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    return {'kind = "none"': 'kind = "folder"', 'folder = "data/scan-inbox"': f'folder = "{inbox}"', **more}


@pytest.fixture
def sane(tmp_path, monkeypatch):
    """SANE's test device, drawing a grid (a page with detail, not a black square)."""
    return lambda **options: sane_test_device(tmp_path / "sane", monkeypatch, test_picture='"Grid"', **options)


def make_pdf(path: Path, text: str, pages: int) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(595, 842))
    for n in range(pages):
        c.setFont("Helvetica", 24)
        c.drawString(72, 760, f"{text} {n + 1}")
        c.showPage()
    c.save()
    return path


def stamped_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def qpdf_check(path: Path) -> None:
    run = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


@needs_sane
def test_three_pages_one_deleted_two_stamped_pages_arrive_and_the_images_are_gone(tmp_path, sane):
    sane()
    server = Server(free_port()).start()
    try:
        rt = make_runtime(tmp_path, replace={**SANE, **mail_config(server.port),
                                             "resolution = 150": "resolution = 300"})
        batch = scan.ScanBatch.new(rt.settings)
        for _ in range(3):
            batch.add(rt.scanner)
        first, _second, third = batch.pages
        for page in batch.pages:          # sent as grey 150 dpi, at most 150 KB, with a small preview
            with Image.open(page.image(batch.folder)) as im:
                assert im.mode == "L" and im.info["dpi"] == (150, 150) and im.size == (1181, 1181)
            assert page.image(batch.folder).stat().st_size <= 150 * 1024
            with Image.open(page.thumbnail(batch.folder)) as thumb:
                assert max(thumb.size) == scan.THUMB_PX
        assert not list((batch.folder / "raw").iterdir())      # the scanner's raw images are gone at once
        batch.delete(1)
        assert batch.pages == [first, third]

        outcome = scan.send(rt.settings, rt.clock, batch, name="Siti Rahmawati", email="siti@gmail.com",
                            title="Statistik Daerah 1998 (cetak)", terms_accepted=True, visit_id=None)
        assert outcome.status == RequestStatus.QUEUED
        assert not batch.folder.exists()                       # the page images went once it was stored
        pdf = outcome.files[0]
        qpdf_check(pdf)
        texts = stamped_pages(pdf)
        assert len(texts) == 2
        assert all("Siti Rahmawati" in t and "siti@gmail.com" in t and outcome.number in t for t in texts)
        item = SoftcopyItem.get()
        assert (item.publication_id, item.title) == (None, "Statistik Daerah 1998 (cetak)")

        assert softcopy.deliver_now(rt.settings, rt.clock, rt.mailer, outcome) == RequestStatus.SENT
        [(_from, to, raw)] = server.sink.received
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert to == ["siti@gmail.com"] and "Statistik Daerah 1998 (cetak)" in msg.get_body(("plain",)).get_content()
        [attachment] = list(msg.iter_attachments())
        assert attachment.get_payload(decode=True) == pdf.read_bytes()
        rt.close()
    finally:
        server.stop()


@needs_sane
def test_the_scanner_failing_mid_batch_keeps_the_pages_and_sends_nothing(tmp_path, sane):
    folder = sane()
    rt = make_runtime(tmp_path, replace=SANE)
    batch = scan.ScanBatch.new(rt.settings)
    batch.add(rt.scanner)
    batch.add(rt.scanner)
    kept = list(batch.pages)
    for status, fault in (('"SANE_STATUS_IO_ERROR"', ScanFault.LOST), ('"SANE_STATUS_JAMMED"', ScanFault.JAMMED),
                          ('"SANE_STATUS_COVER_OPEN"', ScanFault.COVER_OPEN),
                          ('"SANE_STATUS_DEVICE_BUSY"', ScanFault.BUSY)):
        sane_test_device(folder, pytest.MonkeyPatch(), test_picture='"Grid"', read_status_code=status)
        with pytest.raises(ScannerError) as err:
            batch.add(rt.scanner)
        assert err.value.reason == fault
        assert batch.pages == kept and scan.ScanBatch.load(rt.settings, batch.id).pages == kept
        assert gettext_for("id", err.value.visitor_message) != err.value.visitor_message   # translated
    # a retake that fails leaves the old page where it was
    with pytest.raises(ScannerError):
        batch.retake(0, rt.scanner)
    assert batch.pages == kept and all(p.image(batch.folder).exists() for p in kept)
    assert SoftcopyRequest.select().count() == 0 and OutboxMail.select().count() == 0
    # the scanner is back: the visitor goes on with the same pages
    sane_test_device(folder, pytest.MonkeyPatch(), test_picture='"Grid"')
    batch.retake(0, rt.scanner)
    batch.add(rt.scanner)
    assert len(batch.pages) == 3 and batch.pages[1] == kept[1] and batch.pages[0] != kept[0]
    assert not kept[0].image(batch.folder).exists()     # the replaced page is gone
    rt.close()


@needs_sane
def test_the_page_limit_says_why(tmp_path, sane):
    sane()
    rt = make_runtime(tmp_path, replace={**SANE, "max_pages = 20": "max_pages = 2"})
    batch = scan.ScanBatch.new(rt.settings)
    batch.add(rt.scanner)
    batch.add(rt.scanner)
    with pytest.raises(LimitReached) as err:
        batch.add(rt.scanner)
    assert "copyright" in err.value.visitor_message and len(batch.pages) == 2
    assert "hak cipta" in gettext_for("id", err.value.visitor_message)
    rt.close()


@needs_sane
def test_stamping_that_fails_sends_nothing_and_keeps_the_pages(tmp_path, sane):
    sane()
    rt = make_runtime(tmp_path, replace=SANE)
    batch = scan.ScanBatch.new(rt.settings)
    batch.add(rt.scanner)
    # where the request's stamped copy must go there is a file: the copy cannot be written
    blocker = softcopy.softcopy_dir(rt.settings) / "SC-20261124-0001"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")
    with pytest.raises(softcopy.RequestFailed) as err:
        scan.send(rt.settings, rt.clock, batch, name="Siti", email="siti@gmail.com", title="Buku", terms_accepted=True)
    assert "pages are kept" in err.value.visitor_message
    assert SoftcopyRequest.get().status == RequestStatus.FAILED and OutboxMail.select().count() == 0
    assert len(batch.pages) == 1 and batch.pages[0].image(batch.folder).exists()
    assert not list(batch.folder.glob("assembled-*"))
    blocker.unlink()
    outcome = scan.send(rt.settings, rt.clock, batch, name="Siti", email="siti@gmail.com", title="Buku",
                        terms_accepted=True)
    assert outcome.status == RequestStatus.QUEUED and len(stamped_pages(outcome.files[0])) == 1
    rt.close()


def test_the_form_and_the_catalogue(tmp_path):
    rt = make_runtime(tmp_path, replace=folder_config(tmp_path))
    settings = rt.settings
    src = tmp_path / "incoming"
    src.mkdir()
    pub, _ = catalog_import.import_file(settings, rt.clock, make_pdf(src / "a.pdf", "Statistik Daerah", 1),
                                        {"year": 2024})
    closed, _ = catalog_import.import_file(settings, rt.clock, make_pdf(src / "b.pdf", "Tertutup", 1),
                                           {"year": 2024, "softcopy_allowed": "tidak"})
    batch = scan.ScanBatch.new(settings)
    with pytest.raises(ValidationError) as err:
        scan.check(settings, batch, "", "not an address", "", None, False)
    assert set(err.value.errors) == {"name", "email", "title", "pages", "terms"}
    Image.new("L", (1240, 1754), 255).save(tmp_path / "inbox" / "p1.png", dpi=(150, 150))
    batch.add(rt.scanner)
    assert scan.check(settings, batch, "Siti", "Siti@Gmail.com", "", pub.id, True)[1:3] == (
        "Siti@gmail.com", scan.Source(pub.title, 2024))
    with pytest.raises(softcopy.SoftcopyRefused):       # no copies of it: its printed pages neither
        scan.check(settings, batch, "Siti", "siti@gmail.com", "", closed.id, True)
    rt.close()


def test_the_folder_kind_takes_images_and_pdfs_and_refuses_bad_files(tmp_path):
    rt = make_runtime(tmp_path, replace=folder_config(tmp_path, **{"max_file_mb = 50": "max_file_mb = 1"}))
    inbox = tmp_path / "inbox"
    batch = scan.ScanBatch.new(rt.settings)
    with pytest.raises(ScannerError) as err:                 # nothing there yet
        batch.add(rt.scanner)
    assert err.value.reason == ScanFault.NO_PAGE
    # a 300 dpi colour JPEG: sent grey at 150 dpi
    Image.new("RGB", (2480, 3508), (200, 180, 160)).save(inbox / "scan0001.jpg", dpi=(300, 300))
    batch.add(rt.scanner)
    assert (batch.pages[0].width, batch.pages[0].height) == (1240, 1754)
    assert not (inbox / "scan0001.jpg").exists()             # taken out of the share
    make_pdf(inbox / "scan0002.pdf", "Halaman dari printer", 2)
    batch.add(rt.scanner)                                    # one PDF, two pages
    assert len(batch.pages) == 3
    # unreadable, then huge: each refused with its reason, moved aside, the pages kept
    (inbox / "scan0003.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(ScannerError) as err:
        batch.add(rt.scanner)
    assert err.value.reason == ScanFault.UNREADABLE and (inbox / "rejected" / "scan0003.jpg").exists()
    (inbox / "scan0004.png").write_bytes(b"\x89PNG" + bytes(2 * 1024 * 1024))
    with pytest.raises(ScannerError) as err:
        batch.add(rt.scanner)
    assert err.value.reason == ScanFault.TOO_LARGE and (inbox / "rejected" / "scan0004.png").exists()
    assert len(batch.pages) == 3 and not list(inbox.glob("scan*"))
    # a page is reordered, then sent to a file for staff
    third = batch.pages[2]
    batch.move(2, 0)
    assert batch.pages[0] == third
    out = tmp_path / "handed" / "scan.pdf"
    outcome = scan.send(rt.settings, rt.clock, batch, name="Budi", email="budi@example.com", title="Peta lama",
                        terms_accepted=True, out=out, limits=False)
    assert outcome.status == RequestStatus.HANDED_OVER and len(stamped_pages(out)) == 3
    qpdf_check(out)
    rt.close()


def test_the_folder_is_missing(tmp_path):
    rt = make_runtime(tmp_path, replace=folder_config(tmp_path))
    shutil.rmtree(tmp_path / "inbox")
    with pytest.raises(ScannerError) as err:
        scan.ScanBatch.new(rt.settings).add(rt.scanner)
    assert err.value.reason == ScanFault.NO_SCANNER
    rt.close()


def test_an_unfinished_batch_is_deleted_after_hours(tmp_path):
    rt = make_runtime(tmp_path)
    old = scan.ScanBatch.new(rt.settings)
    manifest = old.folder / scan.MANIFEST
    stamp = manifest.stat().st_mtime - 7 * 3600
    import os
    os.utime(manifest, (stamp, stamp))
    fresh = scan.ScanBatch.new(rt.settings)       # a new batch cleans up what a crash left behind
    assert not old.folder.exists() and fresh.folder.exists()
    rt.close()


def kiosk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=120)


@needs_sane
def test_cli_scan_and_status(tmp_path, sane):
    folder = sane()
    rt = make_runtime(tmp_path, replace=SANE)
    config = str(rt.settings.source)
    rt.close()
    status = kiosk("--config", config, "scanner", "status")
    assert status.returncode == 0 and "sane test:0: ready" in status.stdout, status.stderr
    run = kiosk("--config", config, "scan", "--pages", "2", "--title", "Buku cetak", "--name", "Budi",
                "--email", "budi@example.com", "--out", str(tmp_path / "budi.pdf"))
    assert run.returncode == 0, run.stderr
    assert len(stamped_pages(tmp_path / "budi.pdf")) == 2
    # the device fails on the second page: one line, the first page kept, nothing sent
    sane_test_device(folder, pytest.MonkeyPatch(), test_picture='"Grid"', read_status_code='"SANE_STATUS_JAMMED"')
    run = kiosk("--config", config, "scan", "--pages", "2", "--title", "Buku", "--name", "Budi",
                "--email", "budi@example.com")
    assert run.returncode == 1 and run.stderr.count("\n") == 1 and "0 page(s) kept, nothing sent" in run.stderr
    status = kiosk("--config", config, "scanner", "status")
    assert status.returncode == 0        # opening the device works; only reading a page jams


@needs_sane
def test_the_idle_reset_during_a_scan_leaves_no_page_behind(tmp_path, sane):
    # the screen's worker has two threads: the visitor's scan may still be running when the idle reset
    # discards the batch; the discard waits for it, and no page (nor manifest) is written after
    sane(read_delay="true", read_delay_duration="20000")
    rt = make_runtime(tmp_path, replace=SANE)
    batch = scan.ScanBatch.new(rt.settings)
    batch.add(rt.scanner)
    outcome: list = []

    def visitor() -> None:
        try:
            outcome.append(batch.add(rt.scanner))
        except Exception as exc:   # noqa: BLE001  (looked at below)
            outcome.append(exc)

    worker = threading.Thread(target=visitor)
    worker.start()
    while not (batch.folder / "raw").exists() or not any((batch.folder / "raw").iterdir()):
        if not worker.is_alive():
            break
        time.sleep(0.01)           # scanimage has begun writing the page
    batch.discard()
    worker.join(60)
    assert not worker.is_alive() and not batch.folder.exists() and batch.pages == []
    with pytest.raises(scan.BatchGone):
        batch.add(rt.scanner)
    rt.close()


def test_a_file_the_printer_is_still_writing_or_that_vanishes_is_not_taken(tmp_path):
    rt = make_runtime(tmp_path, replace=folder_config(tmp_path))
    inbox = tmp_path / "inbox"
    batch = scan.ScanBatch.new(rt.settings)
    growing = inbox / "scan0001.jpg"
    buf = io.BytesIO()
    Image.new("L", (1240, 1754), 230).save(buf, format="JPEG", dpi=(150, 150))
    data = buf.getvalue()
    assert len(data) > 64 * 100          # more than a second of the slow writer below
    growing.write_bytes(data[:1000])
    stop = threading.Event()

    def printer() -> None:      # the multifunction printer still writing its file, a little at a time
        written = 1000
        while written < len(data) and not stop.is_set():
            with growing.open("ab") as fh:
                fh.write(data[written:written + 64])
            written += 64
            time.sleep(0.01)

    writer = threading.Thread(target=printer)
    writer.start()
    try:
        with pytest.raises(ScannerError) as err:
            batch.add(rt.scanner)
        assert err.value.reason == ScanFault.NO_PAGE and growing.exists()     # left for the printer to finish
    finally:
        stop.set()
        writer.join(10)
    # a file removed (staff tidying the share) while the kiosk looks at it: no page, nothing half-taken
    growing.write_bytes(data)
    remover = threading.Timer(0.1, growing.unlink)
    remover.start()
    with pytest.raises(ScannerError) as err:
        batch.add(rt.scanner)
    remover.join()
    assert err.value.reason == ScanFault.NO_PAGE and batch.pages == []
    assert not list((batch.folder / "raw").glob("*"))
    rt.close()
