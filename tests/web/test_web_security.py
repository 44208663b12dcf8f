"""The web face's guards, over HTTP against the real application (Starlette's TestClient)."""
from __future__ import annotations

from starlette.testclient import TestClient

from kiosk.core import queue
from kiosk.core.models import AuditEntry, Ticket, TicketStatus
from kiosk.core import db as db_mod
from kiosk.core.config import sqlite_path
from kiosk.runtime import Runtime, open_runtime
from kiosk.web.app import create_app
from web_helpers import PASSWORD, csrf_of, desk_client, login, post_action

import helpers


def test_healthz_and_security_headers(web_rt):
    client = TestClient(create_app(web_rt, poll=False))
    r = client.get("/healthz")
    assert r.status_code == 200 and r.text == "ok"
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_no_login_goes_to_the_login_page(web_rt):
    client = TestClient(create_app(web_rt, poll=False))
    for path in ("/desk", "/admin", "/desk/waiting"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert "csrf" in client.get("/login").text


def test_session_cookie_is_httponly_and_samesite(web_rt):
    client = TestClient(create_app(web_rt, poll=False))
    r = login(client, "budi")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie


def test_session_cookie_is_secure_behind_https(tmp_path, clock):
    rt = helpers.make_runtime(tmp_path, clock=clock,
                              replace={'public_url = "http://127.0.0.1:8080"': 'public_url = "https://pst.example"'})
    try:
        helpers_add(rt)
        client = TestClient(create_app(rt, poll=False), base_url="https://testserver")
        assert "secure" in login(client, "budi").headers["set-cookie"].lower()
    finally:
        rt.close()


def helpers_add(rt):
    from web_helpers import add_staff
    add_staff(rt, "budi")


def test_desk_account_cannot_open_admin_pages(web_rt):
    desk = TestClient(create_app(web_rt, poll=False))
    login(desk, "budi")
    assert desk.get("/admin").status_code == 403
    admin = TestClient(create_app(web_rt, poll=False))
    login(admin, "ani")
    page = admin.get("/admin")
    assert page.status_code == 200 and "budi" in page.text


def test_a_form_without_a_valid_csrf_token_is_refused(web_rt):
    queue.issue_ticket(web_rt.settings, web_rt.clock, "A")
    client = desk_client(web_rt)
    for data in ({}, {"csrf": ""}, {"csrf": "forged-token"}):
        r = client.post("/desk/call", data=data, follow_redirects=False)
        assert r.status_code == 403, data
    # the login form too: a page elsewhere cannot log a browser in
    assert TestClient(create_app(web_rt, poll=False)).post(
        "/login", data={"name": "budi", "password": PASSWORD}).status_code == 403
    assert Ticket.get().status == TicketStatus.WAITING       # nothing was called


def test_five_wrong_passwords_lock_the_account_even_after_a_restart(web_rt, clock):
    client = TestClient(create_app(web_rt, poll=False))
    for _ in range(5):
        r = login(client, "budi", "wrong password!")
        assert r.status_code == 401
    r = login(client, "budi")                       # the right password, too late
    assert r.status_code == 401 and "dikunci" in r.text
    # restart: a new runtime and a new application on the same database
    config = web_rt.config_path
    web_rt.close()
    rt2 = open_runtime(config, clock=clock)
    try:
        client2 = TestClient(create_app(rt2, poll=False))
        assert login(client2, "budi").status_code == 401
        assert login(client2, "ani").status_code == 303          # another account is not locked
        clock.advance(16 * 60)
        assert login(client2, "budi").status_code == 303         # the lock ends after 15 minutes
    finally:
        rt2.close()


def test_unknown_names_are_locked_out_like_real_ones(web_rt):
    client = TestClient(create_app(web_rt, poll=False))
    answers = {login(client, "nobody", "x" * 12).text.count("Nama atau kata sandi salah") for _ in range(4)}
    assert answers == {1}
    login(client, "nobody", "x" * 12)
    assert "dikunci" in login(client, "nobody", "x" * 12).text


def test_disabled_account_is_logged_out(web_rt):
    from kiosk.core import staff_accounts
    from kiosk.core.clock import to_utc_naive

    client = desk_client(web_rt)
    assert client.get("/desk").status_code == 200
    staff_accounts.set_active("budi", False, to_utc_naive(web_rt.clock.now()))
    r = client.get("/desk", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_every_staff_action_is_in_the_audit_log(web_rt):
    for _ in range(2):
        queue.issue_ticket(web_rt.settings, web_rt.clock, "A")
    client = desk_client(web_rt)
    post_action(client, "call")
    post_action(client, "recall", number="A-001")
    post_action(client, "done", number="A-001")
    post_action(client, "call")
    post_action(client, "no-show", number="A-002")
    client.post("/logout", data={"csrf": csrf_of(client.get("/desk").text)})
    actions = [(e.staff, e.action) for e in AuditEntry.select().order_by(AuditEntry.id)]
    budi = [a for s, a in actions if s == "budi"]
    assert budi == ["staff_add"][:0] + ["login", "desk_setup", "call", "recall", "done", "call", "no_show", "logout"]
    assert ("cli", "staff_add") in actions


def test_script_payloads_are_escaped(tmp_path, clock):
    payload = "<script>alert(1)</script>"
    rt = helpers.make_runtime(tmp_path, clock=clock,
                              replace={'name = "BPS Kota Contoh"': f'name = "{payload}"',
                                       'name_id = "Perpustakaan"': f'name_id = "Perpus {payload}"'})
    try:
        helpers_add(rt)
        queue.issue_ticket(rt.settings, rt.clock, "A")
        client = TestClient(create_app(rt, poll=False))
        pages = [client.get("/display").text, client.get("/login?next=/desk%22%3E" + payload).text]
        login(client, "budi")
        pages.append(client.get("/desk").text)
        pages.append(client.get("/desk?change=1").text)
        for html in pages:
            assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    finally:
        rt.close()


def test_a_read_only_database_gives_a_page_not_a_traceback(web_rt, clock):
    queue.issue_ticket(web_rt.settings, web_rt.clock, "A")
    logged_in = desk_client(web_rt)          # logged in while the database could still be written
    settings = web_rt.settings
    web_rt.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")     # immutable readers skip the WAL
    web_rt.close()
    # the database file opened read-only by SQLite itself (as on a read-only disk; root ignores chmod)
    db = db_mod.open_sqlite(sqlite_path(settings), read_only=True)
    db_mod.bind(db)
    rt = Runtime(settings=settings, db=db, clock=clock)
    try:
        client = TestClient(create_app(rt, poll=False))
        client.cookies = logged_in.cookies
        r = post_action(client, "call")
        assert r.status_code == 503
        assert "Traceback" not in r.text and 'http-equiv="refresh"' in r.text
        assert "Maaf" in r.text
        assert Ticket.get().status == TicketStatus.WAITING
    finally:
        rt.close()
