"""The guestbook form: large fields, a docked keyboard, messages next to the fields.

The rules are ``kiosk.core.guestbook``'s; this screen collects the strings, shows the errors it
gets back, and offers to prefill from the last visit once full name, e-mail *and* phone match.
"""
from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty

from kiosk.core import checkin
from kiosk.core import guestbook as gb
from kiosk.core.clock import local, to_utc_naive
from kiosk.core.errors import ValidationError
from kiosk.i18n import N_
from kiosk.ui.i18n import _, pick
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.ticket import qr_texture

log = logging.getLogger(__name__)

MSG_CHECK = N_("Please check the fields marked in red.")
TEXT_INPUTS = ("full_name", "email", "phone", "institution_name", "birth_year", "purpose_detail")
PHONE_POLL_S = 1.0          # the kiosk asks whether the phone sent the form: it moves on within 2 s


class GuestbookScreen(KioskScreen):
    screen_name = "guestbook"
    service_text = StringProperty("")
    returning = BooleanProperty(False)      # the "fill in from your last visit?" offer is shown
    phone_qr = ObjectProperty(None, allownone=True)   # "Isi dari HP Anda": the one-time link as a QR texture
    phone_url = StringProperty("")                    # what the QR code says

    def on_kv_post(self, base_widget):
        for name in TEXT_INPUTS:
            field = self.ids[name]
            field.bind(focus=self._on_focus)
            field.bind(on_text_validate=self._next_field)
        self._lookup = Clock.create_trigger(lambda dt: self.check_returning(), 0.4)
        for name in ("full_name", "email", "phone"):
            self.ids[name].bind(text=lambda *a: self._lookup())
        self._prefill: dict[str, str] | None = None
        self._offered_for: tuple[str, str, str] | None = None
        self._errors: dict[str, str] = {}

    # --- entering, language, wiping ---

    def on_pre_enter(self, *args):
        self.app.session.scratch.setdefault("guestbook_started_at", self.app.runtime.clock.now())
        self.fill_choices()
        self.refresh_service()

    def on_enter(self, *args):
        if not self.ids.full_name.text:
            self.ids.full_name.focus = True
        self.start_phone()

    def on_leave(self, *args):
        self.stop_phone()

    # --- the same form on the visitor's phone (kiosk.core.checkin) ---

    _phone_poll = None
    _phone_expires = None
    _phone_asking = False

    def start_phone(self) -> None:
        """A fresh one-time link for this session, shown as a QR code; then ask once a second whether the
        phone sent the form. Nothing is shown when the web address is not set or the database says no."""
        app = self.app
        session = app.session
        key = session.scratch.setdefault("checkin_key", checkin.new_session_key())
        settings, clock, lang = app.settings, app.runtime.clock, app.lang
        scratch = session.scratch

        def open_link():
            return checkin.open_checkin(settings, clock, settings.kiosk.name, key, ticket_id=session.ticket_id,
                                        consent_at=scratch.get("consent_at"),
                                        consent_version=str(scratch.get("consent_version", "")), language=lang)

        def show(opened) -> None:
            if opened is None or self.manager is None or self.manager.current != self.screen_name:
                return
            self.phone_url = opened.url + ("?lang=en" if lang == "en" else "")
            self.phone_qr = qr_texture(self.phone_url)
            self._phone_expires = opened.expires_at
            if self._phone_poll is None:
                self._phone_poll = Clock.schedule_interval(lambda dt: self._ask_phone(key), PHONE_POLL_S)

        self.look_up(open_link, show, "opening a phone check-in")

    def stop_phone(self) -> None:
        if self._phone_poll is not None:
            self._phone_poll.cancel()
            self._phone_poll = None
        self.phone_qr = None
        self.phone_url = ""
        self._phone_asking = False

    def _ask_phone(self, key: str) -> None:
        if self._phone_asking or self.busy:
            return      # one question at a time; never while the kiosk's own form is being saved
        if self._phone_expires is not None and to_utc_naive(self.app.runtime.clock.now()) >= self._phone_expires:
            self._phone_expires = None
            self.start_phone()          # the code lived its 10 minutes: show a new one
        self._phone_asking = True
        app = self.app
        session = app.session

        def answered(done) -> None:
            self._phone_asking = False
            if done is not None and self._phone_poll is not None and app.session is session:
                self._phone_sent(done)

        def failed(exc: BaseException) -> None:
            self._phone_asking = False      # asked again at the next tick; the kiosk's own form still works
            log.warning("asking whether the phone sent the guestbook failed: %s", exc)

        app.worker.submit(lambda: checkin.done(key), answered, failed)

    def _phone_sent(self, done: checkin.Done) -> None:
        self.stop_phone()
        app = self.app
        app.session.visit_id = done.visit_id
        app.session.visitor_name = done.full_name
        app.session.visitor_email = done.email
        app.session.language = app.lang
        log.info("guestbook filled on the visitor's phone: visit %d", done.visit_id)
        app.go_next(self.screen_name)

    def on_language(self, lang: str) -> None:
        self.fill_choices()
        self.refresh_service()
        for name in self._field_names():
            self._set_error(name, self._errors.get(name, ""))

    def clear(self) -> None:
        super().clear()
        self.stop_phone()
        for name in gb.CHOICE_FIELDS:
            self.ids[name].value = ""
        self._errors = {}
        for name in self._field_names():
            self._set_error(name, "")
        self.message = ""
        self.returning = False
        self._prefill = None
        self._offered_for = None
        self.ids.scroll.scroll_y = 1

    def fill_choices(self) -> None:
        settings = self.app.settings.guestbook
        for field, key in gb.CHOICE_FIELDS.items():
            self.ids[field].choices = [(c.code, pick(c.id, c.en)) for c in getattr(settings, key)]

    def refresh_service(self) -> None:
        ticket_id = self.app.session.ticket_id
        if ticket_id is None:
            self.service_text = ""
            return
        self.look_up(lambda: gb.ticket_info(ticket_id), self._show_service, "reading the visitor's ticket")

    def _show_service(self, info: gb.TicketInfo | None) -> None:
        if info is None:
            self.service_text = ""
            return
        try:
            service = self.app.settings.service(info.service_code)
            name = pick(service.name_id, service.name_en)
        except KeyError:
            name = info.service_code
        self.service_text = _("Service: {service} · number {number}").format(service=name, number=info.number)

    # --- keyboard and focus ---

    def _on_focus(self, field, focused: bool) -> None:
        if not focused:
            return
        self.ids.keyboard.layout = field.keyboard_layout
        # after the keyboard's layout settles, bring the whole field (label + message) into view
        Clock.schedule_once(lambda dt: self._show_focused())

    def _show_focused(self) -> None:
        for name in TEXT_INPUTS:
            if self.ids[name].focus:
                self.ids.scroll.scroll_to(self.ids[f"{name}_field"], padding=dp(24), animate=False)
                return

    def _next_field(self, field) -> None:
        # ids hold weak proxies: compare the widgets themselves
        order = [n for n in TEXT_INPUTS if self.ids[n].__self__ is field]
        i = TEXT_INPUTS.index(order[0]) if order else len(TEXT_INPUTS)
        if i + 1 < len(TEXT_INPUTS):
            self.ids[TEXT_INPUTS[i + 1]].focus = True
        else:
            field.focus = False

    # --- returning visitors ---

    def _who(self) -> tuple[str, str, str]:
        return (" ".join(self.ids.full_name.text.split()).casefold(), self.ids.email.text.strip().lower(),
                self.ids.phone.text.strip())

    def check_returning(self) -> None:
        who = self._who()
        if who == self._offered_for:
            return
        self.returning, self._prefill = False, None

        def find() -> dict[str, str] | None:
            visitor = gb.find_returning(*who)
            return gb.prefill_from(visitor) if visitor is not None else None

        def found(prefill: dict[str, str] | None) -> None:
            if prefill is None or self._who() != who:
                return      # nobody, or the visitor typed on: the look-up for the newer text answers
            self._prefill, self._offered_for, self.returning = prefill, who, True
            # the offer pushes the form down: keep the field being typed in above the keyboard
            Clock.schedule_once(lambda dt: self._show_focused())

        self.look_up(find, found, "looking up a returning visitor")

    def use_prefill(self) -> None:
        if not self._prefill:
            return
        for name, value in self._prefill.items():
            if name in gb.CHOICE_FIELDS:
                self.ids[name].value = value
            elif name in self.ids:
                self.ids[name].text = value
        self.returning = False

    def dismiss_prefill(self) -> None:
        self.returning, self._prefill = False, None

    # --- submitting ---

    def values(self) -> dict[str, str]:
        out = {name: self.ids[name].text for name in TEXT_INPUTS}
        out.update({name: self.ids[name].value for name in gb.CHOICE_FIELDS})
        return out

    def _field_names(self) -> list[str]:
        return [*TEXT_INPUTS, *gb.CHOICE_FIELDS]

    def _set_error(self, name: str, msgid: str) -> None:
        text = _(msgid) if msgid else ""
        holder = self.ids.get(f"{name}_field")
        if holder is not None:
            holder.error = text
        if hasattr(self.ids[name], "error"):
            self.ids[name].error = text

    def submit(self) -> None:
        if self.busy:
            return
        app = self.app
        clock = app.runtime.clock
        today = local(clock.now(), app.settings.office.timezone).date()
        self._errors = {}
        try:       # checked here (no I/O) so every mistake shows at once, next to its field
            entry = gb.validate(self.values(), app.settings, today)
        except ValidationError as exc:
            self._not_saved(exc)
            return
        scratch, session = app.session.scratch, app.session
        db, kiosk, lang = app.runtime.db, app.settings.kiosk.name, app.lang
        consent_at, consent_version = scratch.get("consent_at"), str(scratch.get("consent_version", ""))
        ticket_id, visit_id, started_at = session.ticket_id, session.visit_id, scratch.get("guestbook_started_at")
        self.in_background(
            lambda: gb.complete(entry, db=db, clock=clock, kiosk=kiosk, language=lang, consent_at=consent_at,
                                consent_version=consent_version, ticket_id=ticket_id, visit_id=visit_id,
                                started_at=started_at),
            lambda visit: self._saved(entry, visit), self._not_saved)

    def _not_saved(self, exc: BaseException) -> None:
        if not isinstance(exc, ValidationError):
            # busy or unreachable database…: everything typed stays, the visitor may try again
            self.show_failure(exc)
            return
        if "consent" in exc.errors:
            self.app.go("consent")
            return
        self._errors = dict(exc.errors)
        for name in self._field_names():
            self._set_error(name, self._errors.get(name, ""))
        self.message = MSG_CHECK
        first = next(n for n in self._field_names() if n in self._errors)
        self.ids.scroll.scroll_to(self.ids[f"{first}_field"], padding=dp(24), animate=False)

    def _saved(self, entry: gb.GuestbookEntry, visit) -> None:
        app = self.app
        for name in self._field_names():
            self._set_error(name, "")
        self.message = ""
        app.session.visit_id = visit.id
        app.session.visitor_name = entry.full_name
        app.session.visitor_email = entry.email
        app.session.language = app.lang
        app.go_next(self.screen_name)

    # --- sample content for `kiosk screenshot` ---

    screenshot_states = ("choices",)

    def screenshot_setup(self, state: str = "") -> None:
        self.fill_choices()
        self.service_text = _("Service: {service} · number {number}").format(
            service=pick("Perpustakaan", "Library"), number="A-007")
        sample = {"full_name": "Siti Nurhaliza", "email": "siti.nurhaliza@gmail", "phone": "0812 3456 7890",
                  "institution_name": "Universitas Indonesia", "purpose_detail": "Data IPM kabupaten 2020–2024"}
        for name, value in sample.items():
            self.ids[name].text = value
        for name, value in {"gender": "p", "age_group": "20_29", "education": "s1", "occupation": "pelajar",
                            "institution_type": "universitas", "purpose": "skripsi"}.items():
            self.ids[name].value = value
        self._errors = {"email": gb.MSG_EMAIL_BAD}
        self._set_error("email", gb.MSG_EMAIL_BAD)
        self.phone_url = "http://192.168.1.10:8080/c/" + "Q" * 43      # the shape of a real one-time link
        self.phone_qr = qr_texture(self.phone_url)
        # "choices": the form scrolled down to the choice lists, the last field focused
        (self.ids.purpose_detail if state == "choices" else self.ids.email).focus = True
