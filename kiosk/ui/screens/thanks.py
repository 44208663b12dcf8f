"""The end of a visit: thank you, and a reminder to collect the bag and ID card from the locker.

The visitor leaves with "Done"; if they simply walk away, the screen returns to the start by itself after
``[kiosk] done_return_s`` (kiosk.ui.countdown)."""
from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.ui.screens.base import KioskScreen


class ThanksScreen(KioskScreen):
    screen_name = "thanks"
    returns_home_after = True
    locker_label = StringProperty("")

    def on_kv_post(self, base_widget):
        # "finish" named the screen's own button before the DoneBar (tests/ui/test_survey_ui.py taps it)
        self.ids["finish"] = self.ids.done_bar.ids.done

    def on_pre_enter(self, *args):
        self.locker_label = self.app.session.locker_label or ""

    def clear(self) -> None:
        self.locker_label = ""

    def screenshot_setup(self, state: str = "") -> None:
        self.locker_label = "L07"
        self.done_seconds_left = self.app.settings.kiosk.done_return_s
