"""Font Awesome Free (solid) glyphs, drawn as text with the font the fontawesomefree package ships."""
from __future__ import annotations

from pathlib import Path

import fontawesomefree

_FONTS = Path(fontawesomefree.__file__).parent / "static" / "fontawesomefree" / "webfonts"
SOLID_FONT = str(_FONTS / "fa-solid-900.ttf")
REGULAR_FONT = str(_FONTS / "fa-regular-400.ttf")

GLYPHS = {
    "ticket": "\uf145", "book": "\uf02d", "book-open": "\uf518", "star": "\uf005", "comment": "\uf4ad",
    "globe": "\uf0ac", "back": "\uf060", "home": "\uf015", "lock": "\uf023", "warning": "\uf071",
    "clock": "\uf017", "check": "\uf058", "hand": "\uf25a", "user": "\uf007", "search": "\uf002",
    "print": "\uf02f", "envelope": "\uf0e0", "key": "\uf084", "power": "\uf011", "rotate": "\uf2f1",
    "backspace": "\uf55a", "shift": "\uf062", "next": "\uf061", "gift": "\uf06b", "id-card": "\uf2c2",
    "locker": "\uf187", "chart": "\uf080", "xmark": "\uf00d", "location": "\uf3c5", "download": "\uf019",
    "contrast": "\uf042", "arrow-left": "\uf060", "arrow-right": "\uf061", "eraser": "\uf12d",
    "magnifier-plus": "\uf00e", "magnifier-minus": "\uf010", "expand": "\uf065", "lock-open": "\uf3c1",
    "face-angry": "\uf556", "face-frown": "\uf119", "face-smile": "\uf118", "face-grin": "\uf580",
}


def glyph(name: str) -> str:
    return GLYPHS[name]
