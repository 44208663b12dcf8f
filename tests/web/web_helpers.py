"""Helpers for the web tests: a runtime with staff accounts, a logged-in client, a real uvicorn server."""
from __future__ import annotations

import re
import socket
import threading
import time
from contextlib import contextmanager

from starlette.testclient import TestClient

from kiosk.core import passwords, staff_accounts
from kiosk.core.models import VisitorAccount
from kiosk.core.clock import to_utc_naive
from kiosk.web.app import create_app, make_server

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def add_staff(rt, name: str, role: str = "desk", password: str = PASSWORD) -> None:
    staff_accounts.add(name, role, password, to_utc_naive(rt.clock.now()))


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf": token, "next": "/desk"},
                       follow_redirects=False)


def desk_client(rt, name: str = "budi", counter: str = "1", services=("A",), app=None) -> TestClient:
    client = TestClient(app or create_app(rt, poll=False))
    assert login(client, name).status_code == 303
    page = client.get("/desk").text
    r = client.post("/desk/setup", data={"csrf": csrf_of(page), "counter": counter, "services": list(services)},
                    follow_redirects=False)
    assert r.status_code == 303
    return client


def post_action(client: TestClient, action: str, **data):
    token = csrf_of(client.get("/desk").text)
    return client.post(f"/desk/{action}", data={"csrf": token, **data}, follow_redirects=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(rt, port: int | None = None, **kwargs):
    """The real application under uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    port = port or free_port()
    app = create_app(rt, **kwargs)
    server = make_server(app, "127.0.0.1", port, log_level="warning")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.handle_exit(None, None)
        thread.join(10)


# --- a visitor's online account (the library online, the phone's rating) ---
VISITOR_PASSWORD = "buku statistik 2026"


def make_account(rt, email="siti.rahma@example.com", verified=True):
    now = to_utc_naive(rt.clock.now())
    row = VisitorAccount.create(email=email, full_name="Siti Rahma", phone="+6281234567890",
                                password_hash=passwords.hash_password(VISITOR_PASSWORD), consent_version="2026-1",
                                consent_at=now, verified_at=now if verified else None, created_at=now,
                                password_changed_at=now)
    return row


def logged_in(rt, email="siti.rahma@example.com") -> TestClient:
    client = TestClient(create_app(rt, poll=False))
    token = csrf_of(client.get("/account/login").text)
    r = client.post("/account/login", data={"csrf": token, "email": email, "password": VISITOR_PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303
    return client
