"""kiosk backup / restore over a year of a busy office, against `sqlite3 .backup` of the same file.

    .venv/bin/python benchmarks/backup_bench.py [--days 365] [--per-day 60] [--publications 1000] [--runs 3]

Fills a throw-away SQLite database with ``days × per-day`` visits (each with its visitor's personal data,
a ticket and, for 80 %, a survey response) and the metadata of ``publications`` publications, then times
(median of ``runs``):

* ``kiosk backup`` — online copy, manifest with counts and checksums, tar.gz written, fsynced, renamed;
* ``sqlite3 .backup`` — Debian's sqlite3 command line copying the same file (the baseline; Python's
  ``Connection.backup`` is used instead, and said so, when the CLI is missing);
* ``kiosk restore`` — checksums, integrity_check, the state before kept as an archive, the swap;

and prints the sizes: database, archive, the baseline's copy.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from helpers import make_runtime  # noqa: E402

from kiosk.core import backup as bk  # noqa: E402
from kiosk.core import models  # noqa: E402
from kiosk.core import restore as rs  # noqa: E402
from kiosk.core.clock import UTC, FakeClock  # noqa: E402
from kiosk.core.config import sqlite_path  # noqa: E402

FIRST = ["Siti", "Budi", "Dewi", "Agus", "Rina", "Andi", "Putri", "Rizky", "Nur", "Eko", "Ayu", "Fajar"]
LAST = ["Rahma", "Santoso", "Lestari", "Wijaya", "Hidayat", "Saputra", "Pratama", "Sari", "Nugroho"]
WORDS = ("statistik penduduk ekonomi inflasi kemiskinan pertanian industri ketenagakerjaan pendidikan "
         "kesehatan perdagangan harga konsumen produk domestik regional bruto kabupaten kota provinsi").split()


def fill(settings, days: int, per_day: int, publications: int, start: dt.date) -> int:
    rnd = random.Random(13)
    g = settings.guestbook
    codes = [s.code for s in settings.services]
    now = dt.datetime.combine(start, dt.time(0, 0))
    with models.database.atomic():
        models.Publication.insert_many([dict(
            title=" ".join(rnd.choice(WORDS).title() for _ in range(6)) + f" {2015 + i % 12}",
            subject=rnd.choice(WORDS), year=2015 + i % 12, catalogue_number=f"1102001.{i:04d}",
            abstract=" ".join(rnd.choice(WORDS) for _ in range(90)), page_count=rnd.randint(20, 400),
            file_path=f"library/{i:05d}.pdf", file_size=rnd.randint(10**6, 3 * 10**7), content_hash=f"{i:064x}",
            imported_at=now, updated_at=now) for i in range(publications)]).execute()
    visits = 0
    for d in range(days):
        day = start + dt.timedelta(days=d)
        base = dt.datetime.combine(day, dt.time(1, 0))          # 08:00 WIB, naive UTC
        seqs: dict[str, int] = {}
        tickets, people = [], []
        for i in range(per_day):
            code = rnd.choice(codes)
            seqs[code] = seqs.get(code, 0) + 1
            issued = base + dt.timedelta(minutes=5 * i)
            tickets.append(dict(service_code=code, day=day, seq=seqs[code], number=f"{code}-{seqs[code]:03d}",
                                kiosk="bench", issued_at=issued, status="served",
                                called_at=issued + dt.timedelta(minutes=rnd.randint(1, 15))))
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            people.append(dict(full_name=f"{first} {last}", email=f"{first}.{last}{rnd.randint(1, 999)}@gmail.com"
                               .lower(), phone=f"+62812{rnd.randint(10**7, 10**8 - 1)}",
                               institution_name="Universitas Contoh", created_at=issued, last_visit_at=issued))
        with models.database.atomic():
            t_first = models.Ticket.insert_many(tickets).execute()
            p_first = models.Visitor.insert_many(people).execute()
            # insert_many returns the last rowid on SQLite: the ids are consecutive in one transaction
            t_ids = range(t_first - len(tickets) + 1, t_first + 1)
            p_ids = range(p_first - len(people) + 1, p_first + 1)
            rows = [dict(kiosk="bench", ticket=tid, visitor=pid, service_code=t["service_code"],
                         started_at=t["issued_at"], guestbook_completed_at=t["issued_at"] + dt.timedelta(minutes=2),
                         gender=rnd.choice(g.genders).code, age_group=rnd.choice(g.age_groups).code,
                         education=rnd.choice(g.educations).code, occupation=rnd.choice(g.occupations).code,
                         institution_type=rnd.choice(g.institution_types).code, purpose=rnd.choice(g.purposes).code,
                         consent_at=t["issued_at"], consent_version="2026-1")
                    for tid, pid, t in zip(t_ids, p_ids, tickets)]
            v_last = models.Visit.insert_many(rows).execute()
            v_ids = range(v_last - len(rows) + 1, v_last + 1)
            models.SurveyResponse.insert_many([dict(
                visit=vid, source=models.ResponseSource.VISIT, kiosk="bench", created_at=base + dt.timedelta(hours=3),
                comment="Pelayanan cepat dan ramah." if rnd.random() < .1 else "",
                **{f"u{k}": rnd.choice((2, 3, 3, 4, 4)) for k in range(1, 10)})
                for vid in v_ids if rnd.random() < .8]).execute()
        visits += len(rows)
    return visits


def median_time(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=60)
    ap.add_argument("--publications", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(dt.datetime(2027, 1, 2, 19, 0, tzinfo=UTC))
        rt = make_runtime(Path(tmp), clock=clock)
        t0 = time.perf_counter()
        visits = fill(rt.settings, args.days, args.per_day, args.publications, dt.date(2026, 1, 1))
        db_file = sqlite_path(rt.settings)
        rt.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"filled {visits} visits (tickets, visitors, ~80 % rated) and {args.publications} publications "
              f"in {time.perf_counter() - t0:.1f} s; database {db_file.stat().st_size / 1e6:.1f} MB")

        def backup():
            clock.advance(1)
            return bk.create_backup(rt.settings, rt.db, clock.now(), prune=False)
        t_backup, result = median_time(backup, args.runs)
        print(f"kiosk backup     {t_backup * 1000:7.0f} ms  archive {result.size / 1e6:6.1f} MB  "
              f"({result.manifest['counts']['Visit']} visits, {result.manifest['counts']['Publication']} publications)")

        copy = Path(tmp) / "baseline.db"
        cli = shutil.which("sqlite3")

        def baseline():
            copy.unlink(missing_ok=True)
            if cli:
                subprocess.run([cli, str(db_file), f".backup '{copy}'"], check=True)
            else:
                src, dst = sqlite3.connect(str(db_file)), sqlite3.connect(str(copy))
                src.backup(dst)
                dst.close()
                src.close()
        t_base, _ = median_time(baseline, args.runs)
        what = "sqlite3 .backup " if cli else "Connection.backup (no sqlite3 CLI)"
        print(f"{what} {t_base * 1000:7.0f} ms  copy    {copy.stat().st_size / 1e6:6.1f} MB (uncompressed)")

        rt.close()

        def restore():
            clock.advance(1)
            return rs.restore(rt.settings, result.path, clock.now())
        t_restore, restored = median_time(restore, args.runs)
        print(f"kiosk restore    {t_restore * 1000:7.0f} ms  (checksums, integrity_check, the state before kept "
              f"as an archive, swap); {restored.content['counts']['Ticket']} tickets back")

        t_verify, _ = median_time(lambda: rs.unpack_verified(result.path, Path(tempfile.mkdtemp(dir=tmp))), args.runs)
        print(f"  of which unpacking + checking every checksum {t_verify * 1000:.0f} ms")


if __name__ == "__main__":
    main()
