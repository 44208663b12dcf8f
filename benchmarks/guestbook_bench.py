"""Guestbook and locker speed: what the "Continue" and "Get a locker" taps cost on the UI thread.

    .venv/bin/python benchmarks/guestbook_bench.py              # 300 check-ins on a temp SQLite file
    .venv/bin/python benchmarks/guestbook_bench.py --visits 1000

The guestbook screen validates and commits the visit on the UI thread (no worker hop), and the
locker screen hashes the ID number and commits the assignment there too; both must stay far below
the ~100 ms a touch response may take. Printed: median / p95 / max in ms of
  1. ``guestbook.validate`` (all fields),
  2. ``guestbook.complete`` (durable commit: SQLite WAL, synchronous=FULL),
  3. ``guestbook.find_returning`` (the e-mail + phone lookup the form runs while typing),
  4. ``identity.protect`` + ``lockers.assign`` (with releases, so a locker is always free),
  5. ``privacy.purge`` over all the visits made (once).
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers import make_runtime  # noqa: E402

from kiosk.core import guestbook as gb  # noqa: E402
from kiosk.core import identity, lockers, privacy  # noqa: E402
from kiosk.core.clock import FakeClock  # noqa: E402


def figures(name: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    print(f"{name:<34} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   max {ms[-1]:7.2f} ms"
          f"   (n={len(ms)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=300)
    args = parser.parse_args()
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp:
        rt = make_runtime(Path(tmp), clock=clock)
        key = identity.load_or_create_key(rt.settings.storage.data_dir)
        today = dt.date(2026, 11, 24)
        t_val, t_done, t_find, t_lock = [], [], [], []
        for n in range(args.visits):
            raw = {"full_name": f"Pengunjung Nomor {chr(65 + n % 26)}", "email": f"p{n}@example.co.id",
                   "phone": f"0812{n:08d}", "gender": "p", "age_group": "20_29", "education": "s1",
                   "occupation": "pelajar", "institution_name": "Universitas Indonesia",
                   "institution_type": "universitas", "purpose": "skripsi", "purpose_detail": "Data IPM 2024"}
            t0 = time.perf_counter()
            entry = gb.validate(raw, rt.settings, today)
            t1 = time.perf_counter()
            visit = gb.complete(entry, db=rt.db, clock=clock, kiosk="bench", language="id",
                                consent_at=clock.now(), consent_version="2026-1")
            t2 = time.perf_counter()
            gb.find_returning(raw["email"], raw["phone"])
            t3 = time.perf_counter()
            card = identity.protect(key, "ktp", "3271014506900001")
            label = lockers.assign(rt.db, clock, visit.id, card)
            t4 = time.perf_counter()
            lockers.release(rt.db, clock, label)
            t_val.append(t1 - t0)
            t_done.append(t2 - t1)
            t_find.append(t3 - t2)
            t_lock.append(t4 - t3)
            clock.advance(60)
        figures("validate", t_val)
        figures("complete (commit)", t_done)
        figures("find_returning", t_find)
        figures("protect ID + assign locker", t_lock)
        clock.advance(400 * 86400)
        t0 = time.perf_counter()
        result = privacy.purge(rt.db, rt.settings, clock)
        print(f"{'privacy purge':<34} {1000 * (time.perf_counter() - t0):7.1f} ms for {result.visits} visits, "
              f"{result.visitors} visitors")
        rt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
