"""Real mail servers for the mail tests: aiosmtpd on 127.0.0.1 with handlers that accept, refuse, stall or
drop after DATA, and a TCP proxy that throttles (or cuts) the way from the kiosk to the server."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller

from pg_server import free_port


def mail_config(port: int, timeout_s: float = 5.0) -> dict[str, str]:
    """Config replacements: mail on, plain SMTP to 127.0.0.1:``port``."""
    return {"enabled = false": "enabled = true", 'host = "localhost"': 'host = "127.0.0.1"',
            "port = 587": f"port = {port}", 'security = "starttls"': 'security = "none"',
            "timeout_s = 20.0": f"timeout_s = {timeout_s}"}


def message_id(raw: bytes) -> str:
    return email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]


class Sink:
    """Accepts (or refuses) like a mail server and keeps what it received.

    ``after_data``: what to do once a whole message is in — ``"accept"``, ``"stall"`` (answer only
    after ``stall_s``: the kiosk has given up by then), ``"drop"`` (close the connection, no answer)
    or an SMTP reply line such as ``"451 4.3.0 try later"``."""

    def __init__(self):
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse_rcpt = ""
        self.after_data = "accept"
        self.stall_s = 3.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.after_data[:1].isdigit():
            return self.after_data     # refused: not delivered
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.after_data == "stall":
            await asyncio.sleep(self.stall_s)
        elif self.after_data == "drop":
            server.transport.close()
        return "250 Message accepted for delivery"

    @property
    def message_ids(self) -> list[str]:
        return [message_id(raw) for _f, _t, raw in self.received]


class Server:
    def __init__(self, port: int):
        self.port, self.sink, self.controller = port, Sink(), None

    def start(self) -> "Server":
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def port() -> int:
    """A free loopback port for the mail server (import the fixture with ``smtp``)."""
    return free_port()


@pytest.fixture
def smtp(port):
    """A real SMTP server on 127.0.0.1:``port`` that accepts everything (``smtp.sink.received``)."""
    server = Server(port).start()
    yield server
    server.stop()


class ThrottlingProxy:
    """127.0.0.1:``port`` → 127.0.0.1:``upstream``; the kiosk-to-server direction at most ``rate``
    bytes/s (a slow uplink) and, with ``cut_after``, closed after that many bytes (a lost link).
    Every loop is bounded by the stop flag and one-second socket timeouts."""

    def __init__(self, upstream: int, rate: float, cut_after: int | None = None):
        self.upstream, self.rate, self.cut_after = upstream, rate, cut_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.forwarded = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> "ThrottlingProxy":
        self._spawn(self._accept)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(5)
        self.listener.close()
        assert not any(t.is_alive() for t in self._threads), "proxy thread still running"

    def _spawn(self, target, *args) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(t)
        t.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            server = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
            for s in (client, server):
                s.settimeout(1.0)
            self._spawn(self._pump, client, server, True)
            self._spawn(self._pump, server, client, False)

    def _pump(self, src: socket.socket, dst: socket.socket, uplink: bool) -> None:
        started, sent = time.monotonic(), 0
        try:
            while not self._stop.is_set():
                try:
                    data = src.recv(16384)
                except TimeoutError:
                    continue
                if not data:
                    break
                if uplink:
                    if self.cut_after is not None and self.forwarded + len(data) > self.cut_after:
                        break
                    sent += len(data)
                    self.forwarded += len(data)
                    # hold back until the average rate is down to the limit
                    ahead = sent / self.rate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
