"""The frame every screen sits in: header (logo, office, clock, Aa, contrast, language, Home), the screens,
the "start again?" question and the "still there?" overlay."""
from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.textinput import TextInput

from kiosk.ui import accessibility


class KioskRoot(FloatLayout):
    def open_staff(self) -> None:
        App.get_running_app().go("staff_pin")

    def go_home(self) -> None:
        """Home: at once when nothing of the visitor would be lost, else ask first (issue 14.4)."""
        app = App.get_running_app()
        if visitor_has_entered_something(app):
            self.ids.confirm_home.show()
        else:
            app.finish_visit()

    def toggle_large_text(self) -> None:
        app = App.get_running_app()
        accessibility.set_large_text(app, not app.large_text)

    def toggle_high_contrast(self) -> None:
        app = App.get_running_app()
        accessibility.set_high_contrast(app, not app.high_contrast)


def visitor_has_entered_something(app) -> bool:
    """Something typed on the current screen, or a visit or ticket already in the session."""
    session = app.session
    if session.visit_id is not None or session.ticket_id is not None:
        return True
    screen = app.manager.current_screen
    return screen is not None and any(isinstance(w, TextInput) and w.text.strip()
                                      for w in screen.walk(restrict=True))


class _Overlay(FloatLayout):
    visible = BooleanProperty(False)

    def dismiss(self) -> None:
        self.visible = False

    def on_touch_down(self, touch):
        if not self.visible:
            return False
        super().on_touch_down(touch)
        return True          # the screen behind must not react while the question is shown


class ConfirmHome(_Overlay):
    def show(self) -> None:
        self.visible = True

    def confirm(self) -> None:
        self.dismiss()
        App.get_running_app().finish_visit()


class IdleOverlay(_Overlay):
    seconds_left = NumericProperty(0)

    def show(self, seconds_left: int) -> None:
        self.seconds_left = seconds_left
        self.visible = True

    def still_here(self) -> None:
        app = App.get_running_app()
        app.idle.touch()
        self.dismiss()
