"""The guestbook on the visitor's phone, with the kiosk under Xvfb waiting on its QR code: the phone sends the
form (over HTTP to the real app, and in a phone-sized Debian chromium against the real server) and the kiosk
moves on to the locker step by itself, with the visit the phone made."""
from __future__ import annotations

import re
import shutil

import pytest

from kiosk.core.models import CheckinToken, Visit
from kiosk.ui.screens import guestbook as guestbook_screen
from ui.kiosk_ui import KioskUITest

GOOD = {"full_name": "Siti Nur", "email": "sn@bps.go.id", "phone": "0812 3456 7890", "institution_name": "UI",
        "gender": "p", "age_group": "20_29", "education": "s1", "occupation": "pelajar",
        "institution_type": "universitas", "purpose": "skripsi", "purpose_detail": "IPM"}
CHROMIUM = shutil.which("chromium")


class CheckinUITest(KioskUITest):

    def at_guestbook(self):
        app, ticket = self.at_consent_with_a_ticket()
        self.tap(self.screen("consent").ids.accept)
        assert app.manager.current == "guestbook"
        form = self.screen("guestbook")
        self.wait_for(lambda: form.phone_qr is not None, what="the phone QR code")
        assert form.ids.phone_box.height > 0 and "Isi dari HP Anda" in self.all_texts()
        return app, form, ticket

    def test_kiosk_moves_on_when_the_phone_sends_the_form(self):
        from starlette.testclient import TestClient

        from kiosk.web.app import create_app

        app, form, ticket = self.at_guestbook()
        assert guestbook_screen.PHONE_POLL_S <= 1.0        # asked once a second: on within 2 s
        url = form.phone_url
        assert re.fullmatch(r"http://127\.0\.0\.1:8080/c/[A-Za-z0-9_-]{43}", url)
        assert "Siti" not in url and "@" not in url
        path = url.split("8080", 1)[1]
        phone = TestClient(create_app(self.runtime, poll=False))
        page = phone.get(path).text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        bad = phone.post(path, data={"csrf": token, **GOOD, "email": "sn@bps"})
        assert bad.status_code == 400
        self.advance_frames(5)
        assert app.manager.current == "guestbook"            # a mistake on the phone does not move the kiosk
        assert phone.post(path, data={"csrf": token, **GOOD}).status_code == 200
        self.wait_for(lambda: app.manager.current == "locker", what="the kiosk to move on by itself")
        visit = Visit.get_by_id(app.session.visit_id)
        assert visit.ticket_id == ticket.id and visit.visitor.full_name == "Siti Nur"
        assert app.session.visitor_name == "Siti Nur" and app.session.visitor_email == "sn@bps.go.id"
        assert form.phone_qr is None                          # stopped asking

    def test_the_code_goes_with_the_visitor(self):
        app, form, _ticket = self.at_guestbook()
        assert CheckinToken.select().count() == 1
        app.finish_visit()                                    # idle reset: the next person gets a new code
        self.advance_frames(3)
        assert form.phone_qr is None and form._phone_poll is None

    def test_no_code_without_a_web_address(self):
        app = self.start("welcome", replace={'public_url = "http://127.0.0.1:8080"': 'public_url = ""'})
        app.session.scratch["consent_at"] = self.clock.now()
        app.go("guestbook")
        self.advance_frames(10)
        form = self.screen("guestbook")
        assert form.phone_qr is None and form.ids.phone_box.height == 0
        assert CheckinToken.select().count() == 0

    @pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
    def test_phone_sized_chromium_fills_the_form_while_the_kiosk_waits(self):
        sync_api = pytest.importorskip("playwright.sync_api")
        from web.web_helpers import live_server

        app, form, ticket = self.at_guestbook()
        path = form.phone_url.split("8080", 1)[1]
        with live_server(self.runtime, poll=False) as base, sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless", "--disable-gpu"])
            try:
                page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                           has_touch=True).new_page()
                page.goto(base + path)
                page.fill("input[name=full_name]", "Siti Nur")
                page.fill("input[name=email]", "sn@bps.go.id")
                page.fill("input[name=phone]", "0812 3456 7890")
                for name, code in (("gender", "p"), ("age_group", "20_29"), ("education", "s1"),
                                   ("occupation", "pelajar"), ("institution_type", "universitas"),
                                   ("purpose", "skripsi")):
                    page.check(f'input[name="{name}"][value="{code}"]')
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, "the form is wider than the phone"
                page.click("button[type=submit]")
                page.wait_for_selector("#done")
            finally:
                browser.close()
        self.wait_for(lambda: app.manager.current == "locker", what="the kiosk to move on by itself")
        assert Visit.get_by_id(app.session.visit_id).ticket_id == ticket.id
