"""The locker step: "Bawa tas?" → ID card → the next free locker, shown very large.

States (an inner ScreenManager): ask → card → done | full; "desk" when there is no visit to
hang a locker on (the visitor skipped the guestbook). The slip prints in the worker; a printer
problem only changes a line of text, the locker stays on screen.
"""
from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.properties import StringProperty
from peewee import PeeweeException as PeeweeError

from kiosk.core import identity, lockers
from kiosk.core.clock import local, zone_label
from kiosk.core.errors import KioskError, ValidationError
from kiosk.core.guestbook import ticket_info
from kiosk.i18n import N_
from kiosk.ui.i18n import _, pick
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)

MSG_NOT_SAVED = N_("Sorry, no locker could be given just now. Please try again or ask a staff member.")


class LockerScreen(KioskScreen):
    screen_name = "locker"
    label = StringProperty("")
    print_note = StringProperty("")
    id_error = StringProperty("")

    def on_kv_post(self, base_widget):
        self.ids.id_type.bind(value=self._on_id_type)
        self.ids.id_number.bind(on_text_validate=lambda *a: self.get_locker())
        self._print_for = ""

    def on_pre_enter(self, *args):
        if self.app.settings.lockers.count == 0:
            Clock.schedule_once(lambda dt: self.app.go_next(self.screen_name))
            return
        self.fill_id_types()
        if self.app.session.locker_label:
            self.label = self.app.session.locker_label
            self.show("done")
        elif self.app.session.visit_id is None:
            self.show("desk")
        else:
            self.show("ask")

    def on_language(self, lang: str) -> None:
        self.fill_id_types()
        if self._id_error_msgid:
            self.id_error = _(self._id_error_msgid)

    _id_error_msgid = ""

    def clear(self) -> None:
        super().clear()
        # only the current step is in the widget tree, so the base walk can miss the number field
        self._forget_number()
        self.ids.id_type.value = ""
        self.label, self.print_note, self.id_error, self._id_error_msgid = "", "", "", ""
        self._print_for = ""
        self.show("ask")

    def _forget_number(self) -> None:
        """The full number leaves the field, and its undo history, as soon as it is used."""
        self.ids.id_number.text = ""
        self.ids.id_number.reset_undo()

    def show(self, step: str) -> None:
        steps = self.ids.steps
        steps.current = step
        steps.transition.stop()      # finish the switch now: two steps must never be drawn at once
        if step == "card":
            Clock.schedule_once(lambda dt: setattr(self.ids.id_number, "focus", True))

    def fill_id_types(self) -> None:
        self.ids.id_type.choices = [(t.code, pick(t.label_id, t.label_en)) for t in identity.ID_TYPES]

    def _on_id_type(self, pills, code: str) -> None:
        kind = next((t for t in identity.ID_TYPES if t.code == code), None)
        self.ids.keyboard.layout = kind.keyboard if kind else "text"
        self.ids.id_number.focus = True

    # --- the visitor's answers ---

    def no_bag(self) -> None:
        self.app.go_next(self.screen_name)

    def want_locker(self) -> None:
        if not self.ids.id_type.value:
            self.ids.id_type.value = "ktp"
        self.show("card")

    def get_locker(self) -> None:
        if self.busy:
            return
        app = self.app
        try:
            key = identity.load_or_create_key(app.settings.storage.data_dir)
            card = identity.protect(key, self.ids.id_type.value, self.ids.id_number.text)
        except ValidationError as exc:
            self._id_error_msgid = next(iter(exc.errors.values()))
            self.id_error = _(self._id_error_msgid)
            return
        except identity.KeyFileError:
            log.exception("ID hash key unusable; no locker given")
            self._id_error_msgid = MSG_NOT_SAVED
            self.id_error = _(MSG_NOT_SAVED)
            return
        self._id_error_msgid, self.id_error = "", ""
        self._forget_number()
        db, clock, visit_id = app.runtime.db, app.runtime.clock, app.session.visit_id
        self.in_background(lambda: lockers.assign(db, clock, visit_id, card), self._assigned, self._not_assigned)

    def _assigned(self, label: str) -> None:
        self.label = label
        self.app.session.locker_label = label
        self.show("done")
        self.print_slip()

    def _not_assigned(self, exc: BaseException) -> None:
        if isinstance(exc, lockers.LockersFull):
            self.show("full")
        elif isinstance(exc, (PeeweeError, KioskError)):
            # busy or unreachable database, or too many kiosks at once: nothing was recorded
            log.error("locker not assigned", exc_info=exc)
            self._id_error_msgid = MSG_NOT_SAVED
            self.id_error = _(MSG_NOT_SAVED)
        else:
            raise exc       # a bug: the failsafe screen, as anywhere else

    def done(self) -> None:
        self.app.go_next(self.screen_name)

    # --- the slip ---

    def print_slip(self) -> None:
        app = self.app
        runtime = app.runtime
        if app.settings.printer.kind == "none" or self._print_for == self.label:
            return
        from kiosk.devices.locker_slip import locker_slip_job

        zone = app.settings.office.timezone
        now = local(runtime.clock.now(), zone)
        info = ticket_info(app.session.ticket_id)
        job = locker_slip_job(self.label, app.settings.office.name,
                              now.strftime("%d-%m-%Y %H:%M ") + zone_label(zone, now), app.lang,
                              info.number if info else "")
        label, self._print_for = self.label, self.label
        self.print_note = _("Printing your locker slip…")

        def send():
            runtime.printer.send(job, f"locker-{label}")

        def printed(_result):
            if self.label == label:
                self.print_note = _("Take your locker slip from the printer.")

        def failed(exc: BaseException):
            # A slip is a convenience: the number is on screen, the visitor carries on.
            if not isinstance(exc, KioskError):
                log.error("locker slip for %s failed", label, exc_info=exc)
            if self.label == label:
                self.print_note = _("The slip could not be printed. Please remember your locker number.")

        app.worker.submit(send, printed, failed)

    # --- sample content for `kiosk screenshot` ---

    screenshot_states = ("ask", "card", "full")

    def screenshot_setup(self, state: str = "") -> None:
        self.fill_id_types()
        self.label = "L07"
        self.print_note = _("Take your locker slip from the printer.")
        if state == "card":
            self.ids.id_type.value = "ktp"
            self.show("card")
            self.ids.id_number.text = "3271014501900001"
        else:
            self.show(state or "done")
