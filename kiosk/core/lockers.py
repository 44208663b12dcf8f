"""Bag lockers: assign the next free one, release it, and the staff's lists.

"Never two visitors on one locker" rests on the database, not on this code: a partial unique
index allows one open assignment per locker. On SQLite the write transaction (BEGIN IMMEDIATE)
already serialises kiosks; on PostgreSQL two kiosks can pick the same free locker, one insert
fails on the index, and that kiosk simply tries the next free locker. There, assigning and releasing
also lock the locker's row first, so the recorded times of one locker never overlap.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from peewee import JOIN, Database, IntegrityError

from pathlib import Path

from kiosk.core import identity
from kiosk.core.clock import Clock, local, to_utc_naive, zone_label
from kiosk.core.config import Settings
from kiosk.core.db import is_sqlite, write_transaction
from kiosk.core.errors import KioskError, LimitReached, NotFound
from kiosk.core.identity import StoredId
from kiosk.core.models import Locker, LockerAssignment, Ticket, Visit, Visitor
from kiosk.core.ports import LockerSlipText, TicketPrinting
from kiosk.i18n import N_, gettext_for

log = logging.getLogger(__name__)

MSG_FULL = N_("All lockers are taken, please contact the staff")
MSG_CARD_HOLDS_ONE = N_("This ID card already has a locker. One locker per ID card: please use that one, "
                        "or return its key at the front office first.")
ATTEMPTS = 20


class LockersFull(KioskError):
    visitor_message = MSG_FULL

    def __init__(self) -> None:
        super().__init__("all lockers are taken")


class CardHoldsALocker(LimitReached):
    """One locker per ID card at a time: one passport number typed at 20 visits took every locker."""

    visitor_message = MSG_CARD_HOLDS_ONE

    def __init__(self, label: str) -> None:
        super().__init__(f"this ID card already holds locker {label}; one locker per ID card at a time")


class NotInUse(KioskError):
    pass


def _open_locker_ids():
    return (LockerAssignment.select(LockerAssignment.locker)
            .where(LockerAssignment.released_at.is_null()))


def free_count() -> int:
    return Locker.select().where(Locker.active & Locker.id.not_in(_open_locker_ids())).count()


def open_assignment_of(visit_id: int) -> LockerAssignment | None:
    return (LockerAssignment.select(LockerAssignment, Locker).join(Locker)
            .where((LockerAssignment.visit == visit_id) & LockerAssignment.released_at.is_null()).first())


def _open_assignment_of_card(card_hash: str) -> LockerAssignment | None:
    return (LockerAssignment.select(LockerAssignment, Locker).join(Locker).switch(LockerAssignment).join(Visit)
            .where((Visit.id_number_hash == card_hash) & LockerAssignment.released_at.is_null()).first())


def _lock_if_still_free(locker: Locker) -> bool:
    """PostgreSQL: lock the locker's row, then look again.

    Assigning and releasing both lock the row, so whatever another kiosk committed while we
    waited is visible now, and the time we record comes after it."""
    Locker.select().where(Locker.id == locker.id).for_update().get()
    return not (LockerAssignment.select()
                .where((LockerAssignment.locker == locker) & LockerAssignment.released_at.is_null()).exists())


def assign(db: Database, clock: Clock, visit_id: int, card: StoredId | None) -> str:
    """Give the visit the next free locker (lowest label) and record the ID card held; the label.

    One locker per visit and per ID card at a time: asking twice for the same visit returns its
    locker (a double tap takes no second locker); a card that already holds a locker for another
    visit raises CardHoldsALocker. Raises LockersFull when none is free."""
    for _attempt in range(ATTEMPTS):
        try:
            with write_transaction(db):
                current = open_assignment_of(visit_id)
                if current is not None:
                    return current.locker.label
                if card is not None:
                    held = _open_assignment_of_card(card.hash)
                    if held is not None:
                        raise CardHoldsALocker(held.locker.label)
                locker = (Locker.select()
                          .where(Locker.active & Locker.id.not_in(_open_locker_ids()))
                          .order_by(Locker.label).first())
                if locker is None:
                    raise LockersFull()
                if not is_sqlite(db) and not _lock_if_still_free(locker):
                    continue
                now = to_utc_naive(clock.now())
                LockerAssignment.create(locker=locker, visit=visit_id, assigned_at=now,
                                        id_card_held=card is not None)
                if card is not None:
                    (Visit.update(id_type=card.id_type, id_number_masked=card.masked, id_number_hash=card.hash)
                     .where(Visit.id == visit_id).execute())
        except IntegrityError:
            log.info("locker taken by another kiosk at the same moment; trying the next one")
            continue
        log.info("locker %s assigned to visit %s (ID card held: %s)", locker.label, visit_id,
                 "yes" if card else "no")
        return locker.label
    raise KioskError("could not assign a locker (too many concurrent attempts); please try again")


def take(db: Database, clock: Clock, data_dir: Path, visit_id: int, id_type: str, raw_number: str) -> str:
    """The locker step of a visit, all of it off the touch thread: load the ID hash key (a file and
    a database read), turn the typed number into what may be stored, assign. The label.

    Raises ValidationError (the number), KeyFileError (no usable key: no card may be taken),
    CardHoldsALocker, LockersFull, or a storage error."""
    key = identity.load_key(data_dir)
    return assign(db, clock, visit_id, identity.protect(key, id_type, raw_number))


def release(db: Database, clock: Clock, label: str, id_card_returned: bool = True) -> LockerAssignment:
    """Free ``label``; records when the ID card was handed back. The released assignment."""
    with write_transaction(db):
        locker = Locker.get_or_none(Locker.label == label.strip().upper())
        if locker is None:
            raise NotFound(f"no locker {label!r} (see `kiosk lockers list`)")
        if not is_sqlite(db):
            Locker.select().where(Locker.id == locker.id).for_update().get()
        current = (LockerAssignment.select()
                   .where((LockerAssignment.locker == locker) & LockerAssignment.released_at.is_null()).first())
        if current is None:
            raise NotInUse(f"locker {locker.label} is not in use")
        now = to_utc_naive(clock.now())
        current.released_at = now
        if current.id_card_held and id_card_returned:
            current.id_card_returned_at = now
        current.save()
    log.info("locker %s released (ID card returned: %s)", locker.label,
             "yes" if current.id_card_returned_at else "no")
    return current


@dataclass(frozen=True)
class HeldCard:
    label: str
    id_type: str
    id_number_masked: str
    id_number_hash: str


def card_held_for(label: str) -> HeldCard:
    """The ID card held for the occupied locker ``label`` (NotFound if none is held)."""
    label = label.strip().upper()
    a = (LockerAssignment.select(LockerAssignment, Visit).join(Visit).switch(LockerAssignment).join(Locker)
         .where((Locker.label == label) & LockerAssignment.released_at.is_null()).first())
    if a is None or not a.id_card_held or a.id_card_returned_at is not None or not a.visit.id_number_hash:
        raise NotFound(f"no ID card is held for locker {label}")
    return HeldCard(label, a.visit.id_type, a.visit.id_number_masked, a.visit.id_number_hash)


def card_matches(data_dir: Path, held: HeldCard, typed: str) -> bool:
    """Is the number staff typed from the card in hand the one held for the locker? (loads the key)"""
    return identity.matches(identity.load_key(data_dir), held.id_type, typed, held.id_number_hash)


@dataclass(frozen=True)
class LockerStatus:
    label: str
    active: bool
    since: dt.datetime | None          # naive UTC; None = free
    visit_id: int | None
    visitor_name: str
    ticket_number: str
    id_type: str
    id_number_masked: str
    id_card_held: bool

    @property
    def occupied(self) -> bool:
        return self.since is not None


def statuses(only_occupied: bool = False) -> list[LockerStatus]:
    """Every locker (by label) with who holds it, since when, and whether we hold their ID card."""
    open_rows = {
        a.locker_id: a for a in
        LockerAssignment.select(LockerAssignment, Visit, Visitor, Ticket)
        .join(Visit).join(Visitor, on=(Visit.visitor == Visitor.id), join_type=JOIN.LEFT_OUTER)
        .switch(Visit).join(Ticket, on=(Visit.ticket == Ticket.id), join_type=JOIN.LEFT_OUTER)
        .where(LockerAssignment.released_at.is_null())
    }
    out = []
    for locker in Locker.select().order_by(Locker.label):
        a = open_rows.get(locker.id)
        if a is None:
            if only_occupied or not locker.active:
                continue
            out.append(LockerStatus(locker.label, locker.active, None, None, "", "", "", "", False))
            continue
        visit = a.visit
        visitor = visit.visitor if visit.visitor_id else None
        ticket = visit.ticket if visit.ticket_id else None
        out.append(LockerStatus(
            locker.label, locker.active, a.assigned_at, visit.id,
            (visitor.full_name or "") if visitor else "", ticket.number if ticket else "",
            visit.id_type, visit.id_number_masked, a.id_card_held and a.id_card_returned_at is None))
    return out


# --- the slip ---

SLIP_TITLE = N_("Your locker")
# THE rule about the ID card, in these words on the locker screen, the slip and (in short) the thanks
# screen: the card never goes into the locker, it stays at the front office until the bag is collected.
ID_CARD_STAYS = N_("Your ID card stays at the front office while your bag is in the locker.")
ID_CARD_BACK = N_("When you collect your bag, return the locker key at the front office and get your ID card "
                  "back.")


def slip_text(settings: Settings, clock: Clock, label: str, ticket_id: int | None, lang: str) -> LockerSlipText:
    """What the locker slip says, in the visitor's language (reads the visit's ticket: call it off the
    touch thread)."""
    zone = settings.office.timezone
    now = local(clock.now(), zone)
    ticket = Ticket.get_or_none(Ticket.id == ticket_id) if ticket_id is not None else None
    return LockerSlipText(
        office_name=settings.office.name, title=gettext_for(lang, SLIP_TITLE), label=label,
        ticket_number=ticket.number if ticket else "",
        when=now.strftime("%d-%m-%Y %H:%M ") + zone_label(zone, now),
        notes=(gettext_for(lang, ID_CARD_STAYS), gettext_for(lang, ID_CARD_BACK)))


def print_slip(printer: TicketPrinting, settings: Settings, clock: Clock, label: str, ticket_id: int | None,
               lang: str) -> None:
    """Lay out and print the slip through the runtime's printer (raises PrinterError)."""
    printer.print_locker_slip(slip_text(settings, clock, label, ticket_id, lang), f"locker-{label}")
