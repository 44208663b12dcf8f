"""Loopback stand-ins for a network printer, shared by the printer, queue and UI tests.

``FakeNetworkPrinter`` is a small ESC/POS "printer" in a thread on 127.0.0.1: it stores what arrives
and answers real-time status requests (DLE EOT n) like a printer with paper does — or refuses, never
reads, hangs up mid-ticket, or answers like a web server.
"""
from __future__ import annotations

import socket
import threading
from typing import Callable

STATUS_OK = b"\x12"          # online, paper adequate
DLE_EOT = b"\x10\x04"
HTTP_400 = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class FakeNetworkPrinter:
    """A TCP 'printer' on a free loopback port.

    mode: "ok" (reads all, answers status), "silent" (accepts, never reads), "drop" (reads
    ``drop_after`` bytes of the ticket then closes), "offline" / "no_paper" (answers so), "http" (a web
    server: answers anything with ``400 Bad Request`` and closes).

    ``after_ticket`` runs once the ticket has arrived, before the printer answers the status request
    that follows it: the client is then waiting, so a test can break something at that exact moment."""

    def __init__(self, mode: str = "ok", drop_after: int = 60, after_ticket: Callable[[], None] | None = None):
        self.mode, self.drop_after, self.after_ticket = mode, drop_after, after_ticket
        self.received = bytearray()
        self.connections = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _answer(self, request: bytes) -> bytes:
        n = request[2] if len(request) > 2 else 1
        if self.mode == "offline" and n == 1:
            return b"\x1a"       # bit 3: offline
        if self.mode == "no_paper" and n == 4:
            return b"\x72"       # paper-end sensors
        return STATUS_OK

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            if self.mode == "silent":
                self._held.append(conn)     # keep it open, read nothing
                continue
            self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        ticket_bytes = 0
        with conn:
            while True:
                try:
                    chunk = conn.recv(4096)
                except (socket.timeout, OSError):
                    return
                if not chunk:
                    return
                if self.mode == "http":
                    self.received += chunk
                    conn.sendall(HTTP_400)
                    return
                if chunk.startswith(DLE_EOT) and len(chunk) <= 3:
                    if ticket_bytes:
                        self._ticket_done()
                    conn.sendall(self._answer(chunk))
                    continue
                if self.mode == "drop":
                    keep = max(0, self.drop_after - ticket_bytes)
                    self.received += chunk[:keep]
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    return          # linger 0: the close sends RST, as a printer losing power would
                self.received += chunk
                ticket_bytes += len(chunk)
                # the status request sent after the ticket may arrive glued to its tail
                if chunk.endswith(DLE_EOT + b"\x01") or chunk.endswith(DLE_EOT + b"\x04"):
                    self._ticket_done()
                    conn.sendall(self._answer(chunk[-3:]))

    def _ticket_done(self) -> None:
        hook, self.after_ticket = self.after_ticket, None
        if hook is not None:
            hook()

    def close(self) -> None:
        self._stop.set()
        for c in self._held:
            c.close()
        self.sock.close()
        self.thread.join(2)


def free_closed_port() -> int:
    """A loopback port nobody listens on (connecting is refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
