"""Complaints and suggestions: stored with a reference number the visitor can quote later.

References look like ``ADU-20261124-0003``: the office's local date and a sequence that
restarts every day, safe with several kiosks (see ``kiosk.core.numbering``).

One person at the screen must not flood the list staff work through: the touchscreen passes
``[complaints] per_kiosk_per_minute`` and a kiosk that has taken that many in the last 60 seconds
asks the visitor to wait (``TooManyComplaints``). What a visitor typed — the text may hold a name or
an ID number, the contact an e-mail or phone — is removed after the privacy retention.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kiosk.core import models, numbering
from kiosk.core.clock import Clock, local, to_utc_naive
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, LimitReached, NotFound, ValidationError
from kiosk.core.models import ComplaintStatus
from kiosk.i18n import N_

PREFIX = "ADU"
TEXT_MIN = 10
TEXT_MAX = 2000
NOTE_MAX = 2000
PER_MINUTE_WINDOW = dt.timedelta(seconds=60)


class TooManyComplaints(LimitReached):
    """This kiosk took its per-minute share of complaints: the visitor is asked to wait a moment."""
    visitor_message = N_("Thank you. This kiosk has just received several complaints; please wait a minute "
                         "and send yours again, or use one of the official channels.")


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


def file_complaint(clock: Clock, zone: str, kiosk: str, category: str, text: str, contact: str = "", *,
                   visit_id: int | None = None, language: str = "id",
                   per_minute: int | None = None) -> models.Complaint:
    """Validate and store a complaint; returns it with its new reference number.

    ``per_minute``: at most this many from ``kiosk`` in the last 60 seconds, else ``TooManyComplaints``
    (the visitor-facing screens pass ``[complaints] per_kiosk_per_minute``; None: no limit)."""
    category, text, contact = validate(category, text, contact)
    now = clock.now()
    stored_now = to_utc_naive(now)
    day = local(now, zone).date()
    c = models.Complaint

    def create(reference: str) -> models.Complaint:
        # counted inside the numbering transaction, so two taps at once cannot both slip under the limit
        if per_minute is not None:
            recent = c.select().where((c.kiosk == kiosk) & (c.created_at > stored_now - PER_MINUTE_WINDOW)).count()
            if recent >= per_minute:
                raise TooManyComplaints(f"kiosk {kiosk}: {recent} complaints in the last minute, limit "
                                        f"{per_minute} ([complaints] per_kiosk_per_minute); not saved")
        return c.create(reference=reference, visit=visit_id, kiosk=kiosk, category=category, text=text,
                        contact=contact, language=language, status=ComplaintStatus.OPEN, created_at=stored_now)

    return numbering.create_numbered(c.reference, PREFIX, day, create)


def list_complaints(open_only: bool = False) -> list[models.Complaint]:
    c = models.Complaint
    query = c.select().order_by(c.created_at, c.id)
    if open_only:
        query = query.where(c.status == ComplaintStatus.OPEN)
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
        if complaint.status == ComplaintStatus.CLOSED:
            raise KioskError(f"complaint {reference} is already closed (on {complaint.closed_at:%Y-%m-%d %H:%M} UTC)")
        complaint.status = ComplaintStatus.CLOSED
        complaint.closed_at = to_utc_naive(clock.now())
        complaint.closing_note = note
        complaint.save()
    return complaint


def purge_contacts(clock: Clock, retention_days: int) -> int:
    """Remove what the visitor typed — the text (it may hold a name or an ID number) and the contact
    (e-mail / phone) — from complaints older than ``retention_days``; the reference, category,
    dates, status and the staff's closing note stay for the record. Returns how many were purged.
    Runs with ``kiosk privacy purge`` (privacy.retention_days)."""
    cutoff = to_utc_naive(clock.now()) - dt.timedelta(days=retention_days)
    c = models.Complaint
    with write_transaction(models.database.obj):
        return (c.update(contact="", text="")
                .where((c.created_at < cutoff) & ((c.contact != "") | (c.text != ""))).execute())
