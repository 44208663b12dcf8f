"""WCAG 2.x contrast of the kiosk's colours, computed from the theme (plain Python, no kivy).

``PAIRS`` is THE table of every foreground/background pairing the screens' styles use (button styles,
labels, fields, borders), so one test and ``check-config`` judge a theme the same way: text needs
4.5:1, large bold text and the edges of controls 3:1 (WCAG 1.4.3 and 1.4.11). A colour in the table is
a theme key (``"text"``), a key laid over its background at an opacity (``("text", .7)`` — the kv's
``(*app.colors['text'][:3], .7)``), or a pale tint of a key over white (``("tint", "primary", .12)`` —
``app.tint_of``).
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Iterable, Mapping, Union

Colour = tuple  # (r, g, b[, a]) in 0..1
Spec = Union[str, tuple]

TEXT = 4.5          # body text
LARGE = 3.0         # bold text of 18.7 px and more; borders and shapes of controls
#: the faintest opacity of ``text`` the kiosk's own styles use for secondary text (kv: ``.7``)
MUTED_ALPHA = 0.7
#: the opacity of ``text`` for a field's placeholder
HINT_ALPHA = 0.7

# (what it is, foreground, background, minimum ratio)
PAIRS: tuple[tuple[str, Spec, Spec, float], ...] = (
    ("body text on the screen", "text", "background", TEXT),
    ("body text on cards and fields", "text", "surface", TEXT),
    ("secondary text on the screen", ("text", MUTED_ALPHA), "background", TEXT),
    ("secondary text on cards", ("text", MUTED_ALPHA), "surface", TEXT),
    ("placeholder in a field", ("text", HINT_ALPHA), "surface", TEXT),
    ("headings and links on the screen", "primary", "background", TEXT),
    ("headings and links on cards", "primary", "surface", TEXT),
    ("queue and reference numbers on cards", "accent", "surface", TEXT),
    ("locker number on the screen", "accent", "background", TEXT),
    ("confirmation text on cards", "success", "surface", TEXT),
    ("error text on cards", "danger", "surface", TEXT),
    ("error text on the screen", "danger", "background", TEXT),
    ("text on a soft tile or soft button", "primary", ("tint", "primary", .12), TEXT),
    ("text on an accent note", "text", ("tint", "accent", .18), TEXT),
    ("text on a success note", "text", ("tint", "success", .14), TEXT),
    ("primary button text", "surface", "primary", TEXT),
    ("accent button text", "surface", "accent", TEXT),
    ("success button text", "surface", "success", TEXT),
    ("danger button text", "surface", "danger", TEXT),
    ("header text", "surface", "primary", TEXT),
    ("header subtitle", ("surface", .9), "primary", TEXT),
    ("keyboard key text", "text", "surface", TEXT),
    ("keyboard key edge on the keyboard's panel", "border", ("tint", "primary", .10), LARGE),
    ("field, chip and light-button border on cards", "border", "surface", LARGE),
    ("field, chip and light-button border on the screen", "border", "background", LARGE),
    ("primary button against the screen", "primary", "background", LARGE),
    ("primary button against a card", "primary", "surface", LARGE),
    ("focused field border", "primary", "surface", LARGE),
)


def _hex(colour: str) -> Colour:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)) + (1.0,)


def tint(colour: Colour, strength: float) -> Colour:
    """``colour`` laid over white at ``strength`` (as ``KioskApp.tint_of``)."""
    return tuple(1 - (1 - c) * strength for c in colour[:3]) + (1.0,)


def over(fg: Colour, bg: Colour) -> Colour:
    """What the eye sees: ``fg`` (with its alpha) painted over an opaque ``bg``."""
    a = fg[3] if len(fg) > 3 else 1.0
    return tuple(f * a + b * (1 - a) for f, b in zip(fg[:3], bg[:3])) + (1.0,)


def luminance(colour: Colour) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(fg: Colour, bg: Colour) -> float:
    """The WCAG contrast ratio (1..21) of ``fg`` over ``bg`` (alpha of ``fg`` blended first)."""
    seen = over(fg, bg)
    hi, lo = sorted((luminance(seen), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def colour_of(spec: Spec, colours: Mapping[str, Colour], under: Colour | None = None) -> Colour:
    """A table entry as a colour; an opacity entry is laid over ``under`` (its background)."""
    if isinstance(spec, str):
        return tuple(colours[spec])
    if spec[0] == "tint":
        return tint(colours[spec[1]], spec[2])
    key, alpha = spec
    base = tuple(colours[key][:3]) + (alpha,)
    return over(base, under) if under is not None else base


def check_pairs(colours: Mapping[str, Colour], pairs: Iterable = PAIRS) -> list[tuple[str, float, float]]:
    """Every pair below its minimum, as (what, ratio, minimum)."""
    return [(what, value, minimum) for what, _key, value, minimum in _failing(colours, pairs)]


def _key_of(spec: Spec) -> str:
    return spec if isinstance(spec, str) else (spec[1] if spec[0] == "tint" else spec[0])


def _failing(colours: Mapping[str, Colour], pairs: Iterable) -> list[tuple[str, str, float, float]]:
    failing = []
    for what, fg_spec, bg_spec, minimum in pairs:
        bg = colour_of(bg_spec, colours)
        fg = colour_of(fg_spec, colours, under=bg)
        value = ratio(fg, bg)
        if value < minimum - 1e-9:
            failing.append((what, _key_of(fg_spec), value, minimum))
    return failing


def theme_colours(theme: Any) -> dict[str, Colour]:
    """The ``[theme]`` settings as a name → colour dict."""
    return {f.name: getattr(theme, f.name) for f in fields(theme)}


def theme_problems(theme: Any) -> list[tuple[str, str]]:
    """(key, message) per pair a theme fails, for ``check-config`` (the key is the pair's foreground)."""
    return [(key, f"{what}: contrast {value:.2f}:1, needs {minimum:g}:1 (WCAG)")
            for what, key, value, minimum in _failing(theme_colours(theme), PAIRS)]


#: The high-contrast mode's palette (the "contrast" button in the header): black on white, dark controls.
HIGH_CONTRAST = {
    "primary": _hex("#002B55"), "accent": _hex("#7A3300"), "success": _hex("#0B5A2E"),
    "danger": _hex("#9B1C1C"), "background": _hex("#FFFFFF"), "surface": _hex("#FFFFFF"),
    "text": _hex("#000000"), "border": _hex("#000000"),
}
