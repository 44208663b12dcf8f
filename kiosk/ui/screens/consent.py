"""Consent: the short privacy notice the visitor accepts before the guestbook.

The time and the notice version go into the session and are stored with the visit when the
guestbook is complete; declining skips the guestbook and the locker (nothing is recorded)."""
from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.core import privacy
from kiosk.ui.screens.base import KioskScreen


class NoticeSection(BoxLayout):
    heading = StringProperty("")
    body = StringProperty("")


class ConsentScreen(KioskScreen):
    screen_name = "consent"
    sections = ListProperty([])
    declined = BooleanProperty(False)

    def on_pre_enter(self, *args):
        self.declined = False
        self.refresh()

    def on_language(self, lang: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.sections = privacy.notice(self.app.settings, self.app.lang)
        box = self.ids.notice_box
        box.clear_widgets()
        for heading, body in self.sections:
            box.add_widget(NoticeSection(heading=heading, body=body))

    def clear(self) -> None:
        self.declined = False

    def accept(self) -> None:
        scratch = self.app.session.scratch
        scratch["consent_at"] = self.app.runtime.clock.now()
        scratch["consent_version"] = self.app.settings.privacy.notice_version
        self.app.go_next(self.screen_name)

    def decline(self) -> None:
        self.declined = True

    def continue_without(self) -> None:
        for key in ("consent_at", "consent_version"):
            self.app.session.scratch.pop(key, None)
        self.app.go_next("locker")    # no guestbook, so no visit to hang a locker on

    screenshot_states = ("declined",)

    def screenshot_setup(self, state: str = "") -> None:
        self.refresh()
        self.declined = state == "declined"
