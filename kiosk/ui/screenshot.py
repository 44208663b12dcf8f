"""``kiosk screenshot``: start the app on one screen, let it draw, save the window, stop."""
from __future__ import annotations

import shutil
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.core.errors import KioskError
from kiosk.runtime import Runtime
from kiosk.ui.app import KioskApp


SETTLE_FRAMES = 5
PALETTE_COLOURS = 64     # the screens use a handful of theme colours: a palette PNG is ~40 % of the RGB one


def _to_palette(path: Path) -> None:
    """Screenshots are committed (docs/ and the README): every re-render stays in the history, so keep
    each small."""
    from PIL import Image

    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


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
        saved = Window.screenshot(name=str(out.with_suffix("")) + "-tmp.png")
        shutil.move(saved, out)
        _to_palette(out)
        app.stop()

    Clock.schedule_once(prepare, 0.2)
    app.run()
    if problems:
        raise KioskError(problems[0])
    return out
