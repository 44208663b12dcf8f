"""The softcopy request in a real window: from the reader's "Request softcopy" to the done screen,
with the e-mail arriving at a real SMTP server on loopback."""
from __future__ import annotations

import email
import email.policy

from kiosk.core import catalog_import
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import MailStatus, OutboxMail, SoftcopyRequest, Visit
from kiosk.core.outbox import Attempt
from kiosk.ui import countdown
from kiosk.ui.widgets.common import KButton, Pill
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
            # the read-only one is shown refused and is already out of the basket: no "Remove" on it
            row = next(r for r in form.ids.publications.children if r.title == "Indikator Inflasi Kota 2024")
            assert not any(isinstance(w, KButton) for w in row.walk(restrict=True))
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
        # concrete: automatically, retried after 1 minute, then never more than an hour apart (outbox backoff)
        assert done.ids.status.text == (
            "Server surat belum dapat dihubungi. Softcopy Anda sudah disimpan dan dikirim otomatis ke "
            "s***@gmail.com begitu server menjawab: kios mencoba lagi setelah 1 menit, lalu dengan jeda yang makin "
            "panjang, paling lama 60 menit sekali.")
        assert OutboxMail.get().status == "queued"
        # the screen listens to the app's event, for its own request only
        app.dispatch("on_mail_attempt", Attempt(99, MailStatus.SENT, "", request_id=99))
        assert done.status == "queued"
        server = Server(port).start()
        try:
            self.clock.advance(61)      # past the first backoff
            # the app's one-second tick may come before the sender: after 61 s untouched the visitor has
            # gone and the step returns to the start (CI met it). Here the visitor is still there and touches.
            app.idle.touch()
            assert not countdown.tick(app)
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


