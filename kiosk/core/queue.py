"""Queue numbers per service per local day, calling, and the service-standard figures.

The CLI (``kiosk ticket``, ``kiosk queue …``) and the screens call these same functions.

Numbers are ``<prefix>-<seq>`` (``A-007``), ``seq`` counting from 1 per service and office-local
day. A number is taken inside one write transaction — SQLite's ``BEGIN IMMEDIATE`` holds the
write lock from the first read; on PostgreSQL a transaction-scoped advisory lock per
(service, day) serialises issuers — and the unique (service_code, day, seq) index is the last
guard (a collision is retried). The ticket row is committed before anything is printed, so a
printer failure never loses a number.

The service standard counts from the moment the visitor finished the guestbook
(``Visit.guestbook_completed_at`` of a visit linked to the ticket), or from the ticket's issue
time when no visit is linked (yet).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import statistics
import zlib
from dataclasses import dataclass, field

from peewee import Database, IntegrityError, OperationalError, fn

from kiosk.core import models
from kiosk.core.clock import Clock, local, local_day_bounds, to_utc_naive, zone_label
from kiosk.core.config import ServiceSettings, Settings
from kiosk.core.db import is_sqlite, write_transaction
from kiosk.core.errors import KioskError, NotFound
from kiosk.core.models import Ticket, Visit
from kiosk.core.ports import PrinterError, TicketPrinting, TicketText
from kiosk.i18n import N_, gettext_for


log = logging.getLogger(__name__)

WAITING, CALLED, SERVED, NO_SHOW = "waiting", "called", "served", "no_show"
ISSUE_ATTEMPTS = 8

# Printed on the ticket, in the visitor's language (translated in queue.po).
T_INSTRUCTION = N_("Please fill in the guestbook")
T_NOBODY_AHEAD = N_("No one is waiting ahead of you")
T_ONE_AHEAD = N_("1 person is waiting ahead of you")
T_MANY_AHEAD = N_("{count} people are waiting ahead of you")
T_FREE = N_("This service is FREE of charge.")
T_COMPLAINTS = N_("Complaints and suggestions:")
T_COUNTER = N_("Counter {counter}")


class QueueError(KioskError):
    """A queue action that cannot be done (unknown service, wrong state, database busy)."""


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    waiting_ahead: int


@dataclass(frozen=True)
class PrintResult:
    printed: bool
    error: "PrinterError | None" = None


def _db() -> Database:
    return models.database.obj


def service_for(settings: Settings, code: str) -> ServiceSettings:
    try:
        return settings.service(code.strip().upper())
    except KeyError:
        known = ", ".join(f"{s.code} ({s.name_en})" for s in settings.services)
        raise QueueError(f"unknown service {code!r}; the services are: {known}") from None


def service_name(service: ServiceSettings, lang: str) -> str:
    return service.name_en if lang == "en" else service.name_id


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}-{seq:03d}"


def today(settings: Settings, clock: Clock) -> tuple[dt.datetime, dt.datetime, dt.date]:
    return local_day_bounds(clock.now(), settings.office.timezone)


def _lock_key(code: str, day: dt.date) -> int:
    # A stable signed 64-bit key per (service, day) for pg_advisory_xact_lock.
    return (0x5053 << 32) | zlib.crc32(f"{code}:{day.isoformat()}".encode())


# --- issuing ---

def issue_ticket(settings: Settings, clock: Clock, service_code: str, language: str = "id",
                 kiosk: str | None = None) -> Issued:
    """Take the next number of ``service_code`` for today and commit it."""
    service = service_for(settings, service_code)
    language = language if language in ("id", "en") else "id"
    db = _db()
    for attempt in range(ISSUE_ATTEMPTS):
        now = clock.now()
        _, _, day = local_day_bounds(now, settings.office.timezone)
        try:
            with write_transaction(db):
                if not is_sqlite(db):
                    db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_lock_key(service.code, day),))
                last = (Ticket.select(fn.MAX(Ticket.seq))
                        .where(Ticket.service_code == service.code, Ticket.day == day).scalar()) or 0
                seq = last + 1
                ticket = Ticket.create(
                    service_code=service.code, day=day, seq=seq, number=format_number(service.prefix, seq),
                    kiosk=kiosk or settings.kiosk.name, language=language, status=WAITING,
                    issued_at=to_utc_naive(now))
                ahead = _waiting_ahead(ticket)
            log.info("ticket %s issued (%s)", ticket.number, ticket.kiosk)
            return Issued(ticket, ahead)
        except IntegrityError:
            # Another writer took this seq between our read and insert (only possible where the
            # lock above is not held, e.g. a database shared by an older kiosk); take the next.
            log.warning("ticket number collision on %s, attempt %d", service.code, attempt + 1)
        except OperationalError as exc:
            raise QueueError(f"the database is busy or unreachable, no number issued: {exc}") from None
    raise QueueError(f"could not take a number for {service.code} after {ISSUE_ATTEMPTS} attempts")


def _waiting_ahead(ticket: Ticket) -> int:
    return (Ticket.select()
            .where(Ticket.service_code == ticket.service_code, Ticket.day == ticket.day,
                   Ticket.status == WAITING, Ticket.seq < ticket.seq)
            .count())


def waiting_ahead(ticket: Ticket) -> int:
    """How many of the same service and day are still waiting before ``ticket`` now."""
    return _waiting_ahead(ticket)


def waiting_counts(settings: Settings, clock: Clock) -> dict[str, int]:
    """Today's waiting tickets per service code (every configured service, zeros included)."""
    _, _, day = today(settings, clock)
    rows = (Ticket.select(Ticket.service_code, fn.COUNT(Ticket.id))
            .where(Ticket.day == day, Ticket.status == WAITING)
            .group_by(Ticket.service_code).tuples())
    counts = dict(rows)
    return {s.code: int(counts.get(s.code, 0)) for s in settings.services}


