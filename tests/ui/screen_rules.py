"""Rules measured on the real widget tree of a screen at 1920×1080 (issue 14.3, 14.4): every control a
visitor taps is at least 80 px both ways and 12 px from its neighbours; every visible text reaches its
WCAG contrast against what is drawn behind it (text 4.5:1, large or bold-large text and icons 3:1).

"Behind it" is found the way the eye finds it: the nearest widget, the label itself first, whose
``canvas.before`` fills the label's centre (a translucent fill is laid over what is behind *it*), else the
window's clear colour."""
from __future__ import annotations

from kivy.graphics import Color, Rectangle, RoundedRectangle
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.stencilview import StencilView
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from kiosk.core.contrast import LARGE, TEXT, over, ratio
from kiosk.ui.widgets.common import Icon, LongPressArea
from kiosk.ui.widgets.reader import PageView

MIN_TARGET, MIN_GAP = 80, 12
LARGE_TEXT_PX, LARGE_BOLD_PX = 24, 18.66      # 18 pt, and 14 pt bold


def _chain(widget):
    node = widget
    while isinstance(node, Widget):
        yield node
        node = node.parent


def shown(widget) -> bool:
    """On screen, drawn and usable (hidden widgets are opacity 0, zero-sized, or disabled)."""
    if widget.get_root_window() is None or widget.width < 2 or widget.height < 2:
        return False
    return all(node.opacity > 0.01 and not node.disabled for node in _chain(widget))


def window_rect(widget) -> tuple[float, float, float, float]:
    x1, y1 = widget.to_window(widget.x, widget.y)
    x2, y2 = widget.to_window(widget.right, widget.top)
    return x1, y1, x2, y2


def _in_window(rect, size) -> bool:
    x1, y1, x2, y2 = rect
    return x2 > 0 and y2 > 0 and x1 < size[0] and y1 < size[1]


def visible_in_clips(widget) -> bool:
    """Wholly inside every scrolling or clipping ancestor (a ScrollView hides what is scrolled away)."""
    x1, y1, x2, y2 = window_rect(widget)
    for node in list(_chain(widget))[1:]:
        if isinstance(node, StencilView):
            cx1, cy1, cx2, cy2 = window_rect(node)
            if x1 < cx1 - 1 or y1 < cy1 - 1 or x2 > cx2 + 1 or y2 > cy2 + 1:
                return False
    return True


def tappables(root) -> list:
    """The controls a visitor taps: buttons of every kind and text fields — the outermost of nested ones,
    not the hidden staff corner."""
    found = []
    for w in root.walk(restrict=True):
        if not isinstance(w, (ButtonBehavior, TextInput)) or isinstance(w, LongPressArea) or not shown(w):
            continue
        if not visible_in_clips(w):
            continue
        if any(isinstance(a, (ButtonBehavior, TextInput)) for a in list(_chain(w))[1:]):
            continue
        found.append(w)
    return found


def describe(widget) -> str:
    text = getattr(widget, "text", "") or getattr(widget, "title", "") or getattr(widget, "icon", "")
    ident = next((k for k, v in _ids_of(widget).items() if v is widget), "")
    return f"{type(widget).__name__}{'#' + ident if ident else ''}({str(text)[:30]!r})"


def _ids_of(widget) -> dict:
    ids = {}
    for node in _chain(widget):
        ids.update({k: getattr(v, "__self__", v) for k, v in node.ids.items()})
    return ids


def target_problems(root, window_size) -> list[str]:
    controls = [(w, window_rect(w)) for w in tappables(root)]
    controls = [(w, r) for w, r in controls if _in_window(r, window_size)]
    problems = []
    for w, (x1, y1, x2, y2) in controls:
        if x2 - x1 < MIN_TARGET - .5 or y2 - y1 < MIN_TARGET - .5:
            problems.append(f"{describe(w)} is {x2 - x1:.0f}x{y2 - y1:.0f} px")
    for i, (a, ra) in enumerate(controls):
        for b, rb in controls[i + 1:]:
            gap_x = max(rb[0] - ra[2], ra[0] - rb[2])
            gap_y = max(rb[1] - ra[3], ra[1] - rb[3])
            if max(gap_x, gap_y) < MIN_GAP - .5:
                problems.append(f"{describe(a)} and {describe(b)} are {max(gap_x, gap_y):.0f} px apart")
    return problems


def _fill_at(node, wx: float, wy: float):
    """The colour of the last shape of ``node.canvas.before`` that covers the window point, if any."""
    px, py = node.to_widget(wx, wy)
    colour, found = None, None
    for instr in node.canvas.before.children:
        if isinstance(instr, Color):
            colour = tuple(instr.rgba)
        elif isinstance(instr, (Rectangle, RoundedRectangle)) and colour is not None and colour[3] > .3:
            (x, y), (w, h) = instr.pos, instr.size
            if x <= px <= x + w and y <= py <= y + h:
                found = colour
    return found


def background_at(widget, wx: float, wy: float, clear_colour) -> tuple:
    for node in _chain(widget):
        fill = _fill_at(node, wx, wy)
        if fill is not None:
            if fill[3] < .99:
                return over(fill, background_at(node.parent, wx, wy, clear_colour))
            return fill
    return tuple(clear_colour)


def _opacity(widget) -> float:
    value = 1.0
    for node in _chain(widget):
        value *= node.opacity
    return value


def contrast_problems(root, clear_colour) -> list[str]:
    problems = []
    for w in root.walk(restrict=True):
        if not shown(w) or any(isinstance(a, PageView) for a in _chain(w)):
            continue          # the reader's page and its faint reading mark are the publication's own
        if isinstance(w, TextInput):
            fg = w.hint_text_color if not w.text else w.foreground_color
            size, bold, text = w.font_size, False, w.text or w.hint_text
        elif isinstance(w, Label):
            fg, size, bold, text = w.color, w.font_size, w.bold, w.text
        else:
            continue
        if not str(text).strip():
            continue
        x, y = w.to_window(*w.center)
        bg = background_at(w, x, y, clear_colour)
        fg = tuple(fg[:3]) + (fg[3] * _opacity(w),)
        large = isinstance(w, Icon) or size >= LARGE_TEXT_PX or (bold and size >= LARGE_BOLD_PX)
        minimum = LARGE if large else TEXT
        value = ratio(fg, bg)
        if value < minimum - .01:
            problems.append(f"{describe(w)} {value:.2f}:1 < {minimum:g}:1 ({size:.0f} px{' bold' if bold else ''})")
    return problems
