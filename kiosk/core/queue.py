"""Queue numbers per service per local day, calling, and the day's figures for staff.

The CLI (``kiosk ticket``, ``kiosk queue …``) and the screens call these same functions.

Numbers are ``<prefix>-<seq>`` (``A-007``), ``seq`` counting from 1 per service and office-local
day, taken through ``kiosk.core.numbering`` (the one daily-numbering mechanism: one write
transaction, a lock per service and day, the unique (service_code, day, seq) index as last guard).
The ticket row is committed before anything is printed, so a printer failure never loses a number;
and nothing after the commit may stop the number from reaching the visitor: ``print_ticket`` never
raises for the printer or for the database refusing to record the outcome (full disk, server gone).
A number that was committed but never confirmed shown or printed (``Ticket.shown_at`` and
``printed_at`` both empty: the process died, or the visitor left before the screen showed it) is
listed for staff by ``queue_status``.

"Served within N minutes" is counted by ``kiosk.core.standard``, the one definition.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import statistics
from dataclasses import dataclass, field

from peewee import Database, fn

from kiosk.core import models, numbering, phone_links, standard
from kiosk.core.clock import Clock, local, local_day_bounds, to_utc_naive, zone_label
from kiosk.core.config import ServiceSettings, Settings
from kiosk.core.db import is_sqlite, write_transaction
from kiosk.core.errors import KioskError, NotFound, StorageError
from kiosk.core.models import Ticket, TicketStatus
from kiosk.core.ports import PrinterError, PrintFault, TicketPrinting, TicketText
from kiosk.i18n import N_, NP_, gettext_for, ngettext_for


log = logging.getLogger(__name__)

# Printed on the ticket and shown on the ticket screen, in the visitor's language (queue.po).
T_INSTRUCTION = N_("Please fill in the guestbook")
T_NOBODY_AHEAD = N_("No one is waiting ahead of you")
T_AHEAD = NP_("{count} person is waiting ahead of you", "{count} people are waiting ahead of you")
T_FREE = N_("This service is FREE of charge.")
T_COMPLAINTS = N_("Complaints and suggestions:")
T_COUNTER = N_("Counter {counter}")
# the service is rated after it is given: on the ticket's phone page, which the QR opens (kiosk.web.phone)
T_RATE = N_("After being served, scan the QR to rate the service.")


class QueueError(KioskError):
    """A queue action that cannot be done (unknown service, wrong state)."""

    visitor_message = N_("Sorry, no number could be issued right now. Please ask the staff.")


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    waiting_ahead: int


@dataclass(frozen=True)
class PrintResult:
    printed: bool
    error: "PrinterError | None" = None            # why it was not printed
    not_recorded: "StorageError | None" = None     # the outcome could not be written on the ticket's row


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


# --- issuing ---

def issue_ticket(settings: Settings, clock: Clock, service_code: str, language: str = "id",
                 kiosk: str | None = None) -> Issued:
    """Take the next number of ``service_code`` for today and commit it."""
    service = service_for(settings, service_code)
    language = language if language in ("id", "en") else "id"
    now = clock.now()
    _, _, day = local_day_bounds(now, settings.office.timezone)

    def last() -> int:
        return (Ticket.select(fn.MAX(Ticket.seq))
                .where(Ticket.service_code == service.code, Ticket.day == day).scalar()) or 0

    def create(seq: int) -> Issued:
        ticket = Ticket.create(
            service_code=service.code, day=day, seq=seq, number=format_number(service.prefix, seq),
            kiosk=kiosk or settings.kiosk.name, language=language, status=TicketStatus.WAITING,
            issued_at=to_utc_naive(now))
        return Issued(ticket, waiting_ahead(ticket))

    issued = numbering.take_next(f"ticket:{service.code}", day, last, create)
    log.info("ticket %s issued (%s)", issued.ticket.number, issued.ticket.kiosk)
    return issued


def waiting_ahead(ticket: Ticket) -> int:
    """How many of the same service and day are still waiting before ``ticket`` now."""
    return (Ticket.select()
            .where(Ticket.service_code == ticket.service_code, Ticket.day == ticket.day,
                   Ticket.status == TicketStatus.WAITING, Ticket.seq < ticket.seq)
            .count())


def waiting_counts(settings: Settings, clock: Clock) -> dict[str, int]:
    """Today's waiting tickets per service code (every configured service, zeros included)."""
    _, _, day = today(settings, clock)
    rows = (Ticket.select(Ticket.service_code, fn.COUNT(Ticket.id))
            .where(Ticket.day == day, Ticket.status == TicketStatus.WAITING)
            .group_by(Ticket.service_code).tuples())
    counts = dict(rows)
    return {s.code: int(counts.get(s.code, 0)) for s in settings.services}


