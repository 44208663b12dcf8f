"""Scan from a book in a real window: SANE's test device (private SANE_CONFIG_DIR), a real SMTP server on
loopback. Three pages scanned, one deleted, sent: the visitor's mail carries a PDF of 2 stamped pages."""
from __future__ import annotations

import email
import email.policy
import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from kiosk.core import scan
from kiosk.core.models import OutboxMail, SoftcopyItem, SoftcopyRequest
from kiosk.ui.widgets.common import Tile
from pg_server import free_port
from smtp_helpers import Server, mail_config
from sane_helpers import sane_test_device
from ui.kiosk_ui import KioskUITest

pytestmark = pytest.mark.skipif(shutil.which("scanimage") is None, reason="apt-get install sane-utils libsane1")

SANE = {'kind = "none"': 'kind = "sane"', 'device = ""\n# sane: dots': 'device = "test:0"\n# sane: dots'}


class ScanUITest(KioskUITest):

    @pytest.fixture(autouse=True)
    def _sane(self, tmp_path, monkeypatch):
        self.sane_dir = sane_test_device(tmp_path / "sane", monkeypatch, test_picture='"Grid"')
        self.monkeypatch = monkeypatch

    def open_scan(self, port: int):
        app = self.start("welcome", replace={**SANE, **mail_config(port)})
        app.session.visitor_name, app.session.visitor_email = "Siti Rahmawati", "siti.rahmawati@gmail.com"
        tile = next(w for w in app.root.walk(restrict=True) if isinstance(w, Tile) and w.journey == "scan")
        assert tile.title == "Pindai dari buku"
        self.tap(tile)
        assert app.manager.current == "scan"
        return self.screen("scan")

    def type_title(self, screen, title: str) -> None:
        self.tap(screen.ids.search)
        self.type_on_keyboard(screen.ids.source_keyboard, title)
        self.tap(screen.ids.use_title)
        assert screen.step == "pages"

    def scan_one(self, screen) -> None:
        self.tap(screen.ids.scan_button, frames=1)
        self.wait_for(lambda: not screen.busy, what="the scan")
        self.advance_frames(2)

    def test_three_pages_one_deleted_two_stamped_pages_arrive(self):
        server = Server(free_port()).start()
        try:
            screen = self.open_scan(server.port)
            self.type_title(screen, "Statistik Daerah 1998")
            for _ in range(3):
                self.scan_one(screen)
            cards = sorted(screen.ids.page_grid.children, key=lambda c: c.number)
            assert [c.number for c in cards] == [1, 2, 3]
            assert all(c.ids.preview.texture is not None for c in cards)      # the previews are shown
            assert "3 dari paling banyak 20 halaman" in self.all_texts()
            self.tap(cards[1].ids.delete, frames=1)
            self.wait_for(lambda: not screen.busy and len(screen.ids.page_grid.children) == 2, what="the deletion")
            batch_folder = screen.batch.folder
            self.tap(screen.ids.to_send)
            assert (screen.ids.name.text, screen.ids.email.text) == ("Siti Rahmawati", "siti.rahmawati@gmail.com")
            self.tap(screen.ids.send)                  # the terms first: told so, nothing stored
            self.wait_for(lambda: not screen.busy)
            self.advance_frames(1)
            assert "Silakan setujui ketentuan penggunaan untuk menerima softcopy." in self.all_texts()
            assert SoftcopyRequest.select().count() == 0
            self.tap(screen.ids.terms)
            self.tap(screen.ids.send, frames=1)
            self.wait_for(lambda: self.app.manager.current == "softcopy_done", what="the done screen")
            done = self.screen("softcopy_done")
            assert done.ids.number.text == "SC-20261124-0001"
            assert SoftcopyRequest.get().status == "sent"
            assert SoftcopyItem.get().title == "Statistik Daerah 1998"
            assert not batch_folder.exists()           # the page images are deleted once it is sent

            [(_from, to, raw)] = server.sink.received
            assert to == ["siti.rahmawati@gmail.com"]
            [attachment] = list(email.message_from_bytes(raw, policy=email.policy.default).iter_attachments())
            pdf = attachment.get_payload(decode=True)
            pages = PdfReader(io.BytesIO(pdf)).pages
            assert len(pages) == 2
            for page in pages:
                text = page.extract_text()
                assert "Siti Rahmawati" in text and "siti.rahmawati@gmail.com" in text and "SC-20261124-0001" in text
            path = self.tmp_path / "sent.pdf"
            path.write_bytes(pdf)
            check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
            assert check.returncode == 0, check.stdout
        finally:
            server.stop()

    def test_a_jammed_scanner_keeps_the_pages_and_says_so(self):
        server = Server(free_port()).start()
        try:
            screen = self.open_scan(server.port)
            self.type_title(screen, "Buku lama")
            self.scan_one(screen)
            sane_test_device(self.sane_dir, self.monkeypatch, test_picture='"Grid"',
                             read_status_code='"SANE_STATUS_JAMMED"')
            self.scan_one(screen)
            assert "Kertas tersangkut di pemindai. Silakan minta bantuan petugas PST." in self.all_texts()
            assert len(screen.ids.page_grid.children) == 1 and len(screen.batch.pages) == 1
            assert OutboxMail.select().count() == 0
            # the visitor gives up: back to the start deletes the page
            folder = screen.batch.folder
            self.tap(screen.ids.pages_back)
            self.tap(screen.ids.leave)
            self.wait_for(lambda: not folder.exists(), what="the batch deleted")
            assert self.app.manager.current == "welcome" and screen.batch is None
        finally:
            server.stop()

    def test_the_page_limit_is_explained(self):
        server = Server(free_port()).start()
        try:
            app = self.start("scan", replace={**SANE, **mail_config(server.port), "max_pages = 20": "max_pages = 1"})
            screen = self.screen("scan")
            self.type_title(screen, "Buku")
            self.scan_one(screen)
            assert screen.ids.scan_button.disabled
            assert any("hak cipta" in t for t in self.all_texts())
            assert isinstance(app.runtime.scanner, object) and len(scan.ScanBatch.load(
                app.settings, screen.batch.id).pages) == 1
        finally:
            server.stop()
