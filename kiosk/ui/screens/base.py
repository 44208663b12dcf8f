"""What every screen shares: access to the app, a clean slate on ``clear``, ONE failure handler, hooks.

Failures reach a screen in one shape: a ``KioskError`` (core and the database layer type every fault they
know, storage faults included) carrying its ``visitor_message`` msgid. ``show_failure`` is the only place
that turns one into what the visitor sees — the screen's ``message`` line — and logs the staff's line;
anything else is a bug and goes to the failsafe screen. Screens never catch driver exceptions.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.textinput import TextInput

from kiosk.core.errors import KioskError
from kiosk.ui import sounds

log = logging.getLogger(__name__)


class KioskScreen(Screen):
    #: the name the app, journeys and ``kiosk screenshot`` use; empty = not a screen
    screen_name: str = ""
    #: a save runs in the worker: the screen's send button waits (kv: ``disabled: root.busy``)
    busy = BooleanProperty(False)
    #: the screen's one-line message to the visitor, a msgid (kv shows ``_(root.message, app.lang)``)
    message = StringProperty("")
    #: a screen that ends a step (a number, a reference, thanks) goes back to the start by itself after
    #: ``[kiosk] done_return_s`` without a touch (kiosk.ui.countdown); its kv shows
    #: ``DoneBar: seconds_left: root.done_seconds_left``
    returns_home_after: bool = False
    done_seconds_left = NumericProperty(0)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        # bound, not an on_pre_enter method: screens define their own without calling super
        self.bind(on_pre_enter=self._start_done_countdown)

    def _start_done_countdown(self, *args) -> None:
        if self.returns_home_after:       # the countdown shows its full length from the first frame
            self.done_seconds_left = self.app.settings.kiosk.done_return_s
            sounds.cue("success")         # the step is done: heard too, not only seen (issue 14.12)

    @property
    def app(self):
        return App.get_running_app()

    def show_failure(self, exc: BaseException) -> None:
        """THE handler for an action that failed: what was typed stays on screen, the visitor reads the
        error's ``visitor_message`` and may try again; staff find the error's own line in the log. An
        exception that is not a ``KioskError`` is a bug: raised again, it reaches the failsafe screen."""
        if not isinstance(exc, KioskError):
            raise exc
        log.warning("%s: %s: %s", self.screen_name or type(self).__name__, type(exc).__name__, exc)
        self.message = exc.visitor_message
        sounds.cue("error")

    def in_background(self, job: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None] | None = None) -> bool:
        """Run ``job`` (a database write) in the worker: a busy SQLite file or a PostgreSQL server out
        of reach must never freeze the touchscreen. A second tap meanwhile is ignored (False). A result
        that arrives after the visitor left (the idle reset started a new session) is dropped: what was
        saved stays saved, but the next person at the kiosk must not see it. Without ``on_error`` a
        failure goes to ``show_failure``; a screen's own handler deals with what it knows (field errors)
        and passes the rest to ``show_failure``."""
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

        app.worker.submit(job, for_this_visitor(on_done), for_this_visitor(on_error or self.show_failure))
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