# --- printing ---

def ahead_line(lang: str, ahead: int) -> str:
    """"3 people are waiting ahead of you", in ``lang`` (the ticket and the ticket screen say the same)."""
    if ahead == 0:
        return gettext_for(lang, T_NOBODY_AHEAD)
    return ngettext_for(lang, *T_AHEAD, ahead).format(count=ahead)


def ticket_text(settings: Settings, ticket: Ticket, ahead: int) -> TicketText:
    """What goes on the paper, in the language the visitor chose."""
    lang = ticket.language or "id"

    def tr(msgid: str) -> str:
        return gettext_for(lang, msgid)

    service = service_for(settings, ticket.service_code)
    zone = settings.office.timezone
    issued = local(ticket.issued_at, zone)
    qr = _qr_data(settings, ticket)
    return TicketText(
        office_name=settings.office.name, office_address=settings.office.address, number=ticket.number,
        service_name=service_name(service, lang),
        counter_line=tr(T_COUNTER).format(counter=service.counter) if service.counter else "",
        when=f"{issued:%d-%m-%Y %H:%M} {zone_label(zone, issued)}", waiting_line=ahead_line(lang, ahead),
        instruction=tr(T_INSTRUCTION), free_line=tr(T_FREE), complaints_title=tr(T_COMPLAINTS),
        complaint_channels=tuple((c.label(lang), c.contact) for c in settings.complaints.channels),
        qr_data=qr, rate_line=tr(T_RATE) if qr else "")


def _qr_data(settings: Settings, ticket: Ticket) -> str:
    """The phone page's address (``phone_links.ticket_qr``); "" (no QR) when the link cannot be stored now —
    the ticket is committed and its number must still be printed."""
    try:
        return phone_links.ticket_qr(settings, ticket)
    except StorageError as exc:
        log.warning("ticket %s printed without its phone QR: %s", ticket.number, exc)
        return ""


def print_ticket(settings: Settings, clock: Clock, printer: TicketPrinting, ticket: Ticket, *,
                 ahead: int | None = None, reprint: bool = False, shown: bool = False) -> PrintResult:
    """Print ``ticket`` and record the outcome on its row.

    Never raises for the printer (the reason is in ``error``) nor for the database refusing the
    record afterwards (``not_recorded``): the ticket is committed, its number must reach the visitor
    whatever happens now. ``ahead``: the count computed at issue (read again when not given, as for a
    reprint). ``shown``: the caller has the number on a screen or stdout; recorded with the outcome."""
    if reprint:
        ticket = Ticket.get_by_id(ticket.id)        # the reprint count and the queue as they are now
    if ahead is None:
        ahead = waiting_ahead(ticket)
    name = f"ticket-{ticket.day:%Y%m%d}-{ticket.number}"
    if reprint:
        name += f"-reprint{ticket.reprints + 1}"
    error: PrinterError | None = None
    try:
        printer.print_ticket(ticket_text(settings, ticket, ahead), name)
    except PrinterError as exc:
        error = exc
        log.warning("ticket %s not printed: %s", ticket.number, exc)
    now = to_utc_naive(clock.now())
    changes: dict = {}
    if error is None:
        changes.update({Ticket.printed_at: now, Ticket.print_failed: False, Ticket.print_error: ""})
    else:     # a kiosk without a printer is not a failure
        changes.update({Ticket.print_failed: error.reason != PrintFault.OFF, Ticket.print_error: str(error)[:500]})
    if reprint:
        changes[Ticket.reprints] = Ticket.reprints + 1
    if shown:
        changes[Ticket.shown_at] = fn.COALESCE(Ticket.shown_at, now)
    try:
        Ticket.update(changes).where(Ticket.id == ticket.id).execute()
    except StorageError as exc:
        log.error("ticket %s %s, but the database did not record it: %s", ticket.number,
                  "printed" if error is None else "not printed", exc)
        return PrintResult(error is None, error, exc)
    return PrintResult(error is None, error)


def take_ticket(settings: Settings, clock: Clock, printer: TicketPrinting, service_code: str,
                language: str = "id", kiosk: str | None = None, shown: bool = False) -> tuple[Issued, PrintResult]:
    """Issue (committed) then print, in one go."""
    issued = issue_ticket(settings, clock, service_code, language, kiosk)
    return issued, print_ticket(settings, clock, printer, issued.ticket, ahead=issued.waiting_ahead, shown=shown)


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
                 .where(Ticket.service_code == service.code, Ticket.day == day,
                        Ticket.status == TicketStatus.WAITING)
                 .order_by(Ticket.seq).limit(1))
        if not is_sqlite(db):
            query = query.for_update(skip_locked=True)   # two desks calling at once get two people
        ticket = query.first()
        if ticket is None:
            return None
        Ticket.update(status=TicketStatus.CALLED, called_at=to_utc_naive(clock.now()),
                      counter=str(counter or service.counter)).where(Ticket.id == ticket.id).execute()
    called = Ticket.get_by_id(ticket.id)
    log.info("ticket %s called to counter %s", called.number, called.counter)
    return called


