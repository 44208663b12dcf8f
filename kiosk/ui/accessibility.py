"""The header's "Aa" (larger text) and contrast buttons (issue 14.12): one tap away on every screen, and
reset for the next visitor by ``app.finish_visit``.

High contrast swaps ``app.colors`` for ``kiosk.core.contrast.HIGH_CONTRAST``: every kv rule that names
``app.colors`` redraws itself. Larger text cannot work that way: kv evaluates ``sp(28)`` once, when a
widget is made, and does not watch ``Metrics.fontscale``. So the switch sets the font scale and makes the
header and the screens again; the screen in use is made again at once with what the visitor had typed
(its text fields, in the same order), the others when next shown.
"""
from __future__ import annotations

from kivy.core.window import Window
from kivy.factory import Factory
from kivy.metrics import Metrics
from kivy.uix.textinput import TextInput

from kiosk.core.contrast import HIGH_CONTRAST, theme_colours

#: text size of the "Aa" mode, relative to the usual one
LARGE_TEXT_SCALE = 1.3
_base_fontscale: list[float] = []     # the font scale before the first switch (the system's)


def palette(theme, high_contrast: bool) -> dict:
    return dict(HIGH_CONTRAST) if high_contrast else theme_colours(theme)


def set_high_contrast(app, on: bool) -> None:
    app.high_contrast = on
    app.colors = palette(app.settings.theme, on)
    Window.clearcolor = app.colors["background"]


def set_large_text(app, on: bool) -> None:
    if not _base_fontscale:
        _base_fontscale.append(Metrics.fontscale)
    if on == app.large_text:
        return
    app.large_text = on
    Metrics.fontscale = _base_fontscale[0] * (LARGE_TEXT_SCALE if on else 1)
    _remake(app)


def reset(app) -> None:
    """For the next visitor: usual text size and the theme's colours."""
    if app.large_text:
        set_large_text(app, False)
    if app.high_contrast:
        set_high_contrast(app, False)


def _remake(app) -> None:
    if app.root is None:
        return
    _remake_header(app.root)
    manager = app.manager
    current = manager.current_screen
    for screen in list(manager.screens):
        if screen is not current:
            manager.remove_widget(screen)
    for name in app.kept_screens:             # welcome and failsafe are always there
        if current is None or name != current.name:
            manager.get_screen(name)
    if current is None or current.name not in app.screen_classes:
        return                                # a screen only a test added: it stays as it is
    typed = [w.text for w in _fields(current)]
    manager.remove_widget(current)            # the manager shows a kept screen for a moment
    screen = manager.get_screen(current.name)  # made again with the new font scale
    for widget, text in zip(_fields(screen), typed):
        widget.text = text
    manager.current = current.name


def _remake_header(root) -> None:
    old = root.ids.header
    box = old.parent
    index = box.children.index(old)
    box.remove_widget(old)
    new = Factory.Header()
    box.add_widget(new, index=index)
    root.ids["header"] = new


def _fields(screen) -> list:
    return [w for w in screen.walk(restrict=True) if isinstance(w, TextInput)]
