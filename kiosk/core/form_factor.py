"""The screen shapes the kiosk's layouts are drawn for, and how many pixels a layout unit ("dp") is on
each (issue 14.5). One rule, used by ``kiosk run`` (Kivy's density), ``check-config`` (refusing a size no
layout fits) and the UI (which layout a screen picks).

Sizes are physical, not pixel counts: a kiosk's 1920×1080 panel is usually 21.5–24" (0.25–0.28 mm a
pixel) and a 1366×768 one 18.5–19" (0.30 mm): one dp is one pixel on the first and 0.8 px on the second,
so an 80 dp key is ≈ 20 mm on both (the first wave scaled 1366×768 by 768/1080 = 0.71: keys and text a
third smaller). A portrait stand (1080×1920, usually 32–43") keeps one dp per pixel of its width.

  landscape  16:9, 1000 px high or more  1920×1080 dp   dp = height / 1080
  compact    16:9, 768–999 px high       ≈1707×960 dp   dp = height / 960
  portrait   9:16, 1080 px wide or more  1080×1920 dp   dp = width / 1080
"""
from __future__ import annotations

from dataclasses import dataclass

LANDSCAPE, COMPACT, PORTRAIT = "landscape", "compact", "portrait"
#: the sizes the UI tests and screenshots check every screen at
TESTED_SIZES = {LANDSCAPE: (1920, 1080), COMPACT: (1366, 768), PORTRAIT: (1080, 1920)}

WIDE = (1.70, 1.80)          # 16:9 = 1.778; 1366×768 = 1.779, 1360×768 = 1.771
TALL = (1 / WIDE[1], 1 / WIDE[0])
MIN_HEIGHT_LANDSCAPE, COMPACT_BELOW = 768, 1000
MIN_WIDTH_PORTRAIT = 1080
DESIGN_HEIGHT = {LANDSCAPE: 1080, COMPACT: 960}
DESIGN_WIDTH_PORTRAIT = 1080


@dataclass(frozen=True)
class FormFactor:
    name: str
    density: float           # pixels per dp

    def dp_size(self, width: int, height: int) -> tuple[float, float]:
        return width / self.density, height / self.density


class UnsupportedScreen(ValueError):
    """A width × height no layout is drawn for; the message says which ones are."""


SUPPORTED = ("16:9 landscape from 1366×768 (e.g. 1920×1080, 2560×1440, 3840×2160) "
             "or 9:16 portrait from 1080×1920")


def form_factor(width: int, height: int) -> FormFactor:
    if width <= 0 or height <= 0:
        raise UnsupportedScreen(f"{width}×{height} is not a screen size; the layouts fit {SUPPORTED}")
    aspect = width / height
    if height > width:
        if not TALL[0] <= aspect <= TALL[1] or width < MIN_WIDTH_PORTRAIT:
            raise UnsupportedScreen(f"{width}×{height}: no layout fits this screen; the layouts fit {SUPPORTED}")
        return FormFactor(PORTRAIT, width / DESIGN_WIDTH_PORTRAIT)
    if not WIDE[0] <= aspect <= WIDE[1] or height < MIN_HEIGHT_LANDSCAPE:
        raise UnsupportedScreen(f"{width}×{height}: no layout fits this screen; the layouts fit {SUPPORTED}")
    name = COMPACT if height < COMPACT_BELOW else LANDSCAPE
    return FormFactor(name, height / DESIGN_HEIGHT[name])


def from_dp(width_dp: float, height_dp: float) -> str:
    """Which layout a window of this size *in dp* gets (the UI, which only sees dp)."""
    if height_dp > width_dp:
        return PORTRAIT
    return COMPACT if height_dp < (DESIGN_HEIGHT[LANDSCAPE] + DESIGN_HEIGHT[COMPACT]) / 2 else LANDSCAPE


def size_problem(width: int, height: int) -> str | None:
    """``check-config``'s line for a size no layout fits, else None."""
    try:
        form_factor(width, height)
    except UnsupportedScreen as exc:
        return str(exc)
    return None
