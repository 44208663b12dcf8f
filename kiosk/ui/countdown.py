"""A finished step goes back to the start by itself (issue 14.1): the next person at the kiosk must not
find the previous visitor's number or reference on screen, nor tap "go on" on it.

A screen that ends a step says ``returns_home_after = True`` (``KioskScreen``) and shows a ``DoneBar``
(countdown + "Selesai / Done"). Counted on the runtime's clock from the last touch (entering the screen
counts as one), checked by the app's one-second tick — so tests drive it with the FakeClock.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def seconds_left(app) -> int:
    """Seconds until the finished step returns to the start (a touch starts the count again)."""
    waited = app.runtime.clock.monotonic() - app.idle.last_activity
    return max(0, int(app.settings.kiosk.done_return_s - waited + 0.999))


def tick(app) -> bool:
    """Update the current screen's countdown; True when it reached zero and the visit was finished."""
    screen = app.manager.current_screen
    if screen is None or not getattr(screen, "returns_home_after", False):
        return False
    left = seconds_left(app)
    screen.done_seconds_left = left
    if left > 0:
        return False
    log.info("finished step on screen %s: back to the start after %s s", screen.name,
             app.settings.kiosk.done_return_s)
    app.finish_visit()
    return True