_SAID = {TicketStatus.SERVED: "served", TicketStatus.NO_SHOW: "marked no-show",
         TicketStatus.CALLED: "called", TicketStatus.WAITING: "waiting"}


def _transition(settings: Settings, clock: Clock, number: str, to: TicketStatus,
                allowed_from: tuple[TicketStatus, ...]) -> Ticket:
    now = to_utc_naive(clock.now())
    with write_transaction(_db()):
        ticket = find_ticket(settings, clock, number)
        if ticket.status not in allowed_from:
            raise QueueError(f"{ticket.number} is already {_SAID.get(ticket.status, ticket.status)}")
        changes: dict = {Ticket.status: to}
        if ticket.called_at is None:
            changes[Ticket.called_at] = now     # served without a call: the call is now
        changes[Ticket.served_at if to == TicketStatus.SERVED else Ticket.no_show_at] = now
        Ticket.update(changes).where(Ticket.id == ticket.id).execute()
    return Ticket.get_by_id(ticket.id)


def mark_served(settings: Settings, clock: Clock, number: str) -> Ticket:
    return _transition(settings, clock, number, TicketStatus.SERVED, (TicketStatus.WAITING, TicketStatus.CALLED))


def mark_no_show(settings: Settings, clock: Clock, number: str) -> Ticket:
    return _transition(settings, clock, number, TicketStatus.NO_SHOW, (TicketStatus.WAITING, TicketStatus.CALLED))


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
class UndeliveredTicket:
    """Committed, still waiting, and never confirmed to have reached its holder."""
    number: str
    issued: dt.datetime               # office-local
    kiosk: str
    print_error: str                  # why the printer failed, when it did


@dataclass(frozen=True)
class QueueStatus:
    day: dt.date
    standard_min: int
    services: list[ServiceStatus]
    share: standard.Share             # today's tickets under THE standard (kiosk.core.standard)
    late: list[LateTicket] = field(default_factory=list)                # waiting past the standard now
    undelivered: list[UndeliveredTicket] = field(default_factory=list)  # never shown nor printed
    not_printed: list[str] = field(default_factory=list)                # waiting, shown, printer failed

    @property
    def within_standard(self) -> int:
        return self.share.within

    @property
    def decided(self) -> int:
        return self.share.decided

    @property
    def share_within(self) -> float | None:
        return self.share.ratio


def queue_status(settings: Settings, clock: Clock) -> QueueStatus:
    _, _, day = today(settings, clock)
    now = to_utc_naive(clock.now())
    zone = settings.office.timezone
    minutes = settings.queue.service_standard_min
    tickets = list(Ticket.select().where(Ticket.day == day).order_by(Ticket.service_code, Ticket.seq))
    starts = standard.start_times(tickets)
    late: list[LateTicket] = []
    undelivered: list[UndeliveredTicket] = []
    not_printed: list[str] = []
    waits: dict[str, list[float]] = {}
    for t in tickets:
        start = starts[t.id]
        wait = standard.wait_of(t, start)
        if wait is not None:
            waits.setdefault(t.service_code, []).append(wait.total_seconds() / 60)
        elif standard.outcome(t, start, now, minutes) is standard.Outcome.LATE:
            late.append(LateTicket(t.number, t.service_code, (now - start.at).total_seconds() / 60,
                                   local(start.at, zone), start.from_guestbook))
        if t.status == TicketStatus.WAITING and t.printed_at is None:
            if t.shown_at is None:
                undelivered.append(UndeliveredTicket(t.number, local(t.issued_at, zone), t.kiosk, t.print_error))
            elif t.print_failed:
                not_printed.append(t.number)
    services = []
    for s in settings.services:
        mine = [t for t in tickets if t.service_code == s.code]
        w = waits.get(s.code)
        services.append(ServiceStatus(
            code=s.code, name=s.name_id, issued=len(mine),
            waiting=sum(t.status == TicketStatus.WAITING for t in mine),
            called=sum(t.status == TicketStatus.CALLED for t in mine),
            served=sum(t.status == TicketStatus.SERVED for t in mine),
            no_show=sum(t.status == TicketStatus.NO_SHOW for t in mine),
            median_wait_min=statistics.median(w) if w else None))
    late.sort(key=lambda x: -x.waited_min)
    return QueueStatus(day=day, standard_min=minutes, services=services,
                       share=standard.share(tickets, starts, now, minutes), late=late,
                       undelivered=undelivered, not_printed=not_printed)
