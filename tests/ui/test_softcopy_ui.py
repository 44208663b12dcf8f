"""The softcopy request in a real window: from the reader's "Request softcopy" to the done screen,
with the e-mail arriving at a real SMTP server on loopback."""
from __future__ import annotations

import email
import email.policy

from kiosk.core import catalog_import
from kiosk.core.models import MailStatus, OutboxMail, SoftcopyRequest
from kiosk.core.outbox import Attempt
from kiosk.ui.widgets.common import Pill
from pg_server import free_port
from smtp_helpers import Server, mail_config
from ui.kiosk_ui import KioskUITest
from pdf_helpers import make_titled_pdf


class SoftcopyUITest(KioskUITest):

    def start_with_catalogue(self, port: int, **replace: str):
        app = self.start("welcome", replace={**mail_config(port), **replace})
        src = self.tmp_path / "incoming"
        src.mkdir()
        settings, clock = self.runtime.settings, self.runtime.clock
        self.kesra, _ = catalog_import.import_file(settings, clock, make_titled_pdf(src / "kesra.pdf", "Statistik Kesejahteraan Rakyat 2024", 3),
                                            {"subject": "Sosial", "year": 2024})
        self.inflasi, _ = catalog_import.import_file(settings, clock, make_titled_pdf(src / "inflasi.pdf", "Indikator Inflasi Kota 2024", 2),
                                              {"subject": "Harga", "year": 2024, "read_only": "ya"})
        # what the guestbook leaves in the session
        app.session.visitor_name, app.session.visitor_email = "Siti Rahmawati", "siti.rahmawati@gmail.com"
        return app

    def open_form_from_the_reader(self, app):
        app.session.chosen_publications = [self.inflasi.id]     # chosen earlier; read-only
        page = self.screen("publication")
        page.show(self.kesra)
        app.go("publication")
        self.tap(page.ids.read)
        assert app.manager.current == "reader"
        reader = self.screen("reader")
        self.wait_for(lambda: reader.ids.page_view.texture is not None, what="first page")
        self.tap(reader.ids.request)
        assert app.manager.current == "softcopy"
        form = self.screen("softcopy")
        self.wait_for(lambda: len(form.rows) == 2, what="the chosen publications (read in the worker)")
        return form

    def fill_and_send(self, form) -> None:
        self.tap(next(w for w in form.ids.purpose.children if isinstance(w, Pill) and w.text == "Penelitian"))
        self.tap(form.ids.terms)
        self.tap(form.ids.send)
        self.wait_for(lambda: self.app.manager.current == "softcopy_done", what="the done screen")

    def test_from_the_reader_to_the_request_number_and_the_mail_arrives(self):
        server = Server(free_port()).start()
        try:
            app = self.start_with_catalogue(server.port)
            form = self.open_form_from_the_reader(app)
            assert (form.ids.name.text, form.ids.email.text) == ("Siti Rahmawati", "siti.rahmawati@gmail.com")
            texts = self.all_texts()
            assert "Statistik Kesejahteraan Rakyat 2024" in texts and "Indikator Inflasi Kota 2024" in texts
            assert "Publikasi ini hanya dapat dibaca di kios ini." in texts    # refused, with the reason
            # nothing chosen for purpose and terms: told so, in Indonesian, and nothing is stored
            self.tap(form.ids.send)
            assert "Pilih untuk apa publikasi ini akan Anda gunakan." in self.all_texts()
            assert "Silakan setujui ketentuan penggunaan untuk menerima softcopy." in self.all_texts()
            assert SoftcopyRequest.select().count() == 0
            # the visitor takes the read-only one off the list
            row = next(r for r in form.ids.publications.children if r.title == "Indikator Inflasi Kota 2024")
            self.tap(row.ids.remove_button)
            assert [r.title for r in form.ids.publications.children] == ["Statistik Kesejahteraan Rakyat 2024"]
            assert app.session.chosen_publications == [self.kesra.id]

            self.fill_and_send(form)
            done = self.screen("softcopy_done")
            assert done.ids.number.text == "SC-20261124-0001"
            assert done.ids.status.text == "Terkirim ke s***@gmail.com"
            request = SoftcopyRequest.get()
            assert (request.status, request.purpose, request.language) == ("sent", "penelitian", "id")
            assert app.session.chosen_publications == []
            # the message reached the server, once, with the stamped file
            assert len(server.sink.received) == 1
            msg = email.message_from_bytes(server.sink.received[0][2], policy=email.policy.default)
            assert msg["To"] == "siti.rahmawati@gmail.com" and "SC-20261124-0001" in msg["Subject"]
            [pdf] = [p.get_content() for p in msg.iter_attachments()]
            assert b"PSTStamp" in pdf
            self.tap(done.ids.library)
            assert app.manager.current == "library"
        finally:
            server.stop()

    def test_server_down_says_it_will_be_sent_then_the_sender_tells_the_screen_it_was_sent(self):
        port = free_port()
        app = self.start_with_catalogue(port)
        app.session.chosen_publications = [self.kesra.id]
        app.go("softcopy")
        self.advance_frames(2)
        self.fill_and_send(self.screen("softcopy"))
        done = self.screen("softcopy_done")
        assert done.ids.status.text == "Akan dikirim ke s***@gmail.com saat koneksi pulih."
        assert OutboxMail.get().status == "queued"
        # the screen listens to the app's event, for its own request only
        app.dispatch("on_mail_attempt", Attempt(99, MailStatus.SENT, "", request_id=99))
        assert done.status == "queued"
        server = Server(port).start()
        try:
            self.clock.advance(61)      # past the first backoff
            app.mail_sender.wake()      # the app's own sender thread; it tells the screen, nobody polls
            self.wait_for(lambda: done.ids.status.text == "Terkirim ke s***@gmail.com", what="the sender's event")
            assert len(server.sink.received) == 1 and OutboxMail.get().status == "sent"
        finally:
            server.stop()

    def test_a_server_that_drops_after_the_message_gets_it_once_and_the_visitor_is_told_to_wait(self):
        server = Server(free_port()).start()
        server.sink.after_data = "drop"
        try:
            app = self.start_with_catalogue(server.port)
            app.session.chosen_publications = [self.kesra.id]
            app.go("softcopy")
            self.advance_frames(2)
            self.fill_and_send(self.screen("softcopy"))
            done = self.screen("softcopy_done")
            assert done.ids.status.text.startswith("E-mail ke s***@gmail.com mungkin memerlukan waktu.")
            assert (SoftcopyRequest.get().status, OutboxMail.get().status) == ("held", "held")
            self.clock.advance(3600)
            app.mail_sender.wake()
            self.advance_frames(5)
            assert len(server.sink.received) == 1      # held: never sent again by itself
        finally:
            server.stop()

    def test_over_the_daily_limit_the_visitor_is_told_politely_in_their_language(self):
        server = Server(free_port()).start()
        try:
            app = self.start_with_catalogue(
                server.port, **{"softcopy_per_address_per_day = 5": "softcopy_per_address_per_day = 1"})
            app.session.chosen_publications = [self.kesra.id]
            app.go("softcopy")
            self.advance_frames(2)
            form = self.screen("softcopy")
            self.fill_and_send(form)
            # the same visitor asks again for the same address
            app.session.chosen_publications = [self.kesra.id]
            app.go("softcopy")
            self.wait_for(lambda: len(form.rows) == 1, what="the chosen publication")
            self.tap(next(w for w in form.ids.purpose.children if isinstance(w, Pill) and w.text == "Penelitian"))
            self.tap(form.ids.terms)
            self.tap_and_wait(form.ids.send, form)
            assert app.manager.current == "softcopy"
            assert ("Alamat e-mail ini sudah menerima jumlah softcopy maksimal yang dapat kami kirim ke satu alamat "
                    "dalam sehari.") in " ".join(self.all_texts())
            assert form.ids.email.text == "siti.rahmawati@gmail.com"      # what was typed stays
            assert SoftcopyRequest.select().count() == 1 and len(server.sink.received) == 1
        finally:
            server.stop()
