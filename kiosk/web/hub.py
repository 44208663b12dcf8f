"""Live updates: one state for every listener, pushed by Server-Sent Events.

Desks publish right after their commit (a call reaches the displays at once); a poller also looks
at ``calls.feed_version`` every second, so calls made elsewhere on a shared database (another
server, ``kiosk queue call``, a kiosk issuing numbers) reach the pages too. The state is computed
once per change, not once per listener, so 50 displays cost one query.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Callable

from starlette.concurrency import run_in_threadpool

from kiosk.core.errors import StorageError

log = logging.getLogger(__name__)

PING_S = 15          # a comment line so proxies and dead peers are noticed
POLL_S = 1.0
RETRY_MS = 1000      # EventSource reconnects after this long when the server goes away


class Hub:
    def __init__(self, compute: Callable[[], tuple[tuple, dict]]):
        self._compute = compute          # → (version, state as JSON-able dict); runs in a thread
        self._listeners: set[asyncio.Queue] = set()
        self.version: tuple | None = None
        self.state: dict | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    async def refresh(self, force: bool = False) -> None:
        """Compute the state; push it to every listener when it changed (or ``force``)."""
        async with self._lock:
            version, state = await run_in_threadpool(self._compute)
            if not force and version == self.version:
                return
            self.version, self.state = version, state
            message = f"event: state\ndata: {json.dumps(state, separators=(',', ':'))}\n\n"
            for q in list(self._listeners):
                if q.full():              # a listener that stopped reading loses old news, not new
                    q.get_nowait()
                q.put_nowait(message)

    async def changed(self) -> None:
        """After a commit made here: push at once. A database that fails now is the poller's to retry;
        the action itself is already done, so the desk must not see it as failed."""
        try:
            await self.refresh()
        except StorageError as exc:
            log.warning("live update after a change deferred: %s", exc)

    async def poll_forever(self) -> None:
        while not self._closed:
            try:
                await self.refresh()
            except StorageError as exc:
                log.warning("live updates paused: %s", exc)
            await asyncio.sleep(POLL_S)

    def close(self) -> None:
        """End every stream (the server is stopping); callable from any thread or a signal handler."""
        self._closed = True
        loop = self._loop

        def wake() -> None:
            for q in list(self._listeners):
                if q.full():
                    q.get_nowait()
                q.put_nowait(None)

        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake)

    async def stream(self):
        """One listener's SSE body: the current state first, then every change, pings between."""
        q: asyncio.Queue = asyncio.Queue(maxsize=8)
        self._loop = asyncio.get_running_loop()
        self._listeners.add(q)
        try:
            yield f"retry: {RETRY_MS}\n\n"
            if self.state is None:
                try:
                    await self.refresh()    # the first listener: computed, and pushed to its queue
                except StorageError as exc:
                    log.warning("live updates paused: %s", exc)     # the poller tries again each second
            else:
                yield f"event: state\ndata: {json.dumps(self.state, separators=(',', ':'))}\n\n"
            while not self._closed:
                try:
                    message = await asyncio.wait_for(q.get(), PING_S)
                except asyncio.TimeoutError:
                    yield ": ping\n\n"
                    continue
                if message is None:
                    return
                yield message
        finally:
            self._listeners.discard(q)
