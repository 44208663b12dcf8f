"""A real browser (Debian's chromium driven by Playwright; no browser is downloaded) against the real
server (uvicorn on 127.0.0.1): a desk calls A-001, the display in another browser context shows it and
fetches the voice WAV, the visitor's phone page turns to "called". The poller is off, so the display
can only have learnt of the call from the desk's push over SSE."""
from __future__ import annotations

import shutil
import time

import pytest

from kiosk.core import calls, queue
from web_helpers import PASSWORD, live_server

CHROMIUM = shutil.which("chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def test_desk_call_reaches_display_voice_and_phone(web_rt, browser):
    ticket = queue.issue_ticket(web_rt.settings, web_rt.clock, "A").ticket
    token = calls.phone_url(web_rt.settings, ticket).rsplit("/", 1)[1]
    with live_server(web_rt, poll=False) as base:
        display = browser.new_context().new_page()
        errors: list[str] = []
        display.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        display.goto(f"{base}/display")
        display.wait_for_selector("#link.on")                  # its event stream is open
        phone = browser.new_context().new_page()
        phone.goto(f"{base}/q/{token}")
        assert phone.text_content("#label") == "Menunggu"
        phone.wait_for_timeout(300)                            # its event stream opens too

        desk = browser.new_context().new_page()
        desk.goto(f"{base}/desk")
        assert "/login" in desk.url
        desk.fill("input[name=name]", "budi")
        desk.fill("input[name=password]", PASSWORD)
        desk.click("button[type=submit].primary")
        desk.select_option("select[name=counter]", "1")
        desk.click("button[type=submit].primary")             # services: all checked by default
        started = time.monotonic()
        desk.click("#call-next")
        display.wait_for_function(
            """() => [...document.querySelectorAll('.counter')].some(
                   c => c.dataset.counter === '1' && c.querySelector('.counter-number').textContent === 'A-001')""",
            timeout=5000)
        seen_after = time.monotonic() - started
        assert desk.text_content("#current-number") == "A-001"
        assert "A-001" in display.text_content("#recent")
        display.wait_for_function("() => parseInt(document.body.dataset.voiceBytes || '0') > 10000", timeout=15000)
        phone.wait_for_function("() => document.getElementById('label').textContent === 'Dipanggil — loket 1'",
                                timeout=5000)
        assert "status-called" in phone.get_attribute("#card", "class")
        assert not [e for e in errors if "Content Security Policy" in e]
        print(f"call seen on the display {seen_after * 1000:.0f} ms after the click (incl. the desk's page load)")


def test_desk_hands_back_an_id_card_after_checking_its_number(web_rt, browser):
    from kiosk.core import identity, lockers
    from kiosk.core.clock import to_utc_naive
    from kiosk.core.models import Locker, LockerAssignment, Visit, Visitor

    nik = "3271014506900001"
    key = identity.load_key(web_rt.settings.storage.data_dir)

    def new_locker(name: str) -> str:
        now = to_utc_naive(web_rt.clock.now())
        person = Visitor.create(full_name=name, created_at=now, last_visit_at=now)
        visit = Visit.create(visitor=person, kiosk="k", started_at=now, guestbook_completed_at=now)
        return lockers.assign(web_rt.db, web_rt.clock, visit.id, identity.protect(key, "ktp", nik if name == "Siti"
                                                                                    else "3578010101000002"))

    label = new_locker("Siti")
    with live_server(web_rt) as base:                     # the poller on: a locker taken at a kiosk shows up
        desk = browser.new_context().new_page()
        errors: list[str] = []
        desk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        desk.goto(f"{base}/desk/lockers")
        assert "/login" in desk.url
        desk.fill("input[name=name]", "budi")
        desk.fill("input[name=password]", PASSWORD)
        desk.click("button[type=submit].primary")
        desk.wait_for_url(f"{base}/desk/lockers")
        row = f"#locker-{label}"
        assert "3271********0001" in desk.text_content(row) and nik not in desk.content()

        other = new_locker("Budi")                          # another visitor takes a locker at the kiosk
        desk.wait_for_selector(f"#locker-{other}", timeout=10000)

        desk.fill(f"{row} input[name=id_number]", "3271014506900009")           # not the card in hand
        desk.click(f"{row} button[type=submit]")
        desk.wait_for_selector("#notice")
        assert "tidak cocok" in desk.text_content("#notice") and desk.query_selector(row) is not None

        desk.fill(f"{row} input[name=id_number]", "3271 0145 0690 0001")
        desk.click(f"{row} button[type=submit]")
        desk.wait_for_selector(row, state="detached")
        assert f"Loker {label} dikosongkan" in desk.text_content("#notice")
        assert desk.query_selector(f"#locker-{other}") is not None
        released = LockerAssignment.select().join(Locker).where(Locker.label == label).get()
        assert released.released_at is not None and released.id_card_returned_at is not None
        assert not [e for e in errors if "Content Security Policy" in e]