# --- printing ---

def ticket_text(settings: Settings, ticket: Ticket, ahead: int) -> TicketText:
    """What goes on the paper, in the language the visitor chose."""
    lang = ticket.language or "id"

    def tr(msgid: str) -> str:
        return gettext_for(lang, msgid)

    service = service_for(settings, ticket.service_code)
    zone = settings.office.timezone
    issued = local(ticket.issued_at, zone)
    if ahead == 0:
        waiting = tr(T_NOBODY_AHEAD)
    elif ahead == 1:
        waiting = tr(T_ONE_AHEAD)
    else:
        waiting = tr(T_MANY_AHEAD).format(count=ahead)
    return TicketText(
        office_name=settings.office.name, office_address=settings.office.address, number=ticket.number,
        service_name=service_name(service, lang),
        counter_line=tr(T_COUNTER).format(counter=service.counter) if service.counter else "",
        when=f"{issued:%d-%m-%Y %H:%M} {zone_label(zone, issued)}", waiting_line=waiting,
        instruction=tr(T_INSTRUCTION), free_line=tr(T_FREE), complaints_title=tr(T_COMPLAINTS),
        complaint_channels=tuple((c.label(lang), c.contact) for c in settings.complaints.channels),
        qr_data=f"PST-TICKET:{ticket.id}:{ticket.day.isoformat()}:{ticket.number}")


