"""A visitor takes a queue number on the real window: tiles, the ticket screen, the printer."""
from __future__ import annotations

import dataclasses

from kivy.clock import Clock

from kiosk.core.journey import next_step
from kiosk.core.models import Ticket
from kiosk.devices.printer import make_printer
from kiosk.ui.screens.service import ServiceTile
from kiosk.ui.widgets.common import Tile
from fake_printer import FakeNetworkPrinter, free_closed_port
from ui.kiosk_ui import KioskUITest


class QueueUITest(KioskUITest):

    def service_tile(self, code: str) -> ServiceTile:
        return next(t for t in self.screen("service").tiles() if t.code == code)

    def network_printer(self, port: int, timeout_s: float = 0.5):
        return make_printer(dataclasses.replace(self.runtime.settings.printer, kind="network", host="127.0.0.1",
                                                port=port, timeout_s=timeout_s))

    def test_tapping_a_service_shows_and_prints_the_same_number(self):
        app = self.start()
        welcome_tile = next(w for w in app.root.walk(restrict=True) if isinstance(w, Tile)
                            and getattr(w, "journey", None) == "service")
        self.tap(welcome_tile)
        assert app.manager.current == "service"
        service = self.screen("service")
        self.wait_for(lambda: self.service_tile("A").waiting == 0)
        texts = self.all_texts()
        assert "Pilih layanan" in texts and "Perpustakaan" in texts and "Tidak ada antrean" in texts

        self.tap(self.service_tile("A"))
        self.wait_for(lambda: app.manager.current == "ticket" and self.screen("ticket").state == "printed")
        ticket_screen = self.screen("ticket")
        assert ticket_screen.ids.number.text == "A-001"
        assert "Silakan ambil karcis Anda" in self.all_texts()
        assert "Tidak ada antrean sebelum Anda" in self.all_texts()
        printed = list((self.tmp_path / "data" / "printer").glob("*.bin"))
        assert len(printed) == 1 and b"A-001" in printed[0].read_bytes()
        ticket = Ticket.get_by_id(app.session.ticket_id)
        assert ticket.number == "A-001" and ticket.language == "id" and ticket.printed_at is not None

        # a second visitor sees one person waiting ahead of them
        app.go("service")
        self.wait_for(lambda: self.service_tile("A").waiting == 1)
        assert "1 orang menunggu" in self.all_texts()
        self.tap(self.service_tile("A"))
        self.wait_for(lambda: ticket_screen.number == "A-002" and ticket_screen.state == "printed")
        assert "1 orang menunggu sebelum Anda" in self.all_texts()
        self.tap(ticket_screen.ids.next)
        assert app.manager.current == next_step("ticket", app.available_screens) != "ticket"
        assert app.session.ticket_id is not None       # the next steps link the visit to this ticket
        assert service.busy is False

    def test_printer_failure_keeps_the_number_and_reprint_works_in_english(self):
        app = self.start()
        self.runtime.printer = self.network_printer(free_closed_port())
        self.tap(app.root.ids.header.ids.lang_toggle.ids.lang_en)
        app.go("service")
        self.advance_frames(2)
        self.tap(self.service_tile("B"))
        ticket_screen = self.screen("ticket")
        self.wait_for(lambda: ticket_screen.state == "failed")
        assert ticket_screen.ids.number.text == "B-001"
        texts = self.all_texts()
        assert "Printer problem — please note your number, or ask the staff." in texts
        assert "Statistical Consultation" in texts
        ticket = Ticket.get_by_id(app.session.ticket_id)
        assert ticket.print_failed and ticket.language == "en"

        self.runtime.printer = make_printer(self.runtime.settings.printer)     # staff fixed it: dummy again
        self.tap(ticket_screen.ids.reprint)
        self.wait_for(lambda: ticket_screen.state == "printed")
        assert "Please take your ticket" in self.all_texts()
        ticket = Ticket.get_by_id(ticket.id)
        assert not ticket.print_failed and ticket.reprints == 1
        printed = list((self.tmp_path / "data" / "printer").glob("*B-001*.bin"))
        assert len(printed) == 1 and b"Statistical Consultation" in printed[0].read_bytes()

    def test_a_printer_that_hangs_does_not_freeze_the_screen(self):
        # No wall clock (a loaded machine made 1.5 s fail): the printer hangs until the test lets go, and
        # meanwhile the window must keep drawing frames with the number on it. Printing on the UI thread
        # would block inside the tap, and no frame would show the number while the printer hangs.
        app = self.start()
        server = FakeNetworkPrinter("silent")          # accepts, then never reads nor answers
        try:
            self.runtime.printer = self.network_printer(server.port, timeout_s=60.0)
            app.go("service")
            self.advance_frames(2)
            ticket_screen = self.screen("ticket")
            frames: dict[str, list[int]] = {"ticked": [], "drawn": []}

            def count(kind: str) -> None:
                if (app.manager.current == "ticket" and ticket_screen.ids.number.text == "C-001"
                        and ticket_screen.state == "printing"):
                    frames[kind].append(server.connections)

            ticking = Clock.schedule_interval(lambda dt: count("ticked"), 0)     # every frame the UI loop runs
            on_flip = lambda *_: count("drawn")                                  # noqa: E731  (frames drawn)
            self.Window.bind(on_flip=on_flip)
            try:
                self.tap(self.service_tile("C"))
                self.wait_for(lambda: len(frames["ticked"]) >= 20 and frames["drawn"],
                              what="20 frames with the number on screen while printing")
            finally:
                ticking.cancel()
                self.Window.unbind(on_flip=on_flip)
            # those frames ran while the printer held the connection without a word
            frames_with_number = frames["ticked"]
            # those frames were drawn while the printer held the connection without a word
            assert frames_with_number[-1] == 1 and server.received == bytearray()
            assert ticket_screen.state == "printing" and "Mencetak karcis…" in self.all_texts()
        finally:
            server.close()                             # the printer gives up: the kiosk hears it at once
        self.wait_for(lambda: ticket_screen.state == "failed")
        assert ticket_screen.ids.number.text == "C-001"
        assert Ticket.get(Ticket.number == "C-001").print_failed

    def test_idle_reset_forgets_the_number(self):
        app = self.start()
        app.go("service")
        self.advance_frames(2)
        self.tap(self.service_tile("D"))
        self.wait_for(lambda: self.screen("ticket").state == "printed")
        app.finish_visit()
        self.advance_frames(2)
        assert app.manager.current == "welcome" and app.session.ticket_id is None
        assert self.screen("ticket").number == "" and self.screen("ticket").state == ""

    # --- the phone page's QR on the ticket screen (issue 15.5) ---

    def test_ticket_screen_shows_the_same_phone_qr_as_the_paper(self):
        import qrcode

        from kiosk.core.models import TicketLink

        app = self.start(replace={'public_url = "http://127.0.0.1:8080"': 'public_url = "https://pst.example"'})
        app.go("service")
        self.advance_frames(2)
        self.tap(self.service_tile("A"))
        ticket_screen = self.screen("ticket")
        self.wait_for(lambda: ticket_screen.state == "printed" and ticket_screen.qr is not None, what="the QR")
        self.advance_frames(2)
        token = TicketLink.get(TicketLink.ticket == app.session.ticket_id).token
        url = f"https://pst.example/q/{token}"
        printed = next((self.tmp_path / "data" / "printer").glob("*.bin")).read_bytes()
        assert url.encode() in printed                              # the paper carries the same link
        image = ticket_screen.ids.qr
        assert image.texture is ticket_screen.qr and ticket_screen.ids.qr_box.opacity == 1
        assert image.width >= 150 and image.height >= 150 and image.get_root_window() is not None
        # the texture is that link's QR, module for module
        code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(url)
        code.make(fit=True)
        rows = code.get_matrix()
        want = b"".join(b"\x00\x00\x00\xff" if c else b"\xff\xff\xff\xff" for row in reversed(rows) for c in row)
        assert image.texture.size == (len(rows), len(rows)) and bytes(image.texture.pixels) == want
        assert "Pindai untuk memantau nomor Anda di ponsel" in self.all_texts()
        app.finish_visit()
        self.advance_frames(2)
        assert ticket_screen.qr is None

    def test_no_public_url_shows_no_qr(self):
        # nothing a phone could open: no code on paper or screen, the number as always
        app = self.start(replace={'public_url = "http://127.0.0.1:8080"': 'public_url = ""'})
        app.go("service")
        self.advance_frames(2)
        self.tap(self.service_tile("A"))
        ticket_screen = self.screen("ticket")
        self.wait_for(lambda: ticket_screen.state == "printed")
        self.advance_frames(3)
        assert ticket_screen.qr is None and ticket_screen.ids.qr_box.height == 0
        assert ticket_screen.ids.number.text == "A-001"
        assert "Pindai untuk memantau nomor Anda di ponsel" not in self.all_texts()
