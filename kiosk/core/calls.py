"""Calling at the counters: the desk's actions, the lobby display's feed, the phone page's status.

The web desk (``kiosk.web.desk``), the display and the phone page call these functions; the queue
itself (numbers, served, no-show) is ``kiosk.core.queue`` and the "within N minutes" rule is
``kiosk.core.standard`` — used here, never restated.

Each call and each recall is a ``Call`` row: the display announces every new row once, so a recall
is announced again and a display that reconnects knows which calls it has already said.
"""
from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from peewee import fn

from kiosk.core import models, queue, standard
from kiosk.core.phone_links import phone_token, phone_url, ticket_qr  # noqa: F401  (re-exported)
from kiosk.core.clock import Clock, local, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.db import is_sqlite, write_transaction
from kiosk.core.errors import N_, NotFound
from kiosk.core.models import Call, Ticket, TicketLink, TicketStatus

AMBER_BEFORE_MIN = 1      # a waiting number turns amber this many minutes before the standard is broken

_ONES = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh",
         "sebelas"]


class CallError(queue.QueueError):
    visitor_message = N_("That cannot be done with this number now.")


class LinkExpired(NotFound):
    visitor_message = N_("This queue number is not valid any more: numbers are valid on their day only.")


def spoken_number(n: int) -> str:
    """Indonesian words for 0 ≤ n < 1,000,000 ("tujuh", "dua belas", "seratus dua puluh tiga")."""
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_ONES[tens]} puluh" + (f" {_ONES[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "seratus" if hundreds == 1 else f"{_ONES[hundreds]} ratus"
        return head + (f" {spoken_number(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = "seribu" if thousands == 1 else f"{spoken_number(thousands)} ribu"
    return head + (f" {spoken_number(rest)}" if rest else "")


def said_number(number: str) -> str:
    """A queue number as it is said aloud: "A-007" → "A tujuh"."""
    prefix, _, seq = number.partition("-")
    return f"{prefix} {spoken_number(int(seq))}" if seq.isdigit() and len(seq) < 7 else number


def call_phrase(number: str, counter: str) -> str:
    """What the lobby hears: "Nomor antrean A tujuh, silakan menuju loket satu"."""
    place = spoken_number(int(counter)) if counter.isdigit() and len(counter) < 6 else counter
    return f"Nomor antrean {said_number(number)}, silakan menuju loket {place}"


def ticket_phrase(number: str) -> str:
    """What the kiosk says as the ticket comes out (issue 14.12), worded as the counter will call it:
    "Nomor antrean Anda, A tujuh"."""
    return f"Nomor antrean Anda, {said_number(number)}"


def counters(settings: Settings) -> list[str]:
    """The counters a desk may choose: those the services name, "1" when none does."""
    found = sorted({s.counter for s in settings.services if s.counter}, key=lambda c: (len(c), c))
    return found or ["1"]


def _today(settings: Settings, clock: Clock) -> dt.date:
    return queue.today(settings, clock)[2]


# --- the desk's actions ---

def call_next(settings: Settings, clock: Clock, counter: str, services: list[str], staff: str = "") -> Ticket | None:
    """Call the oldest waiting number of ``services`` today to ``counter``; None when nobody waits.

    One write transaction: SQLite's BEGIN IMMEDIATE lets one desk at a time read and mark the oldest,
    PostgreSQL skips rows another desk has locked, so two desks at the same moment never get one ticket."""
    codes = [queue.service_for(settings, c).code for c in services]
    if not codes:
        raise CallError("choose at least one service for this counter")
    day = _today(settings, clock)
    now = to_utc_naive(clock.now())
    db = models.database.obj
    with write_transaction(db):
        query = (Ticket.select()
                 .where(Ticket.service_code.in_(codes), Ticket.day == day, Ticket.status == TicketStatus.WAITING)
                 .order_by(Ticket.issued_at, Ticket.id).limit(1))
        if not is_sqlite(db):
            query = query.for_update(skip_locked=True)
        ticket = query.first()
        if ticket is None:
            return None
        Ticket.update(status=TicketStatus.CALLED, called_at=now, counter=counter) \
            .where(Ticket.id == ticket.id).execute()
        Call.create(ticket=ticket.id, counter=counter, staff=staff, recall=False, at=now)
    return Ticket.get_by_id(ticket.id)


def recall(settings: Settings, clock: Clock, number: str, counter: str, staff: str = "") -> Ticket:
    """Announce a called number again (a new Call row: every display says it once more)."""
    with write_transaction(models.database.obj):
        ticket = queue.find_ticket(settings, clock, number)
        if ticket.status != TicketStatus.CALLED:
            raise CallError(f"{ticket.number} is not being called (it is {ticket.status})")
        Call.create(ticket=ticket.id, counter=counter or ticket.counter, staff=staff, recall=True,
                    at=to_utc_naive(clock.now()))
    return ticket


def start(settings: Settings, clock: Clock, number: str, counter: str) -> Ticket:
    """The visitor reached the counter and serving has begun: the called number stays on the displays
    (it is still this counter's), ``started_at`` records the moment. Only once, only for a called number."""
    with write_transaction(models.database.obj):
        ticket = queue.find_ticket(settings, clock, number)
        if ticket.status != TicketStatus.CALLED:
            raise CallError(f"{ticket.number} is not being called (it is {ticket.status})")
        if ticket.started_at is not None:
            raise CallError(f"{ticket.number} is already being served (since {ticket.started_at:%H:%M} UTC)")
        if counter and ticket.counter and ticket.counter != counter:
            raise CallError(f"{ticket.number} was called to counter {ticket.counter}, not {counter}")
        Ticket.update(started_at=to_utc_naive(clock.now())).where(Ticket.id == ticket.id).execute()
    return Ticket.get_by_id(ticket.id)


def done(settings: Settings, clock: Clock, number: str) -> Ticket:
    return queue.mark_served(settings, clock, number)


def no_show(settings: Settings, clock: Clock, number: str) -> Ticket:
    """The called visitor did not come. Refused once serving has started: they came."""
    with write_transaction(models.database.obj):
        ticket = queue.find_ticket(settings, clock, number)
        if ticket.started_at is not None:
            raise CallError(f"{ticket.number} is being served (Start was pressed): finish it with Done")
        return queue.mark_no_show(settings, clock, number)


def transfer(settings: Settings, clock: Clock, number: str, to_service: str) -> tuple[Ticket, Ticket]:
    """Send a visitor on to another service: ``(old, new)``.

    The old number is served (its service happened) and a number of the other service is taken in
    the same write transaction, keeping the old one's issue time so the visitor keeps their place in
    that queue (the desks call oldest first) instead of starting at the back. The phone link moves to
    the new number, so the visitor's phone follows them; the desk tells them the new number."""
    target = queue.service_for(settings, to_service)
    now = to_utc_naive(clock.now())
    with write_transaction(models.database.obj):
        old = queue.find_ticket(settings, clock, number)
        if old.status not in (TicketStatus.WAITING, TicketStatus.CALLED):
            raise CallError(f"{old.number} is {old.status}: only a waiting or called number can be transferred")
        if old.service_code == target.code:
            raise CallError(f"{old.number} is already in service {target.code}")
        new = queue.issue_ticket(settings, clock, target.code, old.language, kiosk=old.kiosk).ticket
        Ticket.update(issued_at=old.issued_at, shown_at=now).where(Ticket.id == new.id).execute()
        queue.mark_served(settings, clock, old.number)
        TicketLink.update(ticket=new.id).where(TicketLink.ticket == old.id).execute()
    return Ticket.get_by_id(old.id), Ticket.get_by_id(new.id)


def current_at(settings: Settings, clock: Clock, counter: str) -> Ticket | None:
    """The number being served at ``counter`` now: its latest call today, if still called."""
    row = (Call.select(Call, Ticket).join(Ticket)
           .where(Call.counter == counter, Ticket.day == _today(settings, clock))
           .order_by(Call.id.desc()).first())
    if row is None or row.ticket.status != TicketStatus.CALLED:
        return None
    return row.ticket


# --- the waiting list (desk) ---

@dataclass(frozen=True)
class Waiting:
    number: str
    service_code: str
    since: dt.datetime          # office-local: guestbook finished, else issued (kiosk.core.standard)
    from_guestbook: bool
    minutes: float
    level: str                  # "ok" | "amber" | "red"


def waiting_list(settings: Settings, clock: Clock, services: list[str] | None = None) -> list[Waiting]:
    now = to_utc_naive(clock.now())
    query = Ticket.select().where(Ticket.day == _today(settings, clock), Ticket.status == TicketStatus.WAITING)
    if services:
        query = query.where(Ticket.service_code.in_(services))
    tickets = list(query.order_by(Ticket.issued_at, Ticket.id))
    starts = standard.start_times(tickets)
    limit = settings.queue.service_standard_min
    out = []
    for t in tickets:
        start = starts[t.id]
        minutes = max((now - start.at).total_seconds() / 60, 0.0)
        if standard.outcome(t, start, now, limit) is standard.Outcome.LATE:
            level = "red"
        elif minutes >= limit - AMBER_BEFORE_MIN:
            level = "amber"
        else:
            level = "ok"
        out.append(Waiting(t.number, t.service_code, local(start.at, settings.office.timezone),
                           start.from_guestbook, minutes, level))
    return out


# --- the lobby display ---

@dataclass(frozen=True)
class Announcement:
    id: int
    number: str
    counter: str
    recall: bool
    at: str                     # office-local HH:MM
    phrase: str


@dataclass(frozen=True)
class DisplayState:
    """Everything the lobby display shows; numbers and counters only, never a person."""
    office: str
    counters: list[tuple[str, str]]           # (counter, number being served or "")
    recent: list[Announcement]                # the last five calls, newest first
    waiting: list[tuple[str, str, int]]       # (service code, Indonesian name, waiting)
    last_call_id: int = 0
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"office": self.office, "counters": [list(c) for c in self.counters],
                "recent": [a.__dict__ for a in self.recent], "waiting": [list(w) for w in self.waiting],
                "last_call_id": self.last_call_id}


def display_state(settings: Settings, clock: Clock) -> DisplayState:
    day = _today(settings, clock)
    zone = settings.office.timezone
    rows = list(Call.select(Call, Ticket).join(Ticket).where(Ticket.day == day).order_by(Call.id.desc()).limit(50))
    recent = [Announcement(c.id, c.ticket.number, c.counter, c.recall, f"{local(c.at, zone):%H:%M}",
                           call_phrase(c.ticket.number, c.counter)) for c in rows[:5]]
    at_counter: dict[str, str] = {}
    for c in rows:
        at_counter.setdefault(c.counter, c.ticket.number if c.ticket.status == TicketStatus.CALLED else "")
    shown = counters(settings)
    shown += sorted(c for c in at_counter if c not in shown)
    counts = queue.waiting_counts(settings, clock)
    return DisplayState(
        office=settings.office.name, counters=[(c, at_counter.get(c, "")) for c in shown], recent=recent,
        waiting=[(s.code, s.name_id, counts.get(s.code, 0)) for s in settings.services],
        last_call_id=rows[0].id if rows else 0)


def announcement(call_id: int) -> Announcement:
    """One call, for its voice file (any day: a display may ask a moment after midnight)."""
    c = Call.select(Call, Ticket).join(Ticket).where(Call.id == call_id).first()
    if c is None:
        raise NotFound(f"no call {call_id}")
    return Announcement(c.id, c.ticket.number, c.counter, c.recall, "", call_phrase(c.ticket.number, c.counter))


def feed_version(settings: Settings, clock: Clock) -> tuple:
    """Changes whenever what displays, desks or phones show may have changed (one cheap query), for
    a web server to notice calls made elsewhere (another server, the CLI) on a shared database."""
    calls = Call.select(fn.MAX(Call.id)).scalar() or 0
    row = (Ticket.select(fn.COUNT(Ticket.id), fn.MAX(Ticket.id), fn.MAX(Ticket.called_at), fn.MAX(Ticket.started_at), fn.MAX(Ticket.served_at),
                         fn.MAX(Ticket.no_show_at))
           .where(Ticket.day == _today(settings, clock)).tuples().first())
    return (calls, *(str(v) for v in (row or ())), *_desk_panels_version())


def _desk_panels_version() -> tuple:
    """What the desk's other panels show (guestbook, lockers, complaints, outbox) changes with these;
    indexed MAX look-ups and the outbox's few statuses, so the poller's second stays cheap."""
    v, a, c, m = models.Visit, models.LockerAssignment, models.Complaint, models.OutboxMail
    parts = [v.select(fn.MAX(v.id), fn.MAX(v.guestbook_completed_at)).tuples().first(),
             a.select(fn.MAX(a.id), fn.MAX(a.released_at)).tuples().first(),
             c.select(fn.MAX(c.id), fn.MAX(c.closed_at)).tuples().first(),
             tuple(sorted(m.select(m.status, fn.COUNT(m.id)).group_by(m.status).tuples()))]
    return tuple(str(p) for p in parts)


# --- the ticket on the visitor's phone ---
# (the link itself is kiosk.core.phone_links: the paper ticket needs it, and queue must not import calls)

@dataclass(frozen=True)
class PhoneStatus:
    number: str
    service_name: str
    status: str                 # waiting | called | served | no_show
    ahead: int
    estimated_min: int | None   # rough: people ahead × today's median time between calls
    counter: str


def phone_status(settings: Settings, clock: Clock, token: str) -> PhoneStatus:
    link = TicketLink.select(TicketLink, Ticket).join(Ticket).where(TicketLink.token == (token or "")[:40]).first()
    if link is None:
        raise NotFound("no ticket has this link")
    ticket = link.ticket
    if ticket.day != _today(settings, clock):
        raise LinkExpired(f"{ticket.number}'s link was for {ticket.day}")
    service = queue.service_for(settings, ticket.service_code)
    ahead = queue.waiting_ahead(ticket) if ticket.status == TicketStatus.WAITING else 0
    estimate = None
    if ticket.status == TicketStatus.WAITING:
        called = [c for (c,) in Ticket.select(Ticket.called_at)
                  .where(Ticket.service_code == ticket.service_code, Ticket.day == ticket.day,
                         Ticket.called_at.is_null(False)).order_by(Ticket.called_at).tuples()]
        gaps = [(b - a).total_seconds() / 60 for a, b in zip(called, called[1:])]
        if gaps:
            estimate = round((ahead + 1) * statistics.median(gaps))
    return PhoneStatus(ticket.number, service.name_id, str(ticket.status), ahead, estimate, ticket.counter)
