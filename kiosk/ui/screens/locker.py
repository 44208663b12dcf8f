"""The locker step: "Bawa tas?" → ID card → the next free locker, shown very large.

States (an inner ScreenManager): ask → card → done | full; "desk" when there is no visit to
hang a locker on (the visitor skipped the guestbook). The slip prints in the worker; a printer
problem only changes a line of text, the locker stays on screen.
"""
from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty

from kiosk.core import identity, lockers
from kiosk.core.errors import KioskError, ValidationError
from kiosk.ui.i18n import _, pick
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)


class LockerScreen(KioskScreen):
    screen_name = "locker"
    label = StringProperty("")
    print_note = StringProperty("")
    id_error = StringProperty("")      # a msgid, shown translated (kv) next to the number
    free = NumericProperty(-1)         # free lockers when the step began; -1 = not known (yet)

    @property
    def returns_home_after(self) -> bool:
        # the locker number on screen is this visitor's: the next person must not find it
        return self.ids.steps.current == "done"

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
            # how many are free is known before the visitor types anything: none free, no ID card asked
            self.free = -1
            self.look_up(lockers.free_count, self._counted, "counting free lockers")

    def _counted(self, free: int) -> None:
        self.free = free
        if free == 0 and self.ids.steps.current in ("ask", "card"):
            self._forget_number()
            self.show("full")

    def on_language(self, lang: str) -> None:
        self.fill_id_types()

    def clear(self) -> None:
        super().clear()
        # only the current step is in the widget tree, so the base walk can miss the number field
        self._forget_number()
        self.ids.id_type.value = ""
        self.label, self.print_note, self.id_error, self.message = "", "", "", ""
        self.free = -1
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
        if step == "done":
            self.app.idle.touch()           # the count starts when the number appears
            self._start_done_countdown()
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
        if self.free == 0:
            self.show("full")
            return
        if not self.ids.id_type.value:
            self.ids.id_type.value = "ktp"
        self.show("card")

    def get_locker(self) -> None:
        if self.busy:
            return
        app = self.app
        id_type, raw = self.ids.id_type.value, self.ids.id_number.text
        try:        # checked here (no I/O) so a mistyped number shows at once, next to the field
            identity.validate_id(id_type, raw)
        except ValidationError as exc:
            self.id_error = next(iter(exc.errors.values()))
            return
        self.id_error, self.message = "", ""
        self._forget_number()
        db, clock, visit_id = app.runtime.db, app.runtime.clock, app.session.visit_id
        data_dir = app.settings.storage.data_dir
        # the key file, its check against the database and the assignment: all in the worker
        self.in_background(lambda: lockers.take(db, clock, data_dir, visit_id, id_type, raw),
                           self._assigned, self._not_assigned)

    def _assigned(self, label: str) -> None:
        self.label = label
        self.app.session.locker_label = label
        self.show("done")
        self.print_slip()

    def _not_assigned(self, exc: BaseException) -> None:
        if isinstance(exc, lockers.LockersFull):
            self.show("full")
        else:
            # nothing was recorded: the visitor reads why (one card, one locker; try again; ask staff)
            self.show_failure(exc)

    def done(self) -> None:
        self.app.go_next(self.screen_name)

    # --- the slip ---

    def print_slip(self) -> None:
        app = self.app
        runtime = app.runtime
        if app.settings.printer.kind == "none" or self._print_for == self.label:
            return
        label, self._print_for = self.label, self.label
        settings, ticket_id, lang = app.settings, app.session.ticket_id, app.lang
        self.print_note = _("Printing your locker slip…")

        def send():
            # core writes the slip (reading the ticket), the runtime's printer lays it out and prints
            lockers.print_slip(runtime.printer, settings, runtime.clock, label, ticket_id, lang)

        def printed(_result):
            if self.label == label:
                self.print_note = _("Take your locker slip from the printer.")

        def failed(exc: BaseException):
            # A slip is a convenience: the number is on screen, the visitor carries on.
            log.warning("locker slip for %s not printed: %s", label, exc, exc_info=not isinstance(exc, KioskError))
            if self.label == label:
                self.print_note = _("The slip could not be printed. Please remember your locker number.")

        app.worker.submit(send, printed, failed)

    # --- sample content for `kiosk screenshot` ---

    screenshot_states = ("ask", "card", "full")

    def screenshot_setup(self, state: str = "") -> None:
        self.fill_id_types()
        self.label, self.free = "L07", 12
        self.print_note = _("Take your locker slip from the printer.")
        if state == "card":
            self.ids.id_type.value = "ktp"
            self.show("card")
            self.ids.id_number.text = "3271014501900001"
        else:
            self.show(state or "done")
