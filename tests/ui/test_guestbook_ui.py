"""A whole check-in on the real window: consent, the guestbook typed on the on-screen keyboard,
the locker with the ID card, the slip on the printer; returning visitors; idle reset."""
from __future__ import annotations

import datetime as dt
import logging
import time


from kiosk.core import guestbook as gb
from kiosk.core import identity
from kiosk.core.clock import to_utc_naive
from kiosk.core.config import sqlite_path
from kiosk.core.logs import setup_logging
from kiosk.core.models import Locker, LockerAssignment, Visit, Visitor
from kiosk.i18n import gettext_for
from ui.kiosk_ui import KioskUITest

NIK = "3271014506900001"


class GuestbookUITest(KioskUITest):

    def begin(self, replace: dict[str, str] | None = None):
        return self.at_consent_with_a_ticket(replace)

    def type_into(self, field, text: str) -> None:
        self.tap(field)
        assert self.app.keyboard_target() is field.__self__
        self.type_on_keyboard(self.screen("guestbook").ids.keyboard, text)

    def choose(self, pills, label: str) -> None:
        form = self.screen("guestbook")
        for _ in range(3):          # the step's chips show once the keyboard is put away ("Selesai")
            if not form.keyboard_up:
                break
            self.tap(next(k for k in form.ids.keyboard.walk(restrict=True) if getattr(k, "action", "") == "done"))
        pill = self.find_text(label, pills)
        self.tap(pill, frames=0)
        assert pills.value == pill.code
        self.advance_frames(2)

    def fill_later_steps(self, form) -> None:
        """Steps 2 and 3 of the form, "Lanjut" after each."""
        ids = form.ids
        assert form.step == 2 and ids.institution_name.focus and form.keyboard_up
        self.type_into(ids.purpose_detail, "IPM")
        self.choose(ids.institution_type, "Perguruan tinggi")
        self.choose(ids.occupation, "Pelajar/Mahasiswa")
        self.tap(ids.submit)
        assert form.step == 3 and not form.keyboard_up
        self.choose(ids.gender, "Perempuan")
        self.choose(ids.age_group, "20–29 tahun")
        self.choose(ids.education, "D4/S1")
        self.choose(ids.purpose, "Skripsi/tesis/disertasi")

    def test_whole_check_in_on_the_on_screen_keyboard(self):
        app, ticket = self.begin()
        data_dir = app.settings.storage.data_dir
        log_file = setup_logging(data_dir, "DEBUG", to_stderr=False)
        logging.getLogger("peewee").setLevel(logging.DEBUG)
        try:
            self._check_in(app, ticket)
        finally:
            for h in list(logging.getLogger().handlers):
                if type(h).__name__ in ("KioskLogFile", "KioskStderr"):
                    h.close()
                    logging.getLogger().removeHandler(h)
            logging.getLogger("peewee").setLevel(logging.NOTSET)
        # the full ID number is nowhere on disk: not in the database file, its WAL, nor the log
        db = sqlite_path(app.settings)
        stored = db.read_bytes() + db.with_name(db.name + "-wal").read_bytes()
        logged = log_file.read_bytes()
        assert b"3271********0001" in stored and b"INSERT INTO" in logged
        assert NIK.encode() not in stored and NIK.encode() not in logged

    def _check_in(self, app, ticket):
        consent = self.screen("consent")
        texts = self.all_texts()
        assert "Data dan privasi Anda" in texts and "Berapa lama" in texts
        assert any("365 hari" in t for t in texts)
        self.clock.advance(20)
        self.tap(consent.ids.accept)
        assert app.manager.current == "guestbook"
        form = self.screen("guestbook")
        self.wait_for(lambda: form.service_text == "Layanan: Perpustakaan · nomor A-007")   # read in the worker
        self.clock.advance(30)
        self.type_into(form.ids.full_name, "siti nur")              # capitals as the name is typed
        assert form.ids.full_name.text == "Siti Nur"
        self.type_into(form.ids.email, "sn@bps")          # not finished: the form must say so
        assert form.ids.keyboard.layout == "email"
        self.type_into(form.ids.phone, "0812345678")
        assert form.ids.keyboard.layout == "number"

        self.tap_and_wait(form.ids.submit, form)
        assert app.manager.current == "guestbook" and form.step == 1
        assert form.ids.email_field.error == "E-mail tidak valid" and form.ids.email.error == "E-mail tidak valid"
        assert form.ids.full_name_field.error == "" and form.message == "Please check the fields marked in red."
        assert "Silakan periksa isian yang bertanda merah." in self.all_texts()
        assert Visit.select().count() == 0
        self.tap(app.root.ids.header.ids.lang_toggle.ids.lang_en)          # the message follows the language
        assert form.ids.email_field.error == "Email is not valid"
        self.tap(app.root.ids.header.ids.lang_toggle.ids.lang_id)
        assert form.ids.email_field.error == "E-mail tidak valid"

        self.type_into(form.ids.email, ".go.id")
        assert form.ids.email_field.error == ""          # gone as soon as the address is right
        self.tap_and_wait(form.ids.submit, form)
        self.fill_later_steps(form)
        self.clock.advance(60)
        self.tap_and_wait(form.ids.submit, form)
        assert app.manager.current == "locker"

        visit = Visit.get_by_id(app.session.visit_id)
        person = visit.visitor
        assert (person.full_name, person.email, person.phone) == ("Siti Nur", "sn@bps.go.id", "+62812345678")
        assert person.institution_name == ""
        assert (visit.gender, visit.age_group, visit.education, visit.occupation, visit.institution_type,
                visit.purpose, visit.purpose_detail) == ("p", "20_29", "s1", "pelajar", "universitas", "skripsi",
                                                         "IPM")
        assert visit.ticket_id == ticket.id and visit.service_code == "A" and visit.language == "id"
        assert visit.consent_version == "2026-1"
        assert visit.consent_at == dt.datetime(2026, 11, 24, 2, 0, 20)
        assert visit.started_at == dt.datetime(2026, 11, 24, 2, 0, 20)
        assert visit.guestbook_completed_at == dt.datetime(2026, 11, 24, 2, 1, 50)
        assert app.session.visitor_name == "Siti Nur" and app.session.visitor_email == "sn@bps.go.id"

        locker = self.screen("locker")
        assert locker.ids.steps.current == "ask" and "Apakah Anda membawa tas?" in self.all_texts()
        self.tap(locker.ids.want_locker)
        assert locker.ids.steps.current == "card"
        assert locker.ids.id_type.value == "ktp" and locker.ids.keyboard.layout == "number"
        self.tap(locker.ids.id_number)
        self.type_on_keyboard(locker.ids.keyboard, "327101450690000")      # one digit short
        self.tap_and_wait(locker.ids.get_locker, locker)
        assert locker.ids.steps.current == "card" and locker.id_error == identity.MSG_NIK
        assert "NIK pada KTP terdiri dari 16 angka" in self.all_texts()
        self.type_on_keyboard(locker.ids.keyboard, "1")
        self.tap_and_wait(locker.ids.get_locker, locker)
        assert locker.ids.steps.current == "done"
        assert locker.ids.big_label.text == "L01" and app.session.locker_label == "L01"
        assert locker.ids.id_number.text == ""
        assert any("Serahkan kartu identitas Anda ke front office" in t for t in self.all_texts())
        assignment = LockerAssignment.get(LockerAssignment.visit == visit.id)
        assert assignment.locker.label == "L01" and assignment.id_card_held and assignment.released_at is None
        visit = Visit.get_by_id(visit.id)
        assert (visit.id_type, visit.id_number_masked) == ("ktp", "3271********0001")
        key = identity.load_key(app.settings.storage.data_dir)
        assert visit.id_number_hash == identity.id_hash(key, "ktp", NIK)

        self.wait_for(lambda: locker.print_note == "Ambil slip loker Anda dari printer.")
        slips = list((app.settings.printer.folder).glob("locker-L01*.bin"))
        assert len(slips) == 1
        assert b"L01\n" in slips[0].read_bytes() and b"A-007" in slips[0].read_bytes()

        self.tap(locker.ids.done)
        assert app.manager.current not in ("locker", "guestbook", "consent")

    def test_idle_timeout_in_the_middle_wipes_the_half_filled_form(self):
        app, _ticket = self.begin()
        self.tap(self.screen("consent").ids.accept)
        form = self.screen("guestbook")
        self.type_into(form.ids.full_name, "Budi")
        self.type_into(form.ids.email, "budi@")
        self.tap_and_wait(form.ids.submit, form)
        assert form.ids.phone_field.error
        form.ids.gender.value = "l"                 # an answer of a later step, too
        self.clock.advance(app.settings.kiosk.idle_timeout_s + 1)
        app.tick()
        self.advance_frames(2)
        assert app.root.ids.idle_overlay.visible
        self.clock.advance(app.settings.kiosk.idle_warning_s)
        app.tick()
        self.advance_frames(2)
        assert app.manager.current == "welcome"
        assert form.ids.full_name.text == "" and form.ids.email.text == "" and form.ids.gender.value == ""
        assert form.ids.phone_field.error == "" and form.message == ""
        assert app.session.ticket_id is None and "consent_at" not in app.session.scratch
        assert Visit.select().count() == 0 and Visitor.select().count() == 0
        # the half-filled form is gone: the next visitor gets a new, empty one
        assert form not in app.manager.screens
        app.go("guestbook")
        self.advance_frames(2)
        fresh = app.manager.get_screen("guestbook")
        assert fresh is not form and app.manager.current_screen is fresh
        assert fresh.ids.full_name.text == "" and fresh.service_text == ""

    def test_returning_visitor_prefill_only_after_name_email_and_phone_match(self):
        app, _ticket = self.begin()
        entry = gb.validate({
            "full_name": "Andi Saputra", "email": "an@bps.id", "phone": "0812345678", "gender": "l",
            "age_group": "30_39", "education": "s2", "occupation": "peneliti", "institution_name": "BRIN",
            "institution_type": "pemerintah", "purpose": "penelitian", "purpose_detail": ""},
            app.settings, dt.date(2026, 11, 24))
        gb.complete(entry, db=app.runtime.db, clock=self.clock, kiosk="k", language="id",
                    consent_at=self.clock.now(), consent_version="2026-1")
        self.tap(self.screen("consent").ids.accept)
        form = self.screen("guestbook")
        # a family member on the same e-mail and phone: no offer, nothing of Andi's shown
        self.type_into(form.ids.full_name, "Ani Saputra")
        self.type_into(form.ids.email, "an@bps.id")
        self.type_into(form.ids.phone, "0812345678")
        time.sleep(0.5)
        self.advance_frames(3)
        assert not form.returning
        assert "Andi Saputra" not in self.all_texts() and "BRIN" not in self.all_texts()
        form.ids.full_name.text, form.ids.phone.text = "", ""
        self.type_into(form.ids.full_name, "Andi Saputra")
        self.type_into(form.ids.phone, "0812345679")                 # wrong phone
        time.sleep(0.5)
        self.advance_frames(3)
        assert not form.returning and "BRIN" not in self.all_texts()
        self.tap(form.ids.phone)
        self.tap(self.find_text("\uf55a", form.ids.keyboard))         # backspace
        self.type_on_keyboard(form.ids.keyboard, "8")
        self.wait_for(lambda: form.returning)
        self.advance_frames(3)
        kb = form.ids.keyboard
        assert form.ids.phone.to_window(0, form.ids.phone.y)[1] >= kb.to_window(kb.x, kb.top)[1]
        assert form.ids.institution_name.text == ""                    # nothing shown before the visitor asks
        self.tap(form.ids.use_prefill)
        assert form.ids.full_name.text == "Andi Saputra" and form.ids.institution_name.text == "BRIN"
        assert (form.ids.gender.value, form.ids.education.value, form.ids.purpose.value) == ("l", "s2", "")
        self.tap(form.ids.submit)
        assert form.step == 2 and not form.keyboard_up          # BRIN is there: nothing to type
        self.tap(form.ids.submit)
        self.choose(form.ids.purpose, "Penelitian")
        self.tap_and_wait(form.ids.submit, form)
        assert app.manager.current == "locker"
        assert Visitor.select().count() == 1 and Visit.select().count() == 2

    def test_all_lockers_taken(self):
        app, _ticket = self.begin(replace={"count = 20": "count = 1"})
        other = Visit.create(kiosk="k", started_at=to_utc_naive(self.clock.now()))
        LockerAssignment.create(locker=Locker.get(), visit=other, assigned_at=to_utc_naive(self.clock.now()))
        visit = Visit.create(kiosk="k", started_at=to_utc_naive(self.clock.now()))
        app.session.visit_id = visit.id
        app.go("locker")
        locker = self.screen("locker")
        # known before the visitor types a single digit (issue 14.10)
        self.wait_for(lambda: locker.ids.steps.current == "full", what="lockers full")
        assert locker.ids.id_number.text == ""
        assert "Semua loker terisi, silakan hubungi petugas" in self.all_texts()
        self.tap(locker.ids.full_continue)
        assert app.manager.current != "locker"

    def test_one_id_card_one_locker_refused_politely_in_the_visitors_language(self):
        """Issue 11.11: one passport number took all 20 lockers."""
        app, _ticket = self.begin()
        key = identity.load_key(app.settings.storage.data_dir)
        first = Visit.create(kiosk="k", started_at=to_utc_naive(self.clock.now()))
        from kiosk.core import lockers
        lockers.assign(app.runtime.db, self.clock, first.id, identity.protect(key, "ktp", NIK))
        app.session.visit_id = Visit.create(kiosk="k", started_at=to_utc_naive(self.clock.now())).id
        app.set_language("en")
        app.go("locker")
        locker = self.screen("locker")
        self.tap(locker.ids.want_locker)
        self.tap(locker.ids.id_number)
        self.type_on_keyboard(locker.ids.keyboard, NIK)
        self.tap_and_wait(locker.ids.get_locker, locker)
        assert locker.ids.steps.current == "card" and app.session.locker_label == ""
        assert locker.message == lockers.MSG_CARD_HOLDS_ONE
        assert lockers.MSG_CARD_HOLDS_ONE in self.all_texts()
        app.set_language("id")
        self.advance_frames(2)
        assert gettext_for("id", lockers.MSG_CARD_HOLDS_ONE) in self.all_texts()
        assert LockerAssignment.select().count() == 1

    def test_idle_timeout_wipes_an_id_number_left_on_a_hidden_step(self):
        app, _ticket = self.begin()
        app.session.visit_id = Visit.create(kiosk="k", started_at=to_utc_naive(self.clock.now())).id
        app.go("locker")
        locker = self.screen("locker")
        self.tap(locker.ids.want_locker)
        self.tap(locker.ids.id_number)
        self.type_on_keyboard(locker.ids.keyboard, "32710145")
        locker.show("ask")                       # the visitor went back, then walked away
        self.clock.advance(app.settings.kiosk.idle_timeout_s + app.settings.kiosk.idle_warning_s + 1)
        app.tick()
        app.tick()
        self.advance_frames(2)
        assert app.manager.current == "welcome"
        assert locker.ids.id_number.text == "" and locker.ids.id_type.value == ""
        assert LockerAssignment.select().count() == 0

    def test_no_bag_and_declined_consent(self):
        app, _ticket = self.begin()
        consent = self.screen("consent")
        self.tap(consent.ids.decline)
        assert consent.declined and any("Tanpa persetujuan Anda" in t for t in self.all_texts())
        self.tap(consent.ids.decline)                    # "Continue without the guestbook"
        assert app.manager.current not in ("consent", "guestbook", "locker")
        assert Visit.select().count() == 0
        # with a visit, "no bag" goes straight on and takes no locker
        visit = Visit.create(kiosk="k", started_at=to_utc_naive(self.clock.now()))
        app.session.visit_id = visit.id
        app.go("locker")
        self.tap(self.screen("locker").ids.no_bag)
        assert app.manager.current != "locker" and LockerAssignment.select().count() == 0

    def test_database_trouble_keeps_what_was_typed(self):
        from kiosk.core.errors import TRY_AGAIN, DatabaseBusy

        app, _ticket = self.begin()
        self.tap(self.screen("consent").ids.accept)
        form = self.screen("guestbook")
        for name, value in {"full_name": "Dewi Lestari", "email": "dewi@bps.go.id", "phone": "0812345678"}.items():
            form.ids[name].text = value
        for name, value in {"gender": "p", "age_group": "40_49", "education": "s2", "occupation": "pns",
                            "institution_type": "pemerintah", "purpose": "perencanaan"}.items():
            form.ids[name].value = value
        self.tap(form.ids.submit)
        self.tap(form.ids.submit)
        assert form.step == 3

        def unreachable(*args, **kwargs):
            raise DatabaseBusy("database is locked")

        real = gb.complete
        gb.complete = unreachable
        try:
            self.tap_and_wait(form.ids.submit, form)
        finally:
            gb.complete = real
        assert app.manager.current == "guestbook"
        assert form.message == TRY_AGAIN          # the one failure handler: the error's visitor message
        assert gettext_for("id", TRY_AGAIN) in self.all_texts()
        assert form.ids.full_name.text == "Dewi Lestari" and form.ids.purpose.value == "perencanaan"
        self.tap_and_wait(form.ids.submit, form)
        assert app.manager.current == "locker" and Visit.select().count() == 1
