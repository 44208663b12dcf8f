"""Desks on a real PostgreSQL server: five desks calling at once never get the same ticket (row locks,
SKIP LOCKED), and the transfer takes its new number under the queue's own numbering lock."""
from __future__ import annotations

import threading

import pytest

from kiosk.core import calls, queue
from kiosk.core.models import Call, Ticket, TicketStatus
from pg_server import pg_runtime, postgres_server, postgres_url  # noqa: F401  (fixtures)
from helpers import kiosks_at_once

pytestmark = pytest.mark.postgres


def test_five_desks_calling_at_once_on_postgres(pg_runtime):
    rt = pg_runtime
    for code in ("A", "B"):
        for _ in range(15):
            queue.issue_ticket(rt.settings, rt.clock, code)
    got: list[str] = []
    lock = threading.Lock()

    def desk(counter: str) -> None:
        for _ in range(8):
            t = calls.call_next(rt.settings, rt.clock, counter, ["A", "B"], staff=f"desk{counter}")
            if t is not None:
                with lock:
                    got.append(t.number)

    kiosks_at_once(rt.db, desk, ["1", "2", "3", "4", "5"])
    assert len(got) == 30 and len(set(got)) == 30
    assert Call.select().count() == 30
    assert Ticket.select().where(Ticket.status == TicketStatus.WAITING).count() == 0


def test_transfer_on_postgres(pg_runtime):
    rt = pg_runtime
    queue.issue_ticket(rt.settings, rt.clock, "A")
    queue.issue_ticket(rt.settings, rt.clock, "B")
    old, new = calls.transfer(rt.settings, rt.clock, "A-001", "B")
    assert (old.status, new.number, new.issued_at) == (TicketStatus.SERVED, "B-002", old.issued_at)
