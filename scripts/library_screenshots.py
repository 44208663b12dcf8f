"""Screenshots of the library online (issue 16) with a sample catalogue: desktop and phone.

    .venv/bin/python scripts/library_screenshots.py      # writes docs/screenshots/online-*.png

A throw-away config and database, the real ``kiosk serve`` application under uvicorn on 127.0.0.1 and
Debian's chromium driven by Playwright (no browser download); PNGs reduced to a small palette.
"""
from __future__ import annotations

import datetime as dt
import io
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from argon2 import PasswordHasher  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from reportlab.lib.colors import HexColor  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from kiosk.core import checkin, pdfrender  # noqa: E402
from kiosk.core.clock import FakeClock, to_utc_naive  # noqa: E402
from kiosk.core.models import Publication, Ticket, VisitorAccount  # noqa: E402
from kiosk.runtime import initialise  # noqa: E402
from kiosk.web.app import create_app, make_server  # noqa: E402

OUT = REPO / "docs" / "screenshots"
PASSWORD = "screenshot password"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
CATALOGUE = (
    ("Kota Contoh Dalam Angka 2026", "Statistik Umum", "Rak B-3", "#0B4F8A"),
    ("Statistik Kesejahteraan Rakyat 2026", "Sosial", "Rak C-1", "#2E8B57"),
    ("Indeks Harga Konsumen Oktober 2026", "Harga", "", "#B45309"),
    ("Keadaan Ketenagakerjaan Agustus 2026", "Ketenagakerjaan", "Rak B-5", "#7A3E9D"),
    ("Produk Domestik Regional Bruto 2021–2025", "Produk Domestik Regional Bruto", "", "#C0392B"),
    ("Profil Kemiskinan Maret 2026", "Kemiskinan", "Rak C-2", "#1B6F7A"),
)


def small_png(raw: bytes, path: Path, colours: int = 48) -> None:
    img = Image.open(io.BytesIO(raw)).convert("RGB")
    img.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path.relative_to(REPO)}  {path.stat().st_size // 1024} KB")


def publication_pdf(path: Path, title: str, colour: str, pages: int = 12) -> Path:
    c = Canvas(str(path), pagesize=(595, 842))
    c.setFillColor(HexColor(colour))
    c.rect(0, 420, 595, 422, fill=1, stroke=0)
    c.setFillColor(HexColor("#FFFFFF"))
    c.setFont("Helvetica-Bold", 30)
    words, line = title.split(), ""
    y = 760
    for w in words:
        if len(line + " " + w) > 22:
            c.drawString(48, y, line.strip())
            y, line = y - 40, ""
        line += " " + w
    c.drawString(48, y, line.strip())
    c.setFillColor(HexColor("#1B2733"))
    c.setFont("Helvetica", 16)
    c.drawString(48, 380, "BADAN PUSAT STATISTIK KOTA CONTOH")
    c.showPage()
    for n in range(2, pages + 1):
        c.setFont("Helvetica-Bold", 16)
        c.drawString(60, 780, f"Tabel {n - 1}. Penduduk menurut kecamatan, 2026")
        c.setFont("Helvetica", 11)
        for row in range(28):
            c.drawString(60, 740 - row * 20, f"Kecamatan {row + 1:02d}")
            c.drawRightString(330, 740 - row * 20, f"{12000 + row * 731 + n * 17:,}".replace(",", "."))
            c.drawRightString(450, 740 - row * 20, f"{1.2 + row * 0.07:.2f}".replace(".", ","))
            c.line(60, 735 - row * 20, 535, 735 - row * 20)
        c.drawCentredString(297, 40, str(n))
        c.showPage()
    c.save()
    return path


def sample(rt, folder: Path) -> tuple[int, str]:
    now = to_utc_naive(rt.clock.now())
    docs = folder / "docs"
    docs.mkdir()
    first = 0
    for i, (title, subject, shelf, colour) in enumerate(CATALOGUE):
        pdf = publication_pdf(docs / f"p{i}.pdf", title, colour)
        thumb = docs / f"p{i}.jpg"
        doc = pdfrender.open_pdf(pdf)
        pdfrender.save_thumbnail(doc, thumb)
        doc.close()
        pub = Publication.create(
            title=title, subject=subject, year=2026, catalogue_number=f"1102001.33{i:02d}",
            publication_number=f"33{i:02d}.2601", issn="0215-2290", file_path=str(pdf), file_size=pdf.stat().st_size,
            content_hash=f"shot{i}", page_count=12, thumbnail_path=str(thumb), hardcopy_location=shelf,
            read_only=(i == 2), imported_at=now, updated_at=now,
            abstract="Publikasi ini menyajikan data dan indikator pokok Kota Contoh: geografi, penduduk, "
                     "ketenagakerjaan, pendidikan, kesehatan, harga, dan perekonomian." if i == 0 else "")
        first = first or pub.id
    VisitorAccount.create(email="siti.rahma@example.com", full_name="Siti Rahma", phone="+6281234567890",
                          institution_name="Universitas Contoh", occupation="pelajar",
                          password_hash=PasswordHasher().hash(PASSWORD), consent_version="2026-1", consent_at=now,
                          verified_at=now, created_at=now, password_changed_at=now)
    ticket = Ticket.create(service_code="A", day=dt.date(2026, 11, 24), seq=7, number="A-007", kiosk="kiosk-1",
                           issued_at=now)
    opened = checkin.open_checkin(rt.settings, rt.clock, "kiosk-1", checkin.new_session_key(), ticket_id=ticket.id,
                                  consent_at=rt.clock.now(), consent_version="2026-1", language="id")
    return first, opened.url.split("/c/", 1)[1]


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="online-shots-") as tmp:
        text = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
        text = text.replace('logo = "../assets/logo.png"', f'logo = "{REPO / "assets" / "logo.png"}"')
        (Path(tmp) / "kiosk.toml").write_text(text, encoding="utf-8")
        clock = FakeClock(dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.timezone.utc))   # 08:30 WIB
        rt, _ = initialise(Path(tmp) / "kiosk.toml", clock=clock)
        first, token = sample(rt, Path(tmp))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = make_server(create_app(rt, poll=False), "127.0.0.1", port, log_level="warning")
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=ARGS)
                desk = browser.new_page(viewport={"width": 1280, "height": 800})
                desk.goto(f"{base}/library")
                small_png(desk.screenshot(), OUT / "online-library.png")
                desk.goto(f"{base}/account/login")
                desk.fill("input[name=email]", "siti.rahma@example.com")
                desk.fill("input[name=password]", PASSWORD)
                desk.click("form[action='/account/login'] button[type=submit]")
                desk.goto(f"{base}/library/p/{first}")
                small_png(desk.screenshot(full_page=True), OUT / "online-publication.png")
                phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
                reader = phone.new_page()
                reader.goto(f"{base}/account/login")
                reader.fill("input[name=email]", "siti.rahma@example.com")
                reader.fill("input[name=password]", PASSWORD)
                reader.click("form[action='/account/login'] button[type=submit]")
                reader.goto(f"{base}/library/p/{first}/read?page=3")
                reader.wait_for_function("document.getElementById('page').complete")
                small_png(reader.screenshot(), OUT / "online-reader-phone.png")
                visitor = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                              has_touch=True).new_page()
                visitor.goto(f"{base}/c/{token}")
                small_png(visitor.screenshot(), OUT / "online-checkin-phone.png")
                browser.close()
        finally:
            server.handle_exit(None, None)
            thread.join(10)
            rt.close()


if __name__ == "__main__":
    main()
