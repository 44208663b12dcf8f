"""The UI's worker: jobs off the UI thread, results back on the Kivy clock."""
from __future__ import annotations

import logging
import threading

from kiosk.ui.worker import Worker


def test_a_job_cancelled_at_shutdown_is_dropped_quietly(caplog):
    # the app stops (on_stop shuts the worker down) while a look-up waits behind a slow save
    caplog.set_level(logging.DEBUG)
    worker = Worker(threads=1)
    gate = threading.Event()
    done, failed = [], []
    running = worker.submit(gate.wait, done.append, failed.append)
    waiting = worker.submit(lambda: "never run", done.append, failed.append)
    worker.shutdown()
    gate.set()
    running.result(timeout=5)
    assert waiting.cancelled()
    assert not [r for r in caplog.records if r.name == "concurrent.futures"], caplog.text
