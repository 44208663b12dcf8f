"""Several kiosks issuing queue numbers at the same instant: one process each, like real kiosks.

Shared by the SQLite and PostgreSQL queue tests. ``issue_burst`` runs in spawned children, so it lives
in a module they can import by name.
"""
from __future__ import annotations

import multiprocessing
import time
from pathlib import Path


def issue_burst(config_path: str, code: str, count: int, start_at: float, out) -> None:
    """Child process: open the kiosk's runtime like a second kiosk would, wait for the start, issue."""
    from kiosk.core import queue as q
    from kiosk.runtime import open_runtime

    rt = open_runtime(config_path)
    try:
        while time.time() < start_at:
            time.sleep(0.001)
        numbers = [q.issue_ticket(rt.settings, rt.clock, code, kiosk=f"p{multiprocessing.current_process().pid}")
                   .ticket.number for _ in range(count)]
        out.put(numbers)
    except BaseException as exc:  # report any failure to the parent rather than hang it
        out.put(repr(exc))
    finally:
        rt.close()


def run_bursts(config_path: Path, processes: int = 4, each: int = 50, code: str = "A") -> list[str]:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 2.0          # time for the interpreters to start, then all at once
    procs = [ctx.Process(target=issue_burst, args=(str(config_path), code, each, start_at, out))
             for _ in range(processes)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    errors = [r for r in results if isinstance(r, str)]
    assert not errors, errors
    return [n for r in results for n in r]
