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
from kiosk.core.form_factor import COMPACT, PORTRAIT, TESTED_SIZES, form_factor
from kiosk.core.models import OutboxMail, SoftcopyItem, SoftcopyRequest
from kiosk.ui.widgets.common import Tile
from kiosk.ui.widgets.keyboard import Key
from pg_server import free_port
from smtp_helpers import Server, mail_config
from sane_helpers import sane_test_device
from ui.kiosk_ui import KioskUITest

pytestmark = pytest.mark.skipif(shutil.which("scanimage") is None, reason="apt-get install sane-utils libsane1")

SANE = {'kind = "none"': 'kind = "sane"', 'device = ""\n# sane: dots': 'device = "test:0"\n# sane: dots'}


def window_size(layout: str) -> tuple[int, int]:
    """The test window in dp for one of the screen shapes (kiosk.core.form_factor)."""
    width, height = TESTED_SIZES[layout]
    w, h = form_factor(width, height).dp_size(width, height)
    return round(w), round(h)


def rect(widget) -> tuple[float, float, float, float]:
    """Where a widget is in the window: left, bottom, right, top."""
    x1, y1 = widget.to_window(widget.x, widget.y)
    x2, y2 = widget.to_window(widget.right, widget.top)
    return x1, y1, x2, y2


def narrow_keys(keyboard) -> list[str]:
    """Keys under 80 dp either way (issue 14.4: 80 px at 1920×1080)."""
    return [f"{k.text or k.icon} {k.width:.0f}x{k.height:.0f}" for k in keyboard.walk(restrict=True)
            if isinstance(k, Key) and (k.width < 79.5 or k.height < 79.5)]


