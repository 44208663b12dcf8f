"""The staff corner: PIN pad, then the panel (exit the kiosk, reload the config)."""
from __future__ import annotations

import logging

from kivy.properties import ListProperty, StringProperty

from kiosk.core.staff import record_event
from kiosk.ui.i18n import _
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)


class StaffPinScreen(KioskScreen):
    screen_name = "staff_pin"
    entered = StringProperty("")
    message = StringProperty("")

    def on_pre_enter(self, *args):
        self.entered, self.message = "", ""

    def clear(self) -> None:
        self.entered, self.message = "", ""

    def press_digit(self, digit: str) -> None:
        if len(self.entered) < 12:
            self.entered += digit

    def backspace(self) -> None:
        self.entered = self.entered[:-1]

    def submit(self) -> None:
        app = self.app
        result = app.pin_gate.attempt(self.entered)
        self.entered = ""
        kiosk, now = app.settings.kiosk.name, app.runtime.clock.now()
        if result.ok:
            record_event(kiosk, "pin_ok", now)
            app.go("staff")
            return
        if not app.settings.kiosk.staff_pin_hash:
            self.message = _("No staff PIN is set. Set kiosk.staff_pin_hash with `kiosk hash-pin`.")
        elif result.locked_for_s:
            self.message = _("Too many wrong PINs. Try again in {seconds} seconds.").format(
                seconds=result.locked_for_s)
        else:
            self.message = _("Wrong PIN.")
        record_event(kiosk, "pin_failed", now)


class StaffScreen(KioskScreen):
    screen_name = "staff"
    message = StringProperty("")
    problems = ListProperty([])

    def on_pre_enter(self, *args):
        self.message, self.problems = "", []

    def reload_config(self) -> None:
        self.message = _("Reading the config…")
        self.app.reload_config_in_background(self._reloaded)

    def _reloaded(self, problems: list[str]) -> None:
        self.problems = problems
        self.message = _("Config reloaded.") if not problems else _("Config NOT reloaded; fix these first:")
        app = self.app
        kiosk, now = app.settings.kiosk.name, app.runtime.clock.now()
        detail = "ok" if not problems else f"{len(problems)} problem(s)"
        # the audit row is a database write: in the worker, like every other write from a screen
        app.worker.submit(lambda: record_event(kiosk, "reload_config", now, detail), lambda _: None,
                          lambda exc: log.error("staff audit not recorded: %s", exc))

    def exit_kiosk(self) -> None:
        record_event(self.app.settings.kiosk.name, "exit", self.app.runtime.clock.now())
        self.app.exit_kiosk()
