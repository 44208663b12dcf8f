"""A real Kivy window (under Xvfb) driving the real app: build it, tap widgets, type keys."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from kivy.tests.common import GraphicUnitTest, UnitTestTouch

from kiosk.core.clock import FakeClock
from helpers import make_runtime

WIDTH, HEIGHT = 1920, 1080


def dp_size(layout: str) -> tuple[int, int]:
    """The window, in dp, of one of the layouts' tested panels (kiosk.core.form_factor): the tests run at one
    pixel per dp, so ``start(size=dp_size(PORTRAIT))`` is the 1080×1920 stand, COMPACT the 1366×768 panel."""
    from kiosk.core.form_factor import TESTED_SIZES, form_factor

    width, height = TESTED_SIZES[layout]
    w, h = form_factor(width, height).dp_size(width, height)
    return round(w), round(h)


class KioskUITest(GraphicUnitTest):
    """Subclasses call ``self.start(...)`` and then tap, type and assert."""

    @pytest.fixture(autouse=True)
    def _tmp(self, tmp_path: Path):
        self.tmp_path = tmp_path

    def start(self, screen: str = "welcome", extra: str = "", replace: dict[str, str] | None = None,
              before=None, size: tuple[int, int] = (WIDTH, HEIGHT)):
        """The kiosk on a fresh database; ``before(runtime)`` runs before the app is built (what a
        previous run of the kiosk left behind); ``size`` picks the layout (kiosk.core.form_factor)."""
        from kiosk.ui.app import KioskApp

        self.clock = FakeClock()
        self.runtime = make_runtime(self.tmp_path, clock=self.clock, extra=extra, replace=replace)
        if before is not None:
            before(self.runtime)
        self.Window.size = size      # in dp: the tests run at one pixel per dp (conftest)
        self.app = KioskApp(self.runtime, initial_screen=screen)
        self.app.root = self.app.build()
        self.render(self.app.root)
        self.advance_frames(3)
        return self.app

    def at_consent_with_a_ticket(self, replace: dict[str, str] | None = None):
        """A lobby visitor who took A-007 and now reads the privacy notice: (app, ticket)."""
        import datetime as dt

        from kiosk.core.clock import to_utc_naive
        from kiosk.core.models import Ticket

        app = self.start("welcome", replace=replace)
        ticket = Ticket.create(service_code="A", day=dt.date(2026, 11, 24), seq=7, number="A-007", kiosk="kiosk-1",
                               issued_at=to_utc_naive(self.clock.now()))
        app.session.ticket_id = ticket.id
        app.go("consent")
        self.advance_frames(2)
        return app, ticket

    def tearDown(self, fake=False):
        app = getattr(self, "app", None)
        if app is not None and not fake:
            from kiosk.ui import accessibility

            # "Aa" sets Kivy's font scale, which outlives the app: the next test starts at the usual size
            accessibility.reset(app)
            app.dispatch("on_stop")   # also clears kv's cached `app` (ProxyApp)
            self.runtime.close()
        if tuple(self.Window.size) != (WIDTH, HEIGHT):
            self.Window.size = (WIDTH, HEIGHT)      # the next test's widgets expect the landscape window
        super().tearDown(fake)

    # --- acting as a visitor ---

    wait_s = 10.0       # how long wait_for waits by default

    def wait_for(self, condition, seconds: float | None = None, what: str = "") -> None:
        """Run frames until ``condition()`` holds (work done on the worker thread lands by a frame)."""
        end = time.monotonic() + (self.wait_s if seconds is None else seconds)
        while time.monotonic() < end:
            self.advance_frames(1)
            if condition():
                return
            time.sleep(0.01)
        raise AssertionError(f"timed out waiting for {what or condition}")

    def tap_and_wait(self, widget, screen) -> None:
        """Tap a send button whose screen saves in the worker, then run frames until the save landed."""
        self.tap(widget, frames=1)
        self.wait_for(lambda: not screen.busy)
        self.advance_frames(1)

    def tap(self, widget, frames: int = 2) -> None:
        self.advance_frames(1)   # let a screen that was just switched to lay itself out
        assert widget.get_root_window() is not None, f"{widget!r} is not on screen"
        assert not widget.disabled, f"{widget!r} is disabled"
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.advance_frames(frames)

    def hold(self, widget, seconds: float) -> None:
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.advance_frames(1)
            time.sleep(0.02)
        touch.touch_up()
        self.advance_frames(2)

    def screen(self, name: str | None = None):
        return self.app.manager.get_screen(name or self.app.manager.current)

    def find_text(self, text: str, root=None):
        """The first visible widget (depth first) whose ``text`` is exactly ``text``."""
        root = root or self.app.root
        for w in root.walk(restrict=True):
            if getattr(w, "text", None) == text and w.get_root_window() is not None:
                return w
        raise AssertionError(f"no widget with text {text!r} on screen {self.app.manager.current!r}")

    def all_texts(self, root=None) -> list[str]:
        root = root or self.app.root
        return [w.text for w in root.walk(restrict=True) if isinstance(getattr(w, "text", None), str)]

    def type_on_keyboard(self, keyboard, text: str) -> None:
        """Press the on-screen keyboard's keys one by one, as a visitor would."""
        from kiosk.ui.widgets.keyboard import Key

        keys = [w for w in keyboard.walk(restrict=True) if isinstance(w, Key)]
        for ch in text:
            if ch == " ":
                key = next(k for k in keys if k.action == "space")
            elif ch.isalpha() and ch.isupper():
                self.tap(next(k for k in keys if k.action == "shift"), frames=1)
                keys = [w for w in keyboard.walk(restrict=True) if isinstance(w, Key)]
                key = next(k for k in keys if k.key == ch.lower())
            else:
                key = next((k for k in keys if k.key == ch), None)
                assert key is not None, f"no key {ch!r} on the on-screen keyboard ({keyboard.layout})"
            self.tap(key, frames=1)
            keys = [w for w in keyboard.walk(restrict=True) if isinstance(w, Key)]
