"""The frame every screen sits in: header (logo, office, clock, language), the screens, and
the "still there?" overlay."""
from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.floatlayout import FloatLayout


class KioskRoot(FloatLayout):
    def open_staff(self) -> None:
        App.get_running_app().go("staff_pin")


class IdleOverlay(FloatLayout):
    visible = BooleanProperty(False)
    seconds_left = NumericProperty(0)

    def show(self, seconds_left: int) -> None:
        self.seconds_left = seconds_left
        self.visible = True

    def dismiss(self) -> None:
        self.visible = False

    def on_touch_down(self, touch):
        if not self.visible:
            return False
        super().on_touch_down(touch)
        return True          # the screen behind must not react while the question is shown

    def still_here(self) -> None:
        app = App.get_running_app()
        app.idle.touch()
        self.dismiss()
