"""'Isi dari HP Anda' (issue 16.6): the guestbook step also shows a one-time check-in link as a QR code, and
moves on by itself once the visitor's phone sent the form (kiosk.core.checkin). A mixin of GuestbookScreen,
kept apart so the form's own module stays short."""
from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.properties import ObjectProperty, StringProperty

from kiosk.core import checkin
from kiosk.core.clock import to_utc_naive
from kiosk.ui.screens.ticket import qr_texture

log = logging.getLogger(__name__)

PHONE_POLL_S = 1.0          # the kiosk asks whether the phone sent the form: it moves on within 2 s


class PhoneCheckin:
    phone_qr = ObjectProperty(None, allownone=True)   # "Isi dari HP Anda": the one-time link as a QR texture
    phone_url = StringProperty("")                    # what the QR code says

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