class ScanUITest(KioskUITest):

    @pytest.fixture(autouse=True)
    def _sane(self, tmp_path, monkeypatch):
        self.sane_dir = sane_test_device(tmp_path / "sane", monkeypatch, test_picture='"Grid"')
        self.monkeypatch = monkeypatch

    def open_scan(self, port: int, size: tuple[int, int] | None = None):
        app = self.start("welcome", replace={**SANE, **mail_config(port)}, **({"size": size} if size else {}))
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

    def test_in_portrait_each_step_is_stacked_and_the_next_step_is_bottom_right(self):
        """1080×1920 (issue 14.5, 14.12): the keyboard spans the width below the form with 80 dp keys, Back is
        bottom left, Scan sits below the pages (out of the top third), the next step is green, bottom right."""
        server = Server(free_port()).start()
        try:
            screen = self.open_scan(server.port, size=window_size(PORTRAIT))
            assert self.app.portrait
            width, height = self.Window.size
            ids = screen.ids
            keyboard = ids.source_keyboard
            assert narrow_keys(keyboard) == []
            assert rect(keyboard)[2] - rect(keyboard)[0] >= 1024
            assert rect(keyboard)[3] <= rect(ids.use_title)[1]          # below the form
            assert rect(ids.leave)[3] <= rect(keyboard)[1]              # Back to the start: bottom left
            assert rect(ids.leave)[2] < width / 2
            self.type_title(screen, "Statistik Daerah 1998")
            self.scan_one(screen)
            self.scan_one(screen)
            pages = ids.page_grid.parent                                # the pages' scroll area
            scan_button, next_step = rect(ids.scan_button), rect(ids.to_send)
            assert scan_button[3] <= rect(pages)[1]                     # Scan below the pages
            assert (scan_button[1] + scan_button[3]) / 2 < height * 2 / 3
            assert ids.to_send.style == "success" and next_step[0] > width / 2 and next_step[3] <= scan_button[1]
            assert rect(ids.pages_back)[2] < width / 2 and rect(ids.pages_back)[3] <= scan_button[1]
            self.tap(ids.to_send)
            keyboard = ids.send_keyboard
            assert narrow_keys(keyboard) == []
            assert rect(ids.email)[1] >= rect(keyboard)[3]              # the fields above the keyboard
            send = rect(ids.send)
            assert ids.send.style == "success" and send[0] > width / 2 and send[3] <= rect(keyboard)[1]
            assert send[1] >= 0
            self.tap(ids.terms)
            self.tap(ids.send, frames=1)
            self.wait_for(lambda: self.app.manager.current == "softcopy_done", what="the done screen")
            assert SoftcopyRequest.get().status == "sent"
        finally:
            server.stop()

    def test_on_a_1366x768_panel_the_keyboard_keeps_80_dp_keys_beside_the_form(self):
        """≈1708×960 dp: the keyboard keeps its 1,040 dp; "use the title I typed" sits above it, whole; name and
        e-mail side by side above the keyboard so the step fits 960 dp without scrolling."""
        server = Server(free_port()).start()
        try:
            screen = self.open_scan(server.port, size=window_size(COMPACT))
            assert self.app.compact
            ids = screen.ids
            keyboard = ids.source_keyboard
            assert narrow_keys(keyboard) == []
            use_title = rect(ids.use_title)
            assert use_title[1] >= rect(keyboard)[3] and use_title[0] >= rect(keyboard)[0] - 1
            label = next(w for w in ids.use_title.children if getattr(w, "text", "") == ids.use_title.text)
            assert label.texture_size[0] <= ids.use_title.width
            self.type_title(screen, "Statistik Daerah 1998")
            self.scan_one(screen)
            self.tap(ids.to_send)
            keyboard = ids.send_keyboard
            assert narrow_keys(keyboard) == []
            name, email = rect(ids.name), rect(ids.email)
            assert name[1] == email[1] and name[2] < email[0]           # side by side
            assert name[1] >= rect(keyboard)[3]
            assert rect(screen.ids.send)[1] >= 0 and rect(keyboard)[1] >= 0
        finally:
            server.stop()

    def test_the_next_step_is_the_one_green_button_bottom_right(self):
        """Landscape (issue 14.12): "Next: your e-mail" on the right half, Back on the left; on the last step
        "Send softcopy" is the green one and the terms are a checkbox, not a second green button."""
        server = Server(free_port()).start()
        try:
            screen = self.open_scan(server.port)
            ids = screen.ids
            width = self.Window.width
            self.type_title(screen, "Buku lama")
            self.scan_one(screen)
            assert rect(ids.to_send)[0] > width / 2 and rect(ids.pages_back)[2] < width / 2
            self.tap(ids.to_send)
            assert ids.send.style == "success" and not hasattr(ids.terms, "style")
            self.tap(ids.terms)
            assert ids.terms.active and screen.agreed
        finally:
            server.stop()

    def two_pages_then_larger_text(self, port: int):
        screen = self.open_scan(port)
        self.type_title(screen, "Statistik Daerah 1998")
        self.scan_one(screen)
        self.scan_one(screen)
        folder = screen.batch.folder
        self.tap(self.app.root.ids.header.ids.large_text, frames=3)
        assert self.app.large_text
        again = self.screen("scan")
        assert again is not screen
        return again, folder

    def test_larger_text_keeps_the_step_and_the_scanned_pages(self):
        """"Aa" makes the screen again at the new text size (kiosk.ui.accessibility): the visitor stays on their
        step with their pages, and goes on to send them."""
        server = Server(free_port()).start()
        try:
            screen, folder = self.two_pages_then_larger_text(server.port)
            assert (screen.step, screen.source_title, len(screen.pages)) == ("pages", "Statistik Daerah 1998", 2)
            assert len(screen.ids.page_grid.children) == 2 and folder.exists()
            self.tap(screen.ids.to_send)
            self.tap(screen.ids.terms)
            self.tap(screen.ids.send, frames=1)
            self.wait_for(lambda: self.app.manager.current == "softcopy_done", what="the done screen")
            assert SoftcopyRequest.get().status == "sent" and not folder.exists()
        finally:
            server.stop()

    def test_a_reset_with_larger_text_on_still_deletes_the_pages(self):
        """The idle reset turns larger text off first, which makes the screen again before it is cleared: the
        page images must not outlive the visit in a screen that was let go."""
        server = Server(free_port()).start()
        try:
            _screen, folder = self.two_pages_then_larger_text(server.port)
            self.app.finish_visit()
            self.wait_for(lambda: not folder.exists(), what="the pages deleted")
            assert not self.app.large_text and self.app.manager.current == "welcome"
        finally:
            server.stop()

    def test_larger_text_on_a_1366x768_panel_keeps_every_control_whole(self):
        """"Aa" (× 1.3) in the 1366×768 column beside the keyboard: 'Back' and 'Send softcopy' no longer fit
        side by side, so Back goes above; nothing is cut at the window's edge, every control stays 80 dp."""
        from kiosk.ui import accessibility
        from ui.screen_rules import screen_problems

        size = window_size(COMPACT)
        app = self.start("scan", size=size)
        for lang in ("id", "en"):
            app.set_language(lang)
            accessibility.set_large_text(app, True)
            screen = self.screen("scan")
            screen.screenshot_setup("send")
            self.advance_frames(4)
            problems = screen_problems(app.root, size)
            assert problems == [], lang
            assert rect(screen.ids.send)[2] <= size[0] and screen.ids.send.style == "success"
            app.finish_visit()
            app.go("scan")
