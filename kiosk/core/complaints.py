"""Complaints and suggestions: stored with a reference number the visitor can quote later.

References look like ``ADU-20261124-0003``: the office's local date and a sequence that
restarts every day, safe with several kiosks (see ``kiosk.core.numbering``).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kiosk.core import models, numbering
from kiosk.core.clock import Clock, local, to_utc_naive
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, NotFound, ValidationError
from kiosk.i18n import N_

PREFIX = "ADU"
TEXT_MIN = 10
TEXT_MAX = 2000
NOTE_MAX = 2000


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
                   visit_id: int | None = None, language: str = "id") -> models.Complaint:
    """Validate and store a complaint; returns it with its new reference number."""
    category, text, contact = validate(category, text, contact)
    now = clock.now()
    day = local(now, zone).date()
    return numbering.create_numbered(
        models.Complaint.reference, PREFIX, day,
        lambda reference: models.Complaint.create(
            reference=reference, visit=visit_id, kiosk=kiosk, category=category, text=text, contact=contact,
            language=language, status="open", created_at=to_utc_naive(now)))


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
