"""The library online under load, on loopback (issue 16).

    .venv/bin/python benchmarks/online_bench.py                      # 100 readers for 20 s, then the 300-page download
    .venv/bin/python benchmarks/online_bench.py --readers 100 --seconds 30 --think 1
    .venv/bin/python benchmarks/online_bench.py --skip-readers       # only the download against qpdf

The real ``kiosk serve`` runs in its own process (SQLite WAL in a temporary folder, ``[online]
attempts_per_address_per_hour`` raised: every reader logs in from 127.0.0.1); this process plays the browsers with
httpx2 on one asyncio loop.

1. *Readers.* ``--readers`` verified accounts log in, then each turns the pages of one of ``--publications``
   publications (``--pages`` pages each) one after the other — request a marked page, read it for ``--think``
   seconds, next page — for ``--seconds``. The publications' pages are rendered once before (a cached
   publication); each reader's marked page is still made for that reader (its e-mail is in it). Figure: the time
   of each page request, p50/p95/max. Goal: p95 ≤ 100 ms.
2. *Download.* A 300-page publication: the stamped copy as the download menu makes it (``watermark.stamp_pdf``,
   what ``online_download.request_download`` runs) against ``qpdf --overlay`` of the same stamp onto the same
   file, median of ``--runs``; and the whole request over HTTP (POST the menu + GET the PDF). Goal: ≤ 1.0× qpdf.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from kiosk.core import watermark  # noqa: E402
from kiosk.core.clock import to_utc_naive  # noqa: E402
from kiosk.core.models import Publication, VisitorAccount  # noqa: E402
from kiosk.runtime import initialise  # noqa: E402

PASSWORD = "benchmark password"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FILE_LINK = re.compile(r'href="(/library/downloads/\d+\.pdf)"')


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def make_pdf(path: Path, pages: int, title: str) -> Path:
    c = Canvas(str(path))
    for n in range(pages):
        c.setFont("Helvetica-Bold", 20)
        c.drawString(72, 770, f"{title} — halaman {n + 1}")
        c.setFont("Helvetica", 10)
        for line in range(40):       # a page of text and a table's worth of lines, like a statistics publication
            c.drawString(72, 730 - line * 15, f"Tabel {n + 1}.{line + 1}  Kabupaten {line:02d}  {1000 + line * 37 + n:>8}"
                                             f"  {line * 3.7 + n:8.2f}  {(line * n) % 97:>5}")
        c.rect(60, 100, 475, 640)
        c.showPage()
    c.save()
    return path


def prepare(folder: Path, readers: int, publications: int, pages: int) -> tuple[Path, list[int], int]:
    text = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
    text = text.replace('logo = "../assets/logo.png"', f'logo = "{REPO / "assets" / "logo.png"}"')
    text = text.replace("attempts_per_address_per_hour = 30", "attempts_per_address_per_hour = 10000")
    text = text.replace("downloads_per_account_per_day = 5", "downloads_per_account_per_day = 100")
    text = text.replace("softcopy_per_address_per_day = 5", "softcopy_per_address_per_day = 100")
    config = folder / "kiosk.toml"
    config.write_text(text, encoding="utf-8")
    rt, _ = initialise(config)
    from argon2 import PasswordHasher

    now = to_utc_naive(rt.clock.now())
    docs = folder / "docs"
    docs.mkdir()
    pub_ids = []
    for i in range(publications):
        path = make_pdf(docs / f"pub{i}.pdf", pages, f"Statistik Daerah {i}")
        pub_ids.append(Publication.create(title=f"Statistik Daerah {i}", year=2026, file_path=str(path),
                                          file_size=path.stat().st_size, content_hash=f"bench{i}", page_count=pages,
                                          imported_at=now, updated_at=now).id)
    big = make_pdf(docs / "big.pdf", 300, "Kota Contoh Dalam Angka 2026")
    big_id = Publication.create(title="Kota Contoh Dalam Angka 2026", year=2026, file_path=str(big),
                                file_size=big.stat().st_size, content_hash="bench-big", page_count=300,
                                imported_at=now, updated_at=now).id
    password_hash = PasswordHasher().hash(PASSWORD)      # one hash for every reader: preparing stays quick
    for n in range(readers):
        VisitorAccount.create(email=f"pembaca{n}@example.com", full_name=f"Pembaca {n}", phone="+6281234567890",
                              password_hash=password_hash, consent_version="2026-1", consent_at=now, verified_at=now,
                              created_at=now, password_changed_at=now)
    rt.close()
    return config, pub_ids, big_id


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_up(base: str) -> None:
    async with httpx2.AsyncClient() as c:
        for _ in range(300):
            try:
                if (await c.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("kiosk serve did not start")


async def login(client: httpx2.AsyncClient, email: str) -> None:
    page = await client.get("/account/login")
    r = await client.post("/account/login", data={"csrf": CSRF.search(page.text).group(1), "email": email,
                                                  "password": PASSWORD})
    if r.status_code != 303:
        raise SystemExit(f"login of {email} failed: {r.status_code}")


async def readers_phase(base: str, readers: int, pub_ids: list[int], pages: int, seconds: float,
                        think: float, server_pid: int) -> tuple[list[float], float]:
    limits = httpx2.Limits(max_connections=readers * 2, max_keepalive_connections=readers * 2)
    clients = [httpx2.AsyncClient(base_url=base, timeout=30, limits=limits) for _ in range(readers)]
    try:
        sem = asyncio.Semaphore(8)      # logging in is argon2 work on the server; not what is measured

        async def one_login(n):
            async with sem:
                await login(clients[n], f"pembaca{n}@example.com")
        await asyncio.gather(*(one_login(n) for n in range(readers)))
        # the publications' pages rendered once: "cached publications"
        for pub_id in pub_ids:
            for page in range(1, pages + 1):
                r = await clients[0].get(f"/library/p/{pub_id}/page/{page}.jpg")
                r.raise_for_status()
        times: list[float] = []
        cpu_before = cpu_seconds(server_pid)
        end = time.monotonic() + seconds

        async def reader(n: int) -> None:
            pub_id = pub_ids[n % len(pub_ids)]
            page = 1 + (n * 7) % pages
            await asyncio.sleep((n / readers) * think)       # readers do not all start on the same instant
            while time.monotonic() < end:
                started = time.perf_counter()
                r = await clients[n].get(f"/library/p/{pub_id}/page/{page}.jpg")
                await r.aread()
                times.append(time.perf_counter() - started)
                if r.status_code != 200 or not r.content.startswith(b"\xff\xd8"):
                    raise SystemExit(f"reader {n}: page {page} answered {r.status_code}")
                page = page % pages + 1
                await asyncio.sleep(think)

        await asyncio.gather(*(reader(n) for n in range(readers)))
        return times, cpu_seconds(server_pid) - cpu_before
    finally:
        for c in clients:
            await c.aclose()


def stamp_vs_qpdf(folder: Path, big: Path, runs: int) -> tuple[float, float]:
    stamp = watermark.Stamp("Pembaca Nol", "pembaca0@example.com", dt.datetime(2026, 12, 1, 9, 30),
                            "SC-20261201-0001", "BPS Kota Contoh")
    overlay = folder / "stamp.pdf"
    overlay.write_bytes(watermark.build_stamp_pdf(stamp))
    ours, theirs = [], []
    for i in range(runs):
        t = time.perf_counter()
        watermark.stamp_pdf(big, folder / f"ours{i}.pdf", stamp)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run(["qpdf", str(big), "--overlay", str(overlay), "--repeat=1", "--", str(folder / f"qpdf{i}.pdf")],
                       check=True)
        theirs.append(time.perf_counter() - t)
    return statistics.median(ours), statistics.median(theirs)


async def download_over_http(base: str, big_id: int, runs: int) -> float:
    async with httpx2.AsyncClient(base_url=base, timeout=60) as client:
        await login(client, "pembaca0@example.com")
        took = []
        for _ in range(runs):
            token = CSRF.search((await client.get("/account")).text).group(1)
            t = time.perf_counter()
            r = await client.post(f"/library/p/{big_id}/download", data={"csrf": token, "purpose": "skripsi",
                                                                         "terms": "yes"})
            link = FILE_LINK.search(r.text)
            if link is None:
                raise SystemExit(f"download refused: {r.status_code}")
            pdf = await client.get(link.group(1))
            took.append(time.perf_counter() - t)
            if not pdf.content.startswith(b"%PDF"):
                raise SystemExit("the download is not a PDF")
        return statistics.median(took)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readers", type=int, default=100)
    ap.add_argument("--publications", type=int, default=5)
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--think", type=float, default=2.0, help="seconds a reader looks at a page before the next")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-readers", action="store_true")
    args = ap.parse_args()
    if shutil.which("qpdf") is None:
        raise SystemExit("qpdf is not installed (apt-get install qpdf)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"preparing {args.readers} accounts, {args.publications}×{args.pages}-page publications and a "
              "300-page one …", file=sys.stderr)
        config, pub_ids, big_id = prepare(folder, args.readers, args.publications, args.pages)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(config), "serve", "--port",
                                   str(port)], cwd=REPO)
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(wait_up(base))
            if not args.skip_readers:
                times, cpu = asyncio.run(readers_phase(base, args.readers, pub_ids, args.pages, args.seconds,
                                                       args.think, server.pid))
                ms = [t * 1000 for t in times]
                print(f"readers: {args.readers} readers, think {args.think} s, {len(ms)} pages in {args.seconds:.0f} s "
                      f"({len(ms) / args.seconds:.0f} pages/s): p50 {pct(ms, 50):.1f} ms, p95 {pct(ms, 95):.1f} ms, "
                      f"max {max(ms):.1f} ms  (goal p95 <= 100 ms); server CPU {cpu * 1000 / len(ms):.1f} ms a page")
            big = folder / "docs" / "big.pdf"
            ours, qpdf = stamp_vs_qpdf(folder, big, args.runs)
            print(f"300-page stamp: ours {ours * 1000:.0f} ms, qpdf --overlay {qpdf * 1000:.0f} ms "
                  f"= {ours / qpdf:.2f}x  (goal <= 1.0x)")
            http = asyncio.run(download_over_http(base, big_id, args.runs))
            print(f"300-page download over HTTP (menu POST + PDF GET, median of {args.runs}): {http * 1000:.0f} ms "
                  f"= {http / qpdf:.2f}x qpdf --overlay")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
