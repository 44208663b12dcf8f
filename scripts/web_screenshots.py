"""Screenshots of the web pages (desk, lobby display, phone page and its rating) with realistic sample data.

    .venv/bin/python scripts/web_screenshots.py          # writes docs/screenshots/web-*.png

A throw-away config and database, the real ``kiosk serve`` application under uvicorn on 127.0.0.1 and
Debian's chromium driven by Playwright (no browser download). PNGs are reduced to a small palette
(≤ 50 KB each) so the repository stays light.
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

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from kiosk.core import calls, queue, staff_accounts  # noqa: E402
from kiosk.core.clock import FakeClock, to_utc_naive  # noqa: E402
from kiosk.core.models import Visit  # noqa: E402
from kiosk.runtime import initialise  # noqa: E402
from kiosk.web.app import create_app, make_server  # noqa: E402

OUT = REPO / "docs" / "screenshots"
PASSWORD = "screenshot password"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def small_png(raw: bytes, path: Path, colours: int = 48) -> None:
    img = Image.open(io.BytesIO(raw)).convert("RGB")
    img.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path.relative_to(REPO)}  {path.stat().st_size // 1024} KB")


def sample_day(rt, clock: FakeClock) -> str:
    """A morning at the office: numbers of four services, some called, some waiting long."""
    s, c = rt.settings, clock
    staff_accounts.add("budi", "desk", PASSWORD, to_utc_naive(c.now()))
    for code, n in (("A", 6), ("B", 3), ("C", 2), ("D", 1)):
        for _ in range(n):
            t = queue.issue_ticket(s, c, code).ticket
            Visit.create(ticket=t.id, kiosk="kiosk-1", started_at=to_utc_naive(c.now()),
                         guestbook_completed_at=to_utc_naive(c.now() + dt.timedelta(minutes=1)))
            c.advance(25)
    for counter, code in (("1", "A"), ("2", "B"), ("1", "A"), ("3", "C"), ("1", "A")):
        calls.call_next(s, c, counter, [code], "budi")
        c.advance(40)
    mine = queue.find_ticket(s, c, "A-005")
    c.advance(30)
    for minutes_ago in (4.3, 1.5):      # one close to the standard (amber), one just arrived
        t = queue.issue_ticket(s, c, "A").ticket
        done = to_utc_naive(c.now() - dt.timedelta(minutes=minutes_ago))
        Visit.create(ticket=t.id, kiosk="kiosk-1", started_at=done, guestbook_completed_at=done)
    return calls.phone_token(mine)


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="web-shots-") as tmp:
        text = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
        text = text.replace('logo = "../assets/logo.png"', f'logo = "{REPO / "assets" / "logo.png"}"')
        (Path(tmp) / "kiosk.toml").write_text(text, encoding="utf-8")
        clock = FakeClock(dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.timezone.utc))   # 08:30 WIB
        rt, _ = initialise(Path(tmp) / "kiosk.toml", clock=clock)
        token = sample_day(rt, clock)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        app = create_app(rt, poll=False)
        server = make_server(app, "127.0.0.1", port, log_level="warning")
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=ARGS)
                desk = browser.new_page(viewport={"width": 1280, "height": 720})
                desk.goto(f"{base}/login")
                desk.fill("input[name=name]", "budi")
                desk.fill("input[name=password]", PASSWORD)
                desk.click("button[type=submit].primary")
                desk.click("button[type=submit].primary")       # counter 1, every service
                small_png(desk.screenshot(), OUT / "web-desk.png")
                display = browser.new_page(viewport={"width": 1600, "height": 900})
                display.goto(f"{base}/display")
                display.wait_for_selector("#link.on")
                display.wait_for_timeout(300)
                small_png(display.screenshot(), OUT / "web-display.png")
                phone = browser.new_page(viewport={"width": 390, "height": 700}, device_scale_factor=1)
                phone.goto(f"{base}/q/{token}")
                small_png(phone.screenshot(), OUT / "web-phone.png")
                # a ticket the desk has served: its page offers the rating, which is one page of nine questions
                served = queue.find_ticket(rt.settings, clock, "A-001")
                calls.done(rt.settings, clock, "A-001")
                phone.goto(f"{base}/q/{calls.phone_token(served)}")
                small_png(phone.screenshot(), OUT / "web-phone-served.png")
                phone.click("#rate-offer a")
                phone.click("input[name=u1][value='4']")
                phone.click("input[name=u3][value='3']")
                small_png(phone.screenshot(full_page=True), OUT / "web-phone-rate.png")
                browser.close()
        finally:
            server.handle_exit(None, None)
            thread.join(10)
            rt.close()


if __name__ == "__main__":
    main()
