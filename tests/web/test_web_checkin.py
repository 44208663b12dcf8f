"""The guestbook on the phone over HTTP against the real application: the one-time link the kiosk shows as a
QR code, the kiosk's rules and messages, the visit stored for that kiosk session, expired / reused refused."""
from __future__ import annotations

import datetime as dt
import re

from starlette.testclient import TestClient

from kiosk.core import checkin
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import CheckinToken, Ticket, Visit
from kiosk.web.app import create_app
from web_helpers import csrf_of

GOOD = {"full_name": "Siti Nur", "email": "SN@bps.go.id", "phone": "0812 3456 7890", "institution_name": "UI",
        "gender": "p", "age_group": "20_29", "education": "s1", "occupation": "pelajar",
        "institution_type": "universitas", "purpose": "skripsi", "purpose_detail": "IPM"}


def kiosk_session(rt, lang="id", seq=7):
    ticket = Ticket.create(service_code="A", day=dt.date(2026, 11, 24), seq=seq, number=f"A-{seq:03d}",
                           kiosk="kiosk-1", issued_at=to_utc_naive(rt.clock.now()))
    key = checkin.new_session_key()
    opened = checkin.open_checkin(rt.settings, rt.clock, "kiosk-1", key, ticket_id=ticket.id,
                                  consent_at=rt.clock.now(), consent_version="2026-1", language=lang)
    return key, opened, ticket


def path_of(opened) -> str:
    return re.sub(r"^https?://[^/]+", "", opened.url)


def send(client, path, **data):
    return client.post(path, data={"csrf": csrf_of(client.get(path).text), **data}, follow_redirects=False)


def test_phone_fills_the_guestbook_for_the_kiosk_session(runtime):
    key, opened, ticket = kiosk_session(runtime)
    assert opened.url.startswith(runtime.settings.web.public_url + "/c/") and len(opened.token) >= 43
    assert CheckinToken.get().token_hash != opened.token            # only the hash is stored
    assert checkin.done(key) is None
    client = TestClient(create_app(runtime, poll=False))
    path = path_of(opened)
    page = client.get(path)
    assert page.status_code == 200 and "Buku tamu" in page.text and 'name="gender"' in page.text
    bad = send(client, path, **{**GOOD, "email": "sn@bps", "gender": ""})
    assert bad.status_code == 400
    assert 'id="err-email"' in bad.text and "E-mail tidak valid" in bad.text and 'id="err-gender"' in bad.text
    assert 'value="Siti Nur"' in bad.text                             # what was typed stays
    assert checkin.done(key) is None and Visit.select().count() == 0
    ok = send(client, path, **GOOD)
    assert ok.status_code == 200 and 'id="done"' in ok.text
    done = checkin.done(key)
    assert done is not None and done.full_name == "Siti Nur" and done.email == "sn@bps.go.id"
    visit = Visit.get_by_id(done.visit_id)
    assert visit.ticket_id == ticket.id and visit.kiosk == "kiosk-1" and visit.consent_version == "2026-1"
    assert visit.guestbook_completed_at is not None and visit.purpose == "skripsi"
    # one use: the same link again is refused with a clear page
    again = client.get(path)
    assert again.status_code == 400 and "sudah dipakai" in again.text
    assert send_raw(client, path).status_code in (400, 403)
    assert Visit.select().count() == 1


def send_raw(client, path):
    return client.post(path, data=GOOD, follow_redirects=False)


def test_expired_unknown_and_forged_links_are_refused(runtime, clock):
    key, opened, _ = kiosk_session(runtime)
    client = TestClient(create_app(runtime, poll=False))
    path = path_of(opened)
    assert client.get("/c/" + "A" * 43).status_code == 400
    assert client.get(path).status_code == 200
    assert client.post(path, data=GOOD).status_code == 403               # no CSRF token
    token = csrf_of(client.get(path).text)
    clock.advance(checkin.LIFETIME.total_seconds() + 1)
    late = client.post(path, data={"csrf": token, **GOOD})
    assert late.status_code == 400 and "kedaluwarsa" in late.text
    assert checkin.done(key) is None and Visit.select().count() == 0


def test_english_kiosk_session_and_hostile_text(runtime):
    _key, opened, _ = kiosk_session(runtime, lang="en")
    client = TestClient(create_app(runtime, poll=False))
    path = path_of(opened)
    page = client.get(path + "?lang=en").text
    assert "Full name" in page and "Gender" in page and "Purpose of the visit" in page
    r = send(client, path, **{**GOOD, "full_name": "<script>alert(1)</script>"})
    assert r.status_code == 400 and "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text


def test_a_logged_in_account_finds_the_form_filled(runtime):
    from kiosk.core import guestbook as gb
    from kiosk.core.models import VisitorAccount

    now = to_utc_naive(runtime.clock.now())
    VisitorAccount.create(email="sn@bps.go.id", full_name="Siti Nur", phone="+6281234567890", occupation="pelajar",
                          password_hash="x", consent_version="2026-1", consent_at=now, verified_at=now,
                          created_at=now, password_changed_at=now)
    account = VisitorAccount.get()
    prefill = checkin.prefill_for_account(account.id)
    assert prefill["full_name"] == "Siti Nur" and prefill["email"] == "sn@bps.go.id"
    # an earlier walk-in visit under the same e-mail fills the rest
    entry = gb.validate(GOOD, runtime.settings, dt.date(2026, 11, 24))
    gb.complete(entry, db=runtime.db, clock=runtime.clock, kiosk="k", language="id", consent_at=runtime.clock.now(),
                consent_version="2026-1")
    prefill = checkin.prefill_for_account(account.id)
    assert prefill["gender"] == "p" and prefill["education"] == "s1"


def test_dead_links_are_forgotten_as_new_ones_are_made(runtime, clock):
    kiosk_session(runtime)
    clock.advance(checkin.LIFETIME.total_seconds() + 24 * 3600 + 1)
    kiosk_session(runtime, seq=8)
    assert CheckinToken.select().count() == 1


def test_the_phone_form_asks_the_age_once_like_the_kiosk(runtime):
    # the kiosk asks the age group only; the phone page also asked for a birth year (issue 14.2)
    _key, opened, _ticket = kiosk_session(runtime)
    page = TestClient(create_app(runtime, poll=False)).get(path_of(opened)).text
    assert 'name="age_group"' in page and 'name="birth_year"' not in page
