"""The end of a visit: thank you, and a reminder to collect the bag and ID card from the locker.

The visitor leaves with "Finish"; if they simply walk away, the idle timer wipes the screen."""
from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.ui.screens.base import KioskScreen


class ThanksScreen(KioskScreen):
    screen_name = "thanks"
    locker_label = StringProperty("")

    def on_pre_enter(self, *args):
        self.locker_label = self.app.session.locker_label or ""

    def clear(self) -> None:
        self.locker_label = ""

    def finish(self) -> None:
        self.app.finish_visit()

    def screenshot_setup(self, state: str = "") -> None:
        self.locker_label = "L07"