class SoftcopyFormTest(KioskUITest):
    """Issue 14.11: the form's terms checkbox, refused publications, errors and the walk-in's privacy notice;
    issue 14.2 and 14.5: the keyboard only while a field has focus, and each size keeps it 1,040 dp wide."""

    def open_form(self, read_only: bool = False, visit: bool = False, size=(1920, 1080)):
        app = self.start("welcome", size=size)
        src = self.tmp_path / "incoming"
        src.mkdir()
        settings, clock = self.runtime.settings, self.runtime.clock
        self.pub, _ = catalog_import.import_file(
            settings, clock, make_titled_pdf(src / "kesra.pdf", "Statistik Kesejahteraan Rakyat 2024", 2),
            {"subject": "Sosial", "year": 2024})
        chosen = [self.pub.id]
        if read_only:
            self.locked, _ = catalog_import.import_file(
                settings, clock, make_titled_pdf(src / "inflasi.pdf", "Indikator Inflasi Kota 2024", 2),
                {"subject": "Harga", "year": 2024, "read_only": "ya"})
            chosen.append(self.locked.id)
        if visit:
            app.session.visit_id = Visit.create(kiosk="k", started_at=to_utc_naive(clock.now())).id
        app.session.chosen_publications = list(chosen)
        app.go("softcopy")
        form = self.screen("softcopy")
        self.wait_for(lambda: len(form.rows) == len(chosen), what="the chosen publications")
        self.advance_frames(2)
        return app, form

    def test_the_terms_are_a_checkbox_with_a_visible_box_and_tick(self):
        from kiosk.core.contrast import ratio

        app, form = self.open_form(visit=True)
        terms = form.ids.terms
        box = terms.ids.box
        edge = None
        colour = None
        for instruction in box.canvas.before.children:   # the colour the box's outline is drawn in
            if type(instruction).__name__ == "Color":
                colour = tuple(instruction.rgba)
            elif type(instruction).__name__ == "Line":
                edge = colour
        assert edge is not None and box.width >= 40 and abs(box.width - box.height) < 1      # a square box
        card = tuple(app.colors["surface"])
        assert ratio(edge, card) >= 3.0, ratio(edge, card)
        assert terms.ids.tick.icon == "" and not form.agreed
        assert terms.height >= 80
        self.tap(terms)
        assert form.agreed and terms.ids.tick.icon == "check"
        self.tap(terms)
        assert not form.agreed and terms.ids.tick.icon == ""

    def test_a_read_only_publication_is_refused_with_its_reason_and_never_stays_in_the_basket(self):
        app, form = self.open_form(read_only=True, visit=True)
        row = next(r for r in form.ids.publications.children if r.title == "Indikator Inflasi Kota 2024")
        assert "Publikasi ini hanya dapat dibaca di kios ini." in self.all_texts(row)
        assert not any(isinstance(w, KButton) for w in row.walk(restrict=True)) and "Hapus" not in self.all_texts(row)
        kept = next(r for r in form.ids.publications.children if r.title == "Statistik Kesejahteraan Rakyat 2024")
        assert kept.ids.remove_button.get_root_window() is not None      # a sendable one can still be removed
        assert kept.ids.remove_button.height >= 80                       # a touch target (it was 64 dp)
        assert app.session.chosen_publications == [self.pub.id]

    def test_errors_never_push_the_left_column_under_the_header(self):
        app, form = self.open_form(visit=True)
        top = form.to_window(form.x, form.top)[1]
        self.tap(form.ids.send)                 # nothing filled in: errors under every field
        self.advance_frames(2)
        assert form.name_error and form.email_error and form.purpose_error and form.terms_error
        basket = form.ids.basket
        assert basket.to_window(basket.x, basket.top)[1] <= top + 1, "the left column went up under the header"
        name = form.ids.name_field
        assert name.to_window(name.x, name.top)[1] <= top + 1

    def test_a_walk_in_reads_the_privacy_notice_before_typing(self):
        from kiosk.ui.screens.softcopy import PrivacyNotice

        app, form = self.open_form(visit=False)
        text = form.ids.privacy_text
        assert text.get_root_window() is not None and form.ids.privacy_box.height > 0
        assert text.text == ("Nama dan e-mail Anda hanya dipakai untuk menandai dan mengirim softcopy ini, dan "
                             "dihapus setelah 365 hari.")
        # above the name and e-mail fields
        assert form.ids.privacy_box.y > form.ids.name_field.top - 1
        self.tap(form.ids.privacy_button)
        self.advance_frames(2)
        notice = next(w for w in self.Window.children if isinstance(w, PrivacyNotice))
        shown = " ".join(self.all_texts(notice))
        assert "Apa yang kami catat" in shown or "Yang kami catat" in shown or "dihapus setelah 365 hari" in shown
        self.tap(notice.ids.close)
        assert not any(isinstance(w, PrivacyNotice) for w in self.Window.children)

    def test_a_guestbook_visitor_already_agreed_and_sees_no_repeat(self):
        app, form = self.open_form(visit=True)
        assert form.ids.privacy_box.height == 0 and form.ids.privacy_box.opacity == 0

    def check_typing_fits(self, size) -> None:
        """A visitor touches the name field: the keyboard comes up at least 1,040 dp wide (keys of 80 dp) and
        the fields, the purpose text and "Send softcopy" stay in the window, clear of it, without scrolling;
        "Done" puts it away and the purpose choices are back."""
        from kiosk.ui.widgets.keyboard import Key

        app, form = self.open_form(visit=False, size=size)
        keyboard, ids = form.ids.keyboard, form.ids

        def keyboard_shown() -> bool:       # drawn, and with room for its keys, in every widget around it
            node, chain = keyboard, []
            while node is not form:
                chain.append(node)
                node = node.parent
            return all(n.opacity > 0 for n in chain) and min(n.height for n in chain) > 0

        assert not keyboard_shown() and not form.keyboard_up                 # nothing typed yet: no keyboard
        assert ids.purpose.height > 0
        self.tap(ids.name)
        self.advance_frames(3)
        assert form.keyboard_up and keyboard_shown() and keyboard.width >= 1040
        keys = [k for k in keyboard.walk(restrict=True) if isinstance(k, Key)]
        assert min(k.width for k in keys) >= 80 - .5
        kx1, ky1 = keyboard.to_window(keyboard.x, keyboard.y)
        kx2, ky2 = keyboard.to_window(keyboard.right, keyboard.top)
        for widget in (ids.name, ids.email, ids.purpose_text, ids.send, ids.back):
            x1, y1 = widget.to_window(widget.x, widget.y)
            x2, y2 = widget.to_window(widget.right, widget.top)
            assert x1 >= 0 and y1 >= 0 and x2 <= size[0] and y2 <= size[1], (widget, size)
            assert x2 <= kx1 or x1 >= kx2 or y2 <= ky1 or y1 >= ky2, ("under the keyboard", widget)
        self.type_on_keyboard(keyboard, "Siti")
        assert ids.name.text == "Siti"
        self.tap(next(k for k in keyboard.walk(restrict=True) if isinstance(k, Key) and k.action == "done"))
        self.advance_frames(3)
        assert not form.keyboard_up and not keyboard_shown() and ids.purpose.height > 0

    def test_in_portrait_the_keyboard_spans_the_width_and_comes_only_with_a_field(self):
        self.check_typing_fits((1080, 1920))

    def test_on_a_1366x768_panel_the_keyboard_keeps_its_1040_dp(self):
        self.check_typing_fits((1708, 960))

    def test_in_landscape_the_keyboard_comes_only_with_a_field(self):
        self.check_typing_fits((1920, 1080))

    def test_with_larger_text_the_form_and_the_done_screen_fit_each_size(self):
        """"Aa" (text × 1.3, issue 14.12) at 1920×1080, 1366×768 and 1080×1920: the form, typing or not, and the
        done screen's longest status pass the layout rules (the right column ran under the header in landscape,
        "Selesai" off the window, the request number broke in portrait)."""
        from kiosk.ui import accessibility
        from ui.screen_rules import screen_problems

        app, form = self.open_form(read_only=True)
        for size in ((1920, 1080), (1708, 960), (1080, 1920)):
            self.Window.size = size
            for name, state in (("softcopy", ""), ("softcopy", "typing"), ("softcopy_done", "queued")):
                app.go(name)
                accessibility.set_large_text(app, True)
                self.advance_frames(3)
                screen = self.screen(name)
                screen.screenshot_setup(state)
                self.advance_frames(4)
                # (the keyboard's own '@gmail.com' key outgrows its key with larger text: the keyboard's matter)
                problems = [p for p in screen_problems(app.root, size) if "Key('@gmail.com')" not in p]
                assert not problems, (size, name, state, problems)