def print_ticket(settings: Settings, clock: Clock, printer: TicketPrinting, ticket: Ticket,
                 reprint: bool = False) -> PrintResult:
    """Print ``ticket`` and record the outcome on its row. Never raises for a printer failure:
    the number stays issued and the failure is in ``print_failed`` / ``print_error``."""
    ahead = _waiting_ahead(ticket)
    if reprint:
        Ticket.update(reprints=Ticket.reprints + 1).where(Ticket.id == ticket.id).execute()
    name = f"ticket-{ticket.day:%Y%m%d}-{ticket.number}"
    if reprint:
        name += f"-reprint{ticket.reprints + 1}"
    try:
        printer.print_ticket(ticket_text(settings, ticket, ahead), name)
    except PrinterError as exc:
        failed = exc.reason != "off"     # a kiosk without a printer is not a failure
        Ticket.update(print_failed=failed, print_error=str(exc)[:500]).where(Ticket.id == ticket.id).execute()
        log.warning("ticket %s not printed: %s", ticket.number, exc)
        _refresh(ticket)
        return PrintResult(False, exc)
    Ticket.update(printed_at=to_utc_naive(clock.now()), print_failed=False, print_error="") \
        .where(Ticket.id == ticket.id).execute()
    _refresh(ticket)
    return PrintResult(True)


def _refresh(ticket: Ticket) -> None:
    fresh = Ticket.get_by_id(ticket.id)
    ticket.__data__.update(fresh.__data__)


def take_ticket(settings: Settings, clock: Clock, printer: TicketPrinting, service_code: str,
                language: str = "id", kiosk: str | None = None) -> tuple[Issued, PrintResult]:
    """Issue (committed) then print: what the CLI does in one go and the screen in two steps."""
    issued = issue_ticket(settings, clock, service_code, language, kiosk)
    return issued, print_ticket(settings, clock, printer, issued.ticket)


# --- finding a number ---

NUMBER_RE = re.compile(r"\s*([A-Za-z]{1,2})\s*-?\s*(\d{1,4})\s*")


def find_ticket(settings: Settings, clock: Clock, number: str) -> Ticket:
    """Today's ticket named like ``A-007`` (also ``a7``, ``A007``)."""
    m = NUMBER_RE.fullmatch(number or "")
    if not m:
        raise QueueError(f"{number!r} is not a ticket number like A-007")
    prefix, seq = m.group(1).upper(), int(m.group(2))
    service = next((s for s in settings.services if s.prefix == prefix), None)
    if service is None:
        raise QueueError(f"no service has the prefix {prefix!r}")
    _, _, day = today(settings, clock)
    ticket = Ticket.get_or_none(Ticket.service_code == service.code, Ticket.day == day, Ticket.seq == seq)
    if ticket is None:
        raise NotFound(f"no ticket {format_number(prefix, seq)} today ({day.isoformat()})")
    return ticket


def reprint_ticket(settings: Settings, clock: Clock, printer: TicketPrinting, number: str) -> tuple[Ticket, PrintResult]:
    ticket = find_ticket(settings, clock, number)
    return ticket, print_ticket(settings, clock, printer, ticket, reprint=True)


# --- calling ---

def call_next(settings: Settings, clock: Clock, service_code: str, counter: str = "") -> Ticket | None:
    """Call today's lowest waiting number of the service to ``counter``; None when nobody waits."""
    service = service_for(settings, service_code)
    _, _, day = today(settings, clock)
    db = _db()
    with write_transaction(db):
        query = (Ticket.select()
                 .where(Ticket.service_code == service.code, Ticket.day == day, Ticket.status == WAITING)
                 .order_by(Ticket.seq).limit(1))
        if not is_sqlite(db):
            query = query.for_update(skip_locked=True)   # two desks calling at once get two people
        ticket = query.first()
        if ticket is None:
            return None
        Ticket.update(status=CALLED, called_at=to_utc_naive(clock.now()), counter=str(counter or service.counter)) \
            .where(Ticket.id == ticket.id).execute()
    _refresh(ticket)
    log.info("ticket %s called to counter %s", ticket.number, ticket.counter)
    return ticket


def _transition(settings: Settings, clock: Clock, number: str, to: str, allowed_from: tuple[str, ...]) -> Ticket:
    now = to_utc_naive(clock.now())
    with write_transaction(_db()):
        ticket = find_ticket(settings, clock, number)
        if ticket.status not in allowed_from:
            shown = {SERVED: "served", NO_SHOW: "marked no-show", CALLED: "called", WAITING: "waiting"}
            raise QueueError(f"{ticket.number} is already {shown.get(ticket.status, ticket.status)}")
        changes: dict = {Ticket.status: to}
        if ticket.called_at is None:
            changes[Ticket.called_at] = now     # served without a call: the call is now
        changes[Ticket.served_at if to == SERVED else Ticket.no_show_at] = now
        Ticket.update(changes).where(Ticket.id == ticket.id).execute()
    _refresh(ticket)
    return ticket


