"""When the kiosk makes a sound (issue 14.12); the runtime's speaker (``rt.speaker``) plays it off the UI
thread, so nothing here ever waits for a sound card.

- a touch on any control — every button, tile, key, pill, face: whatever Kivy's ``ButtonBehavior`` makes
  pressable — clicks softly: one place (the window), so a control added later clicks too, and a touch on
  text or a swipe that scrolls a list stays silent;
- a finished step (a screen with the ``DoneBar``) plays two rising notes, a failure shown to the visitor
  (``KioskScreen.show_failure``, the failsafe screen) a low double tone;
- the new queue number is said in Indonesian when ``[sound] speak_ticket`` is on.
``[sound] cues = false`` silences the cues only; the spoken number has its own switch.
"""
from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.uix.behaviors import ButtonBehavior

from kiosk.core import calls
from kiosk.ui.widgets.common import LongPressArea

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


def _is_control(widget) -> bool:
    # the hidden staff gesture is no control a visitor should hear
    return isinstance(widget, ButtonBehavior) and not isinstance(widget, LongPressArea)


def pressed_control(touch):
    """The control this touch pressed and is releasing over (so its action happens), or None.

    A pressed control holds the touch (``touch.grab``); Kivy's ButtonBehavior acts on release over itself
    unless ``always_release``."""
    for ref in touch.grab_list:
        widget = ref()
        if not _is_control(widget):
            continue
        if widget.parent is None or widget.always_release:
            return widget       # gone with the screen its press opened: the press did act
        if widget.collide_point(*widget.parent.to_widget(*touch.pos)):
            return widget
    return None


def _controls_pressed_by(touch) -> set:
    # ButtonBehavior marks each touch it presses with itself as a key of the touch's user data
    return {key for key in touch.ud if _is_control(key)}


def on_touch_up(window, touch) -> bool:
    """Bound to the window's ``on_touch_up`` by the app: it runs before the controls see the release.

    A quick tap inside a scroll view (shorter than its ``scroll_timeout``) reaches the control only
    while the view handles this release — pressed and released at once, after this runs — so a control
    newly pressed by the touch is looked for on the next frame. A swipe presses nothing; a press slid
    off its control was pressed before and is not released over it: both stay silent."""
    if pressed_control(touch) is not None:
        cue("tap")
        return False
    before = _controls_pressed_by(touch)

    def after_release(_dt) -> None:
        if _controls_pressed_by(touch) - before:
            cue("tap")

    Clock.schedule_once(after_release)
    return False
