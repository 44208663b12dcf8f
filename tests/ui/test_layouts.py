"""Every visitor screen at the three screen shapes the kiosk supports (issue 14.5): landscape 1920×1080,
compact 1366×768 and portrait 1080×1920 — nothing outside the window, no text spilling out of its box or over
another, no word broken over lines, every control 80 dp both ways and 12 dp from its neighbours.

The window is sized in dp (the tests run at one pixel per dp), the way ``kiosk.core.form_factor`` maps each
panel: 1366×768 is ≈1708×960 dp, 1080×1920 is 1080×1920 dp."""
from __future__ import annotations

import pytest

from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT, TESTED_SIZES, form_factor
from ui.kiosk_ui import KioskUITest

VISITOR_SCREENS_SKIPPED = {"staff", "staff_pin"}     # staff only: not measured against the visitor rules


def dp_size(layout: str) -> tuple[int, int]:
    width, height = TESTED_SIZES[layout]
    w, h = form_factor(width, height).dp_size(width, height)
    return round(w), round(h)


class LayoutTest(KioskUITest):

    def measure(self, layout: str, only=None) -> dict[str, list[str]]:
        from ui.screen_rules import button_problems, layout_problems, target_problems

        size = dp_size(layout)
        app = self.start(size=size)
        assert app.layout == layout
        found: dict[str, list[str]] = {}
        for name in sorted(app.screen_classes):
            if name in VISITOR_SCREENS_SKIPPED or (only and name not in only):
                continue
            for lang in ("id", "en"):
                screen = app.manager.get_screen(name)
                app.go(name)
                app.set_language(lang)
                for state in ("",) + tuple(screen.screenshot_states):
                    screen.screenshot_setup(state)
                    self.advance_frames(4)
                    where = f"{name}{':' + state if state else ''} [{lang}]"
                    for problem in (target_problems(app.root, size) + layout_problems(app.root, size)
                                    + button_problems(app.root, size)):
                        found.setdefault(name, []).append(f"{where}: {problem}")
                app.finish_visit()
        return found

    def check(self, layout: str) -> None:
        found = self.measure(layout)
        gaps = KNOWN_GAPS.get(layout, set())
        report = "\n".join(sorted({p for name, problems in found.items() if name not in gaps for p in problems}))
        assert not report, report
        # a screen listed below and now fixed: take it off the list, so it stays fixed
        assert gaps <= set(found), f"fixed, remove from KNOWN_GAPS[{layout!r}]: {gaps - set(found)}"

    def test_every_screen_in_landscape_1920x1080(self):
        self.check(LANDSCAPE)

    def test_every_screen_on_a_1366x768_panel(self):
        self.check(COMPACT)

    def test_every_screen_in_portrait_1080x1920(self):
        self.check(PORTRAIT)



# Screens still short of a layout (issue 14.5), while they are being redrawn: each fixed one leaves the list.
KNOWN_GAPS: dict[str, set[str]] = {
    LANDSCAPE: {"complaint", "scan"},
    COMPACT: {"complaint", "guestbook", "locker", "scan", "softcopy", "survey", "ticket"},
    PORTRAIT: {"complaint", "consent", "guestbook", "locker", "publication", "scan", "service",
               "softcopy", "softcopy_done", "survey", "thanks", "ticket"},
}
