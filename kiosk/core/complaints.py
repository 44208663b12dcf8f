"""Complaints and suggestions: stored with a reference number the visitor can quote later.

References look like ``ADU-20261124-0003``: the office's local date and a sequence that
restarts every day. The number is taken inside ``write_transaction`` (SQLite: BEGIN IMMEDIATE,
so two kiosks on one file never read the same last number); on PostgreSQL, where a plain
transaction cannot lock a row that does not exist yet, a transaction-scoped advisory lock per
day serialises the kiosks. The unique index stays the last guard: a collision is retried.
"""
from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass

from peewee import IntegrityError

from kiosk.core import models
from kiosk.core.clock import Clock, local, to_utc_naive
from kiosk.core.db import is_sqlite, write_transaction
from kiosk.core.errors import KioskError, NotFound, ValidationError
from kiosk.i18n import N_

PREFIX = "ADU"
TEXT_MIN = 10
TEXT_MAX = 2000
NOTE_MAX = 2000
_RETRIES = 5


@dataclass(frozen=True)
class Category:
    code: str
    label: str      # msgid


CATEGORIES: tuple[Category, ...] = (
    Category("service", N_("Service")),
    Category("staff", N_("Staff")),
    Category("facility", N_("Facilities")),
    Category("data", N_("Data and publications")),
    Category("other", N_("Other")),
)
CATEGORY_CODES = tuple(c.code for c in CATEGORIES)

_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_PHONE = re.compile(r"\+?[0-9][0-9 \-]{6,18}[0-9]")


def validate(category: str, text: str, contact: str) -> tuple[str, str, str]:
    """Cleaned (category, text, contact) or ValidationError naming each bad field with a msgid."""
    errors: dict[str, str] = {}
    text = (text or "").strip()
    contact = (contact or "").strip()
    if category not in CATEGORY_CODES:
        errors["category"] = N_("Choose what your complaint is about.")
    if len(text) < TEXT_MIN:
        errors["text"] = N_("Please describe the problem in a few words (at least 10 characters).")
    elif len(text) > TEXT_MAX:
        errors["text"] = N_("The text is too long (at most 2000 characters).")
    if contact and not (_EMAIL.fullmatch(contact) or _PHONE.fullmatch(contact)):
        errors["contact"] = N_("Enter an e-mail address or a phone number, or leave it empty.")
    if errors:
        raise ValidationError(errors)
    return category, text, contact


def _next_reference(day: dt.date) -> str:
    stem = f"{PREFIX}-{day:%Y%m%d}-"
    c = models.Complaint
    last = 0
    for (ref,) in c.select(c.reference).where(c.reference.startswith(stem)).tuples():
        tail = ref[len(stem):]
        if tail.isdigit():
            last = max(last, int(tail))
    return f"{stem}{last + 1:04d}"


def _lock_key(day: dt.date) -> int:
    # One lock per day's sequence; the "ADU" text keeps it apart from the queue's keys.
    return zlib.crc32(f"{PREFIX}-{day:%Y%m%d}".encode())


def file_complaint(clock: Clock, zone: str, kiosk: str, category: str, text: str, contact: str = "", *,
                   visit_id: int | None = None, language: str = "id") -> models.Complaint:
    """Validate and store a complaint; returns it with its new reference number."""
    category, text, contact = validate(category, text, contact)
    now = clock.now()
    day = local(now, zone).date()
    db = models.database.obj
    for attempt in range(_RETRIES):
        try:
            with write_transaction(db):
                if not is_sqlite(db):
                    db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_lock_key(day),))
                return models.Complaint.create(
                    reference=_next_reference(day), visit=visit_id, kiosk=kiosk, category=category,
                    text=text, contact=contact, language=language, status="open",
                    created_at=to_utc_naive(now))
        except IntegrityError:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def list_complaints(open_only: bool = False) -> list[models.Complaint]:
    c = models.Complaint
    query = c.select().order_by(c.created_at, c.id)
    if open_only:
        query = query.where(c.status == "open")
    return list(query)


def close_complaint(clock: Clock, reference: str, note: str) -> models.Complaint:
    """Close an open complaint with the staff's note on what was done."""
    reference = reference.strip().upper()
    note = (note or "").strip()
    if not note:
        raise KioskError("a closing note is required: say what was done (--note \"…\")")
    if len(note) > NOTE_MAX:
        raise KioskError(f"the closing note is too long (at most {NOTE_MAX} characters)")
    c = models.Complaint
    with write_transaction(models.database.obj):
        complaint = c.get_or_none(c.reference == reference)
        if complaint is None:
            raise NotFound(f"no complaint with reference {reference}")
        if complaint.status == "closed":
            raise KioskError(f"complaint {reference} is already closed (on {complaint.closed_at:%Y-%m-%d %H:%M} UTC)")
        complaint.status = "closed"
        complaint.closed_at = to_utc_naive(clock.now())
        complaint.closing_note = note
        complaint.save()
    return complaint


def purge_contacts(clock: Clock, retention_days: int) -> int:
    """Blank the contact (e-mail / phone) of complaints older than ``retention_days``; the
    complaint itself stays for the record. Returns how many were blanked. Meant to run with
    ``kiosk privacy purge`` (privacy.retention_days)."""
    cutoff = to_utc_naive(clock.now()) - dt.timedelta(days=retention_days)
    c = models.Complaint
    with write_transaction(models.database.obj):
        return c.update(contact="").where((c.created_at < cutoff) & (c.contact != "")).execute()
