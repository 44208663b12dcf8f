"""What every screen shares: access to the app, a clean slate on ``clear``, and hooks."""
from __future__ import annotations

import logging
from typing import Any, Callable

from kivy.app import App
from kivy.properties import BooleanProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.textinput import TextInput

log = logging.getLogger(__name__)


class KioskScreen(Screen):
    #: the name the app, journeys and ``kiosk screenshot`` use; empty = not a screen
    screen_name: str = ""
    #: a save runs in the worker: the screen's send button waits (kv: ``disabled: root.busy``)
    busy = BooleanProperty(False)

    @property
    def app(self):
        return App.get_running_app()

    def in_background(self, job: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None]) -> bool:
        """Run ``job`` (a database write) in the worker: a busy SQLite file or a PostgreSQL server out
        of reach must never freeze the touchscreen. A second tap meanwhile is ignored (False). A result
        that arrives after the visitor left (the idle reset started a new session) is dropped: what was
        saved stays saved, but the next person at the kiosk must not see it."""
        if self.busy:
            return False
        app = self.app
        session = app.session
        self.busy = True

        def for_this_visitor(handler: Callable[[Any], None]) -> Callable[[Any], None]:
            def deliver(value: Any) -> None:
                self.busy = False
                if app.session is session:
                    handler(value)
                else:
                    log.info("%s: a save finished after the visit ended; not shown", self.screen_name)
            return deliver

        app.worker.submit(job, for_this_visitor(on_done), for_this_visitor(on_error))
        return True

    def look_up(self, job: Callable[[], Any], on_done: Callable[[Any], None], what: str) -> None:
        """A database read for the screen in the worker (never ``busy``: the visitor may go on). The
        answer is dropped if the visitor left meanwhile; a failure is logged and the screen shows
        nothing more, as if nothing was found."""
        app = self.app
        session = app.session

        def deliver(value: Any) -> None:
            if app.session is session:
                on_done(value)

        app.worker.submit(job, deliver, lambda exc: log.error("%s failed", what, exc_info=exc))

    def clear(self) -> None:
        """Forget everything of the previous visitor shown here. Screens with more state extend it."""
        for widget in self.walk(restrict=True):
            if isinstance(widget, TextInput):
                widget.focus = False    # else a hardware keyboard still types into the hidden field
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
