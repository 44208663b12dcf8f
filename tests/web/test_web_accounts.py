"""Visitor accounts over HTTP against the real application, the mails read from a real SMTP server (aiosmtpd)
on loopback: register → verification mail → verify → log in; reset; export; delete; lockout and rate limits."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re

import pytest
from starlette.testclient import TestClient

from helpers import make_runtime
from kiosk.core.models import OnlineAttempt, OutboxMail, Visitor, VisitorAccount
from kiosk.web.app import create_app
from pg_server import free_port
from smtp_helpers import mail_config, port, smtp  # noqa: F401  (fixtures)
from web_helpers import csrf_of

PASSWORD = "buku statistik 2026"
FORM = {"full_name": "Siti Rahma", "email": "Siti.Rahma@Example.com", "phone": "0812 3456 7890",
        "institution_name": "Universitas Contoh", "occupation": "pelajar", "password": PASSWORD,
        "password2": PASSWORD, "consent": "yes"}
LINK = re.compile(r"http://127\.0\.0\.1:8080(/account/(?:verify|reset)/[A-Za-z0-9_-]+)")


def _rt(tmp_path, clock, port, **replace):
    return make_runtime(tmp_path, clock=clock, replace={**mail_config(port, timeout_s=3), **replace})


@pytest.fixture
def rt(tmp_path, clock, port):
    runtime = _rt(tmp_path, clock, port)
    yield runtime
    runtime.close()


def client_for(rt) -> TestClient:
    return TestClient(create_app(rt, poll=False))


def post_form(client, page: str, action: str, data: dict, **kw):
    return client.post(action, data={"csrf": csrf_of(client.get(page).text), **data}, follow_redirects=False, **kw)


def mail_text(raw: bytes) -> tuple[str, str]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return str(msg["Subject"]), msg.get_body(("plain",)).get_content()


def link_in(raw: bytes) -> str:
    m = LINK.search(mail_text(raw)[1])
    assert m, "no link in the mail"
    return m.group(1)


def register(client, **changes):
    return post_form(client, "/register", "/register", {**FORM, **changes})


def login(client, email="siti.rahma@example.com", password=PASSWORD):
    return post_form(client, "/account/login", "/account/login", {"email": email, "password": password})


def test_register_verify_by_the_mailed_link_and_log_in(rt, smtp):
    client = client_for(rt)
    page = register(client)
    assert page.status_code == 200 and "Periksa e-mail Anda" in page.text and 'id="mail-waits"' not in page.text
    account = VisitorAccount.get()
    assert account.email == "siti.rahma@example.com" and account.verified_at is None
    assert account.consent_version == rt.settings.privacy.notice_version
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
    [(_from, to, raw)] = smtp.sink.received
    assert to == ["siti.rahma@example.com"]
    subject, body = mail_text(raw)
    assert subject == "Konfirmasi e-mail Anda untuk perpustakaan BPS Kota Contoh" and "Yth. Siti Rahma," in body
    link = link_in(raw)
    # logged in before verifying: the account says the address is not confirmed yet
    assert login(client).status_code == 303
    assert 'id="unverified"' in client.get("/account").text
    done = client.get(link)
    assert done.status_code == 200 and "E-mail Anda sudah dikonfirmasi" in done.text
    assert 'id="verified"' in client.get("/account").text
    # the link works once
    again = client.get(link)
    assert again.status_code == 400 and "sudah kedaluwarsa atau sudah dipakai" in again.text
    assert client.get("/account/verify/" + "x" * 43).status_code == 400


def test_an_expired_verification_link_is_refused(rt, smtp, clock):
    client = client_for(rt)
    register(client)
    link = link_in(smtp.sink.received[0][2])
    clock.advance(dt.timedelta(hours=rt.settings.online.verify_link_hours, seconds=1).total_seconds())
    assert client.get(link).status_code == 400
    assert VisitorAccount.get().verified_at is None


def test_mail_server_down_the_mail_waits_in_the_outbox_and_the_page_says_so(tmp_path, clock):
    rt = _rt(tmp_path, clock, free_port())       # nobody listens there
    try:
        page = register(client_for(rt))
        assert page.status_code == 200 and 'id="mail-waits"' in page.text
        assert "menunggu di kotak keluar" in page.text
        mail = OutboxMail.get()
        assert mail.status == "queued" and mail.to_address == "siti.rahma@example.com"
    finally:
        rt.close()


def test_bad_input_shows_the_kiosks_messages_and_stores_nothing(rt, smtp):
    client = client_for(rt)
    page = register(client, email="not-an-email", phone="12", consent="", password2="something else",
                    full_name="<script>alert(1)</script>")
    assert page.status_code == 400
    for field in ("email", "phone", "consent", "password2", "full_name"):
        assert f'id="err-{field}"' in page.text, field
    assert "E-mail tidak valid" in page.text or "tidak valid" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert VisitorAccount.select().count() == 0 and smtp.sink.received == []
    # no CSRF token: refused before anything
    r = client.post("/register", data=FORM, follow_redirects=False)
    assert r.status_code == 403 and VisitorAccount.select().count() == 0


def test_registering_a_known_address_answers_the_same_and_tells_the_owner(rt, smtp):
    client = client_for(rt)
    first = register(client)
    second = register(client_for(rt), full_name="Orang Lain")
    assert second.status_code == first.status_code == 200
    assert "Periksa e-mail Anda" in second.text
    assert VisitorAccount.select().count() == 1 and VisitorAccount.get().full_name == "Siti Rahma"
    subject, body = mail_text(smtp.sink.received[1][2])
    assert subject == "Akun Anda di perpustakaan BPS Kota Contoh" and "/account/verify/" not in body


def test_five_wrong_passwords_lock_the_account(rt, smtp, clock):
    register(client_for(rt))
    client = client_for(rt)
    for _ in range(4):
        r = login(client, password="wrong password")
        assert r.status_code == 401 and "E-mail atau kata sandi salah" in r.text
    locked = login(client, password="wrong password")
    assert locked.status_code == 401 and "dikunci selama 15 menit" in locked.text
    assert "dikunci" in login(client).text            # even the right password, while locked
    clock.advance(dt.timedelta(minutes=16).total_seconds())
    assert login(client).status_code == 303
    # an unknown address answers like a wrong password
    assert "E-mail atau kata sandi salah" in login(client_for(rt), email="nobody@example.com").text


def test_one_address_is_limited_per_hour(tmp_path, clock, port, smtp):
    rt = _rt(tmp_path, clock, port, **{"attempts_per_address_per_hour = 30": "attempts_per_address_per_hour = 3"})
    try:
        client = client_for(rt)
        for _ in range(3):
            assert login(client, email="a@example.com", password="x" * 12).status_code == 401
        r = login(client, email="b@example.com", password="x" * 12)
        assert r.status_code == 400 and "Terlalu banyak percobaan" in r.text
        r = post_form(client, "/account/forgot", "/account/forgot", {"email": "b@example.com"})
        assert r.status_code == 400
        assert register(client).status_code == 400 and VisitorAccount.select().count() == 0
        clock.advance(dt.timedelta(hours=1, seconds=1).total_seconds())
        assert register(client).status_code == 200
    finally:
        rt.close()


def test_verification_mails_per_address_are_limited(rt, smtp):
    for _ in range(5):
        assert register(client_for(rt)).status_code == 200
    assert len(smtp.sink.received) == 3      # the rest answered the same, nothing sent


def test_password_reset_by_mail(rt, smtp):
    register(client_for(rt))
    client = client_for(rt)
    r = post_form(client, "/account/forgot", "/account/forgot", {"email": "SITI.RAHMA@example.com"})
    assert r.status_code == 200 and "Periksa e-mail Anda" in r.text
    subject, _body = mail_text(smtp.sink.received[1][2])
    assert subject == "Atur ulang kata sandi Anda untuk perpustakaan BPS Kota Contoh"
    link = link_in(smtp.sink.received[1][2])
    assert "/account/reset/" in link
    short = post_form(client, link, link, {"password": "short", "password2": "short"})
    assert short.status_code == 400 and "minimal 10 karakter" in short.text
    new = "kata sandi baru sekali"
    done = post_form(client, link, link, {"password": new, "password2": new})
    assert done.status_code == 200 and "Kata sandi baru Anda sudah disimpan" in done.text
    assert login(client_for(rt)).status_code == 401
    assert login(client_for(rt), password=new).status_code == 303
    assert client.get(link).status_code == 400          # used
    # an unknown address: the same answer, no mail
    r = post_form(client, "/account/forgot", "/account/forgot", {"email": "nobody@example.com"})
    assert r.status_code == 200 and len(smtp.sink.received) == 2


def test_export_holds_the_guestbook_entry_of_the_same_email_and_delete_removes_the_account(rt, smtp, clock):
    register(client_for(rt))
    now = dt.datetime(2026, 11, 20, 2, 0)
    Visitor.create(full_name="Siti Rahma", email="siti.rahma@example.com", phone="+6281234567890",
                   created_at=now, last_visit_at=now)
    client = client_for(rt)
    assert client.get("/account/export.json", follow_redirects=False).status_code == 303    # not logged in
    login(client)
    r = client.get("/account/export.json")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = json.loads(r.text)
    assert data["account"]["email"] == "siti.rahma@example.com"
    assert data["account"]["phone"] == "+6281234567890"
    assert [g["full_name"] for g in data["guestbook"]] == ["Siti Rahma"]
    wrong = post_form(client, "/account", "/account/delete", {"password": "not my password"})
    assert wrong.status_code == 401 and VisitorAccount.select().count() == 1
    gone = post_form(client, "/account", "/account/delete", {"password": PASSWORD})
    assert gone.status_code == 200 and "Akun Anda telah dihapus" in gone.text
    assert VisitorAccount.select().count() == 0
    assert OnlineAttempt.select().where(OnlineAttempt.key.startswith("acct:")).count() == 0
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert login(client_for(rt)).status_code == 401


def test_english_one_tap_away(rt, smtp):
    client = client_for(rt)
    page = client.get("/register?lang=en").text
    assert "Privacy notice" in page and "I have read the privacy notice and agree" in page
    assert "Full name" in page


def test_an_account_and_a_walk_in_with_the_same_email_are_one_person(rt, smtp, clock):
    from kiosk.core import accounts
    from kiosk.core import guestbook as gb

    register(client_for(rt))                 # siti.rahma@example.com registers online
    entry = gb.validate({"full_name": "Siti Rahma", "email": "SITI.RAHMA@example.com", "phone": "0812 3456 7890",
                         "gender": "p", "age_group": "20_29", "education": "s1", "occupation": "pelajar",
                         "institution_type": "universitas", "purpose": "skripsi"}, rt.settings, dt.date(2026, 11, 24))
    gb.complete(entry, db=rt.db, clock=clock, kiosk="k", language="id", consent_at=clock.now(), consent_version="2026-1")
    other = gb.validate({"full_name": "Budi", "email": "budi@example.com", "phone": "0812 3456 7891", "gender": "l",
                         "age_group": "20_29", "education": "s1", "occupation": "pelajar",
                         "institution_type": "universitas", "purpose": "skripsi"}, rt.settings, dt.date(2026, 11, 24))
    gb.complete(other, db=rt.db, clock=clock, kiosk="k", language="id", consent_at=clock.now(), consent_version="2026-1")
    start, end = dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)
    assert accounts.service_users(start, end) == 2          # Siti (walk-in + account) and Budi


def test_old_attempts_and_dead_links_are_forgotten(rt, smtp, clock):
    from kiosk.core.models import AccountToken

    register(client_for(rt))
    login(client_for(rt), password="wrong password")
    assert OnlineAttempt.select().count() > 0 and AccountToken.select().count() == 1
    clock.advance((rt.settings.online.verify_link_hours + 25) * 3600)
    register(client_for(rt), email="budi@example.com")
    assert all(a.at > dt.datetime(2000, 1, 1) for a in OnlineAttempt.select())
    assert OnlineAttempt.select().count() == 2          # only the new registration's (address + mail)
    assert AccountToken.select().count() == 1           # only Budi's live link
