"""Rules measured on the real widget tree of a screen (issue 14.3, 14.4, 14.5): every control a visitor taps
is at least 80 dp both ways and 12 dp from its neighbours (80 px at 1920×1080); every visible text reaches its
WCAG contrast against what is drawn behind it (text 4.5:1, large or bold-large text and icons 3:1); at every
supported screen size nothing is clipped or overlapping (``layout_problems``).

"Behind it" is found the way the eye finds it: the nearest widget, the label itself first, whose
``canvas.before`` fills the label's centre (a translucent fill is laid over what is behind *it*), else the
window's clear colour."""
from __future__ import annotations

from kivy.core.text import Label as CoreLabel
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


def _text_rect(label) -> tuple[float, float, float, float]:
    """Where a Label's text is drawn in the window: its texture, centred in the widget (Kivy's label rule)."""
    tw, th = label.texture_size
    cx, cy = label.to_window(*label.center)
    return cx - tw / 2, cy - th / 2, cx + tw / 2, cy + th / 2


def _longest_word_px(label) -> float:
    words = str(label.text).replace("\n", " ").split()
    if not words:
        return 0
    core = CoreLabel(font_size=label.font_size, font_name=label.font_name, bold=label.bold)
    return max(core.get_extents(w)[0] for w in words)


def parked(widget, size) -> bool:
    """Inside a panel moved wholly off the window on purpose (a step not in use, kept to keep its fields)."""
    return any(not _in_window(window_rect(node), size) for node in list(_chain(widget))[1:])


def _texts(root, size):
    for w in root.walk(restrict=True):
        if isinstance(w, Label) and str(w.text).strip() and shown(w) and visible_in_clips(w) and not parked(w, size):
            yield w


def layout_problems(root, window_size, slack: float = 2) -> list[str]:
    """What a visitor would see as broken: a control or text outside the window, text spilling out of its box,
    out of its button or over another text, a word broken over two lines ("one letter per line"), a scroll area
    off-screen."""
    width, height = window_size
    problems = []

    def outside(rect):
        x1, y1, x2, y2 = rect
        return x1 < -slack or y1 < -slack or x2 > width + slack or y2 > height + slack

    for w in root.walk(restrict=True):
        if not shown(w) or parked(w, window_size):
            continue
        in_scroll = any(isinstance(a, StencilView) for a in list(_chain(w))[1:])
        if isinstance(w, (ButtonBehavior, TextInput, StencilView)) and not in_scroll and outside(window_rect(w)):
            x1, y1, x2, y2 = window_rect(w)
            problems.append(f"{describe(w)} is outside the window ({x1:.0f},{y1:.0f})-({x2:.0f},{y2:.0f})")
    texts = list(_texts(root, window_size))
    for w in texts:
        tw, th = w.texture_size
        if w.shorten or w.max_lines:    # cut on purpose, with an ellipsis — but some of it must show
            if w.width < 3 * w.font_size:
                problems.append(f"{describe(w)} is cut to {w.width:.0f} px: too narrow to read")
        elif tw > w.width + slack or th > w.height + slack:
            problems.append(f"{describe(w)} text {tw:.0f}x{th:.0f} spills out of its {w.width:.0f}x{w.height:.0f} box")
        if w.text_size[0] is not None and not w.shorten and _longest_word_px(w) > w.text_size[0] + slack:
            problems.append(f"{describe(w)} breaks a word: {w.text_size[0]:.0f} px wide")
        in_scroll = any(isinstance(a, StencilView) for a in list(_chain(w))[1:])
        if not in_scroll and outside(_text_rect(w)):
            problems.append(f"{describe(w)} text is outside the window")
        button = next((a for a in _chain(w) if isinstance(a, ButtonBehavior)), None)
        if button is not None and button is not w:
            tx1, ty1, tx2, ty2 = _text_rect(w)
            bx1, by1, bx2, by2 = window_rect(button)
            if tx1 < bx1 - slack or tx2 > bx2 + slack or ty1 < by1 - slack or ty2 > by2 + slack:
                problems.append(f"{describe(w)} text runs out of its button {describe(button)}")
    rects = [(w, _text_rect(w)) for w in texts]
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            if a in set(_chain(b)) or b in set(_chain(a)):
                continue
            dx = min(ra[2], rb[2]) - max(ra[0], rb[0])
            dy = min(ra[3], rb[3]) - max(ra[1], rb[1])
            if dx > slack and dy > slack:
                problems.append(f"{describe(a)} and {describe(b)} overlap")
    return problems


FILLED = ("success", "primary", "accent", "danger")


def button_problems(root, window_size) -> list[str]:
    """One button system (issue 14.12): a screen's next step is its one green ("success") button, on the right
    half; every filled button sits in the lower two thirds of the window (in reach from a wheelchair)."""
    from kiosk.ui.widgets.common import KButton

    width, height = window_size
    buttons = [w for w in root.walk(restrict=True)
               if isinstance(w, KButton) and shown(w) and visible_in_clips(w) and not parked(w, window_size)]
    problems = []
    for w in buttons:
        x1, y1, x2, y2 = window_rect(w)
        if w.style in FILLED and (y1 + y2) / 2 > height * 2 / 3:
            problems.append(f"{describe(w)} ({w.style}) is in the top third of the window")
    nexts = [w for w in buttons if w.style == "success"]
    if len(nexts) > 1:
        problems.append("more than one next step (green): " + ", ".join(describe(w) for w in nexts))
    for w in nexts:
        x1, _, x2, _ = window_rect(w)
        if (x1 + x2) / 2 < width / 2:
            problems.append(f"{describe(w)}, the next step, is on the left half")
    return problems


def screen_problems(root, window_size) -> list[str]:
    """Every rule a visitor screen is held to: touch targets, layout and the one button system."""
    return target_problems(root, window_size) + layout_problems(root, window_size) + button_problems(root, window_size)


def cut_off(app, name: str, size: tuple[int, int]) -> list[str]:
    """The layout rules' problems, any part of screen ``name`` outside the window or under the header, and
    a button's words wider than the button (a card wider than the window, or words running out of their
    button, are what the rules alone miss)."""
    from kiosk.ui.widgets.common import KButton

    top = size[1] - app.root.ids.header.height
    problems = layout_problems(app.root, size)
    for w in app.manager.get_screen(name).walk(restrict=True):
        if not shown(w):
            continue
        x1, y1, x2, y2 = window_rect(w)
        if x1 < -1 or y1 < -1 or x2 > size[0] + 1 or y2 > top + 1:
            problems.append(f"{describe(w)} is cut off ({x1:.0f},{y1:.0f})-({x2:.0f},{y2:.0f})")
        if isinstance(w.parent, KButton) and getattr(w, "text", ""):
            bx1, _, bx2, _ = window_rect(w.parent)
            if x1 < bx1 - 1 or x2 > bx2 + 1:
                problems.append(f"{describe(w)} runs out of its button")
    return problems
