"""When the kiosk makes a sound (issue 14.12); the runtime's speaker (``rt.speaker``) plays it off the UI
thread, so nothing here ever waits for a sound card.

- a touch on any control — every button, tile, key, pill, face: whatever Kivy's ``ButtonBehavior`` makes
  pressable — clicks softly: one place (the window), so a control added later clicks too, and a touch on
  text or a swipe that scrolls a list stays silent;
- a finished step (a screen with the ``DoneBar``) plays two rising notes, a failure shown to the visitor
  (``KioskScreen.show_failure``) a low double tone;
- the new queue number is said in Indonesian when ``[sound] speak_ticket`` is on.
``[sound] cues = false`` silences the cues only; the spoken number has its own switch.
"""
from __future__ import annotations

import logging

from kivy.app import App
from kivy.uix.behaviors import ButtonBehavior

from kiosk.core import calls
from kiosk.ui.widgets.common import LongPressArea

log = logging.getLogger(__name__)


def cue(name: str) -> None:
    """Play the cue ``name`` ("tap", "success", "error") if cues are on."""
    app = App.get_running_app()
    runtime = getattr(app, "runtime", None)
    if runtime is not None and runtime.settings.sound.cues:
        runtime.speaker.cue(name)


def say_ticket(number: str) -> None:
    """Say the just-issued number ("Nomor antrean Anda, A tujuh") if the office turned it on."""
    app = App.get_running_app()
    runtime = getattr(app, "runtime", None)
    if runtime is not None and runtime.settings.sound.speak_ticket and number:
        runtime.speaker.say(calls.ticket_phrase(number), "id")


def pressed_control(touch):
    """The control this touch pressed and is releasing over (so its action happens), or None.

    A pressed control holds the touch (``touch.grab``; inside a scroll view only once the touch did not
    become a swipe); Kivy's ButtonBehavior acts on release over itself unless ``always_release``. The
    hidden staff gesture is no control a visitor should hear."""
    for ref in touch.grab_list:
        widget = ref()
        if not isinstance(widget, ButtonBehavior) or isinstance(widget, LongPressArea) or widget.disabled:
            continue
        if widget.parent is None or widget.always_release:
            return widget       # gone with the screen its press opened: the press did act
        if widget.collide_point(*widget.parent.to_widget(*touch.pos)):
            return widget
    return None


def on_touch_up(window, touch) -> bool:
    """Bound to the window's ``on_touch_up`` by the app (before the controls see the release)."""
    if pressed_control(touch) is not None:
        cue("tap")
    return False
