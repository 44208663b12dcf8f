"""``kiosk screenshot``: start the app on one screen, let it draw, save the window, stop."""
from __future__ import annotations

import os
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics.opengl import GL_PACK_ALIGNMENT, GL_RGB, GL_UNSIGNED_BYTE, glPixelStorei, glReadPixels

from kiosk.core.errors import KioskError
from kiosk.runtime import Runtime
from kiosk.ui.app import KioskApp


SETTLE_FRAMES = 5
PALETTE_COLOURS = 64     # the screens use a handful of theme colours: a palette PNG is ~40 % of the RGB one


def _read_window():
    """The window's pixels. Not ``Window.screenshot``: it reads rows 4-byte aligned, so a window whose width
    × 3 is not a multiple of 4 (1366 px) comes out sheared, in the wrong colours."""
    from PIL import Image

    width, height = (int(v) for v in Window.size)
    glPixelStorei(GL_PACK_ALIGNMENT, 1)
    data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    return Image.frombytes("RGB", (width, height), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def _save_small(img, out: Path) -> None:
    """Screenshots are committed (docs/ and the README): every re-render stays in the history, so keep
    each small — a palette PNG, or a lossless WebP (≈ 30 % smaller again) when ``out`` ends in .webp."""
    from PIL import Image

    small = img.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT)
    tmp = out.with_name(f".{out.name}.tmp")
    if out.suffix.lower() == ".webp":
        small.save(tmp, format="WEBP", lossless=True, method=6)
    else:
        small.save(tmp, format="PNG", optimize=True)
    os.replace(tmp, out)


def take_screenshot(runtime: Runtime, screen: str, out: Path, lang: str | None = None) -> Path:
    screen, _, state = screen.partition(":")
    app = KioskApp(runtime, initial_screen=screen)
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    prepared_at: list[int] = []

    def prepare(dt):
        if screen not in app.available_screens:
            problems.append(f"no screen named {screen!r}; see `kiosk screenshot --list`")
            app.stop()
            return
        target = app.manager.get_screen(screen)
        if state and state not in target.screenshot_states:
            problems.append(f"screen {screen!r} has no state {state!r}; see `kiosk screenshot --list`")
            app.stop()
            return
        if lang:
            app.set_language(lang)
        target.screenshot_setup(state)
        prepared_at.append(Clock.frames)
        Clock.schedule_once(capture, 0.6)

    def capture(dt):
        # Layouts, text wrapping and then graphics settle over a few *frames*, and under software GL
        # on a busy machine the first frames take half a second each: count frames, not time.
        if Clock.frames - prepared_at[0] < SETTLE_FRAMES:
            Clock.schedule_once(capture, 0.1)
            return
        _save_small(_read_window(), out)
        app.stop()

    Clock.schedule_once(prepare, 0.2)
    app.run()
    if problems:
        raise KioskError(problems[0])
    return out
