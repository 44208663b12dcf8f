"""THE service standard: "called within N minutes after the guestbook" (N = queue.service_standard_min, 5).

This module is the only definition of the share; ``kiosk queue status``, ``kiosk report queue`` and
the desk all count through it, so they can never disagree on the same data again (they did: the
status counted only tickets already past the standard, the report every waiting ticket).

The rule, per ticket:

* **Start**: when the visitor finished the guestbook (the earliest ``Visit.guestbook_completed_at``
  of a visit linked to the ticket); without a linked, finished guestbook, when the ticket was issued.
  The office promises to serve within N minutes of the visitor being *ready*; time spent filling in
  the guestbook is the visitor's, not the queue's.
* **End**: when the number was first called (``Ticket.called_at``; marking a ticket served or no-show
  without a call records the call at that moment). Wait = end − start, never below zero (a number
  called before its guestbook was finished waited nothing).
* **Outcome** at the moment ``now``:
  - called and wait ≤ N minutes → ``WITHIN``;
  - called later, or not called although N minutes have passed since the start → ``LATE`` (whatever
    happens afterwards, the promise is already broken — this includes yesterday's never-called
    numbers and no-shows called late);
  - not called and fewer than N minutes since the start → ``PENDING``: its outcome is not known yet,
    so it is left out of the share (counting it as late would punish a queue for a visitor who
    took a number a minute ago; counting it as within would flatter it).
* **Share** = WITHIN / (WITHIN + LATE); no share (None) when nothing is decided yet.

Which tickets: the caller chooses the set (the day's tickets for the status, the tickets issued in a
report's period for the report), with the same ``now`` — the clock — for both.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from peewee import fn

from kiosk.core.models import Ticket, Visit


class Outcome(enum.Enum):
    WITHIN = "within"
    LATE = "late"
    PENDING = "pending"


@dataclass(frozen=True)
class Start:
    at: dt.datetime          # naive UTC
    from_guestbook: bool


@dataclass(frozen=True)
class Share:
    within: int
    late: int
    pending: int

    @property
    def decided(self) -> int:
        return self.within + self.late

    @property
    def ratio(self) -> float | None:
        return self.within / self.decided if self.decided else None

    @property
    def percent(self) -> Decimal | None:
        """The share in per cent with one decimal (half even, as ``Decimal.quantize``), None when undecided."""
        if not self.decided:
            return None
        return (Decimal(self.within) * 100 / Decimal(self.decided)).quantize(Decimal("0.1"))


def start_times(tickets: list[Ticket],
                issued_between: tuple[dt.datetime, dt.datetime] | None = None) -> dict[int, Start]:
    """Per ticket id: when the standard starts counting (see the module's rule).

    Give ``issued_between`` (naive UTC [start, end)) when the tickets are those issued in a period:
    the visits are then joined on the period, since a year of ticket ids exceeds SQLite's limit on
    ``IN (…)`` variables."""
    starts = {t.id: Start(t.issued_at, False) for t in tickets}
    if not tickets:
        return starts
    first_done = fn.MIN(Visit.guestbook_completed_at)
    rows = Visit.select(Visit.ticket, first_done).where(Visit.guestbook_completed_at.is_null(False))
    if issued_between is None:
        rows = rows.where(Visit.ticket.in_([t.id for t in tickets]))
    else:
        start, end = issued_between
        rows = rows.join(Ticket, on=(Visit.ticket == Ticket.id)).where(
            (Ticket.issued_at >= start) & (Ticket.issued_at < end))
    for ticket_id, completed in rows.group_by(Visit.ticket).tuples():
        if completed is not None and ticket_id in starts:
            if isinstance(completed, str):   # SQLite aggregate results come back as text
                completed = dt.datetime.fromisoformat(completed)
            starts[ticket_id] = Start(completed, True)
    return starts


def wait_of(ticket: Ticket, start: Start) -> dt.timedelta | None:
    """Start → first call, never negative; None while the number has not been called."""
    if ticket.called_at is None:
        return None
    return max(ticket.called_at - start.at, dt.timedelta(0))


def outcome(ticket: Ticket, start: Start, now: dt.datetime, standard_min: int) -> Outcome:
    """The ticket's outcome at ``now`` (naive UTC) under a standard of ``standard_min`` minutes."""
    limit = dt.timedelta(minutes=standard_min)
    wait = wait_of(ticket, start)
    if wait is not None:
        return Outcome.WITHIN if wait <= limit else Outcome.LATE
    return Outcome.LATE if now - start.at > limit else Outcome.PENDING


def share(tickets: Iterable[Ticket], starts: dict[int, Start], now: dt.datetime, standard_min: int) -> Share:
    """Count the outcomes of ``tickets`` (``starts`` from ``start_times`` over at least these tickets)."""
    counts = {o: 0 for o in Outcome}
    for t in tickets:
        counts[outcome(t, starts[t.id], now, standard_min)] += 1
    return Share(counts[Outcome.WITHIN], counts[Outcome.LATE], counts[Outcome.PENDING])
