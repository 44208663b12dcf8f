"""How long the staff reports take over a busy year, on a throw-away SQLite database.

    .venv/bin/python benchmarks/reports_bench.py [--days 365] [--per-day 60]

Fills ``days × per-day`` visits, each with a ticket and (for 80 %) a survey response, then
times building each report and writing it as CSV and as PDF. Prints one line per step.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from helpers import make_runtime  # noqa: E402

from kiosk.core import models, report_tables, reports  # noqa: E402
from kiosk.documents import reports_pdf  # noqa: E402
from kiosk.core.clock import FakeClock, UTC  # noqa: E402


def fill(settings, days: int, per_day: int, start: dt.date) -> tuple[int, int]:
    rnd = random.Random(7)
    g = settings.guestbook
    codes = [s.code for s in settings.services]
    n_visits = n_resp = 0
    for d in range(days):
        day = start + dt.timedelta(days=d)
        base = dt.datetime.combine(day, dt.time(1, 0))          # 08:00 WIB, naive UTC
        tickets, seqs = [], {}
        for i in range(per_day):
            code = rnd.choice(codes)
            seqs[code] = seqs.get(code, 0) + 1
            issued = base + dt.timedelta(minutes=5 * i)
            tickets.append(dict(service_code=code, day=day, seq=seqs[code], number=f"{code}-{seqs[code]:03d}",
                                kiosk="bench", issued_at=issued,
                                called_at=issued + dt.timedelta(minutes=rnd.randint(1, 15)),
                                status=rnd.choice(["served"] * 9 + ["no_show"]), print_failed=rnd.random() < .02))
        with models.database.atomic():
            models.Ticket.insert_many(tickets).execute()
            ids = [t.id for t in models.Ticket.select(models.Ticket.id).where(models.Ticket.day == day)]
            visits = [dict(kiosk="bench", ticket=tid, service_code=t["service_code"], started_at=t["issued_at"],
                           guestbook_completed_at=t["issued_at"] + dt.timedelta(minutes=2),
                           gender=rnd.choice(g.genders).code, age_group=rnd.choice(g.age_groups).code,
                           education=rnd.choice(g.educations).code, occupation=rnd.choice(g.occupations).code,
                           institution_type=rnd.choice(g.institution_types).code,
                           purpose=rnd.choice(g.purposes).code) for tid, t in zip(ids, tickets)]
            models.Visit.insert_many(visits).execute()
            vids = [v.id for v in models.Visit.select(models.Visit.id).where(models.Visit.ticket.in_(ids))]
            resp = [dict(visit=vid, source=models.ResponseSource.VISIT, kiosk="bench",
                         created_at=tickets[0]["issued_at"] + dt.timedelta(hours=3),
                         comment="Pelayanan cepat." if rnd.random() < .05 else "",
                         **{f"u{k}": rnd.choice((2, 3, 3, 4, 4)) for k in range(1, 10)})
                    for vid in vids if rnd.random() < .8]
            models.SurveyResponse.insert_many(resp).execute()
        n_visits += len(visits)
        n_resp += len(resp)
    return n_visits, n_resp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock(dt.datetime(2027, 1, 2, 2, 0, tzinfo=UTC))
        runtime = make_runtime(Path(tmp), clock=clock)
        start = dt.date(2026, 1, 1)
        t0 = time.perf_counter()
        visits, responses = fill(runtime.settings, args.days, args.per_day, start)
        print(f"filled {visits} visits/tickets, {responses} survey responses in {time.perf_counter() - t0:.1f} s")
        period = reports.Period(start, start + dt.timedelta(days=args.days - 1))
        for kind in reports.REPORT_KINDS:
            t0 = time.perf_counter()
            report = reports.build(kind, runtime.settings, clock, period, "id")
            built = time.perf_counter() - t0
            t0 = time.perf_counter()
            csv_path = report_tables.write_csv(report, Path(tmp) / f"{kind}.csv")
            csv_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            pdf_path = reports_pdf.write_pdf(report, Path(tmp) / f"{kind}.pdf", runtime.settings)
            pdf_s = time.perf_counter() - t0
            print(f"{kind:6s} build {built * 1000:7.0f} ms   csv {csv_s * 1000:5.0f} ms ({csv_path.stat().st_size // 1024} KB)"
                  f"   pdf {pdf_s * 1000:6.0f} ms ({pdf_path.stat().st_size // 1024} KB)")
        runtime.close()


if __name__ == "__main__":
    main()
