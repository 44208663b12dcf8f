"""Device and disk work off the UI thread; results come back on the Kivy clock.

A touchscreen that freezes while the printer times out looks broken, so screens never
call a device directly: they ``submit`` and get ``on_done(result)`` or ``on_error(exc)``
on the UI thread.
"""
from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from kivy.clock import Clock

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, threads: int = 2):
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kiosk-worker")

    def submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
               on_error: Callable[[BaseException], None]) -> Future:
        future = self._pool.submit(fn)

        def back_on_ui(fut: Future) -> None:
            if fut.cancelled():     # the app stopped before it ran (shutdown cancels what waits)
                return
            exc = fut.exception()
            if exc is not None:
                log.warning("background task failed: %r", exc)
                Clock.schedule_once(lambda dt: on_error(exc))
            else:
                result = fut.result()
                Clock.schedule_once(lambda dt: on_done(result))

        future.add_done_callback(back_on_ui)
        return future

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
