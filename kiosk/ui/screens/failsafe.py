"""Shown when anything goes wrong inside a screen: the visitor is told to ask staff, the
error is logged with its traceback, and the kiosk returns to welcome by itself."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import NumericProperty

from kiosk.ui import sounds
from kiosk.ui.screens.base import KioskScreen


class FailsafeScreen(KioskScreen):
    screen_name = "failsafe"
    seconds_left = NumericProperty(0)

    def start(self, seconds: int) -> None:
        self.seconds_left = seconds
        if getattr(self, "_countdown", None) is not None:
            self._countdown.cancel()
        self._countdown = Clock.schedule_interval(self._tick, 1)
        sounds.cue("error")       # heard too: a visitor who cannot read the screen knows to ask staff

    def _tick(self, dt) -> bool:
        self.seconds_left -= 1
        if self.seconds_left <= 0:
            self.back_to_start()
            return False
        return True

    def back_to_start(self) -> None:
        if getattr(self, "_countdown", None) is not None:
            self._countdown.cancel()
            self._countdown = None
        self.app.finish_visit()

    def screenshot_setup(self, state: str = "") -> None:
        self.seconds_left = self.app.settings.kiosk.failsafe_return_s
