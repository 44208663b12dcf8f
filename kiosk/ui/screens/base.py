"""What every screen shares: access to the app, a clean slate on ``clear``, and hooks."""
from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen
from kivy.uix.textinput import TextInput


class KioskScreen(Screen):
    #: the name the app, journeys and ``kiosk screenshot`` use; empty = not a screen
    screen_name: str = ""

    @property
    def app(self):
        return App.get_running_app()

    def clear(self) -> None:
        """Forget everything of the previous visitor shown here. Screens with more state extend it."""
        for widget in self.walk(restrict=True):
            if isinstance(widget, TextInput):
                widget.text = ""
                if hasattr(widget, "error"):
                    widget.error = ""

    # further states `kiosk screenshot NAME:STATE` can show, so each can be looked at in both languages
    screenshot_states: tuple[str, ...] = ()

    def on_config_reloaded(self) -> None:
        """Staff reloaded the config (``app.settings`` is the new one): restart what depends on it."""

    def on_language(self, lang: str) -> None:
        """Texts set from Python (not bound in kv) are refreshed here."""

    def screenshot_setup(self, state: str = "") -> None:
        """Fill the screen with sample data for ``kiosk screenshot`` (no visitor is present);
        ``state`` is "" or one of ``screenshot_states``."""