def mark_served(settings: Settings, clock: Clock, number: str) -> Ticket:
    return _transition(settings, clock, number, SERVED, (WAITING, CALLED))


def mark_no_show(settings: Settings, clock: Clock, number: str) -> Ticket:
    return _transition(settings, clock, number, NO_SHOW, (WAITING, CALLED))


# --- the day's figures ---

@dataclass(frozen=True)
class ServiceStatus:
    code: str
    name: str
    issued: int
    waiting: int
    called: int
    served: int
    no_show: int
    median_wait_min: float | None     # start (guestbook, else issue) → called, of those called today


@dataclass(frozen=True)
class LateTicket:
    number: str
    service_code: str
    waited_min: float
    since: dt.datetime                # the start it counts from, office-local
    from_guestbook: bool


@dataclass(frozen=True)
class QueueStatus:
    day: dt.date
    standard_min: int
    services: list[ServiceStatus]
    within_standard: int      # called within the standard
    decided: int              # called, or still waiting past the standard (their outcome is known)
    late: list[LateTicket] = field(default_factory=list)

    @property
    def share_within(self) -> float | None:
        return self.within_standard / self.decided if self.decided else None


def start_times(tickets: list[Ticket],
                issued_between: tuple[dt.datetime, dt.datetime] | None = None) -> dict[int, tuple[dt.datetime, bool]]:
    """Per ticket id: when the standard starts counting (naive UTC) and whether it is the guestbook.

    The clock starts at the earliest guestbook completion of a visit linked to the ticket, else at the
    ticket's issue time. Reports pass ``issued_between`` (the tickets' period): the visits are then
    joined on the period, since a year of ticket ids exceeds SQLite's limit on ``IN (…)`` variables."""
    starts = {t.id: (t.issued_at, False) for t in tickets}
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
            starts[ticket_id] = (completed, True)
    return starts


def queue_status(settings: Settings, clock: Clock) -> QueueStatus:
    _, _, day = today(settings, clock)
    now = to_utc_naive(clock.now())
    standard = dt.timedelta(minutes=settings.queue.service_standard_min)
    tickets = list(Ticket.select().where(Ticket.day == day).order_by(Ticket.service_code, Ticket.seq))
    starts = start_times(tickets)
    within = decided = 0
    late: list[LateTicket] = []
    waits: dict[str, list[float]] = {}
    for t in tickets:
        start, from_guestbook = starts[t.id]
        if t.called_at is not None:
            wait = max(t.called_at - start, dt.timedelta(0))
            waits.setdefault(t.service_code, []).append(wait.total_seconds() / 60)
            decided += 1
            within += wait <= standard
        elif t.status == WAITING and now - start > standard:
            decided += 1
            late.append(LateTicket(t.number, t.service_code, (now - start).total_seconds() / 60,
                                   local(start, settings.office.timezone), from_guestbook))
    services = []
    for s in settings.services:
        mine = [t for t in tickets if t.service_code == s.code]
        w = waits.get(s.code)
        services.append(ServiceStatus(
            code=s.code, name=s.name_id, issued=len(mine),
            waiting=sum(t.status == WAITING for t in mine), called=sum(t.status == CALLED for t in mine),
            served=sum(t.status == SERVED for t in mine), no_show=sum(t.status == NO_SHOW for t in mine),
            median_wait_min=statistics.median(w) if w else None))
    late.sort(key=lambda x: -x.waited_min)
    return QueueStatus(day=day, standard_min=settings.queue.service_standard_min, services=services,
                       within_standard=within, decided=decided, late=late)
