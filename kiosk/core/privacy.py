"""The privacy notice the visitor accepts, and the purge that keeps the promise it makes.

The purge anonymises rather than deletes: a visit keeps its anonymous profile (gender, age
group, education, occupation, institution type, purpose, service, times) so monthly counts
and the service-standard figures survive; names, e-mails, phones, institution names, free
text and ID-card traces go, and so do the name and e-mail of old softcopy requests and the
text and contact of old complaints (a typed NIK must not outlive the retention). On SQLite the
purge turns on ``secure_delete`` and truncates the WAL afterwards, so the removed text does not
linger in free pages of the file.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from peewee import Database

from kiosk.core.clock import Clock, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.db import is_sqlite, write_transaction
from kiosk.core import complaints, softcopy
from kiosk.core.models import Complaint, SoftcopyRequest, Visit, Visitor
from kiosk.i18n import N_, gettext_for

log = logging.getLogger(__name__)

# (heading, text) of the notice; texts take {days}, {contact}, {office}.
NOTICE: tuple[tuple[str, str], ...] = (
    (N_("What we record"),
     N_("Your name, email, mobile number, age group, education, occupation, institution and the purpose "
        "of your visit. If you leave a bag, the type of ID card you hand over and a masked form of its "
        "number (never the full number).")),
    (N_("Why"),
     N_("To serve you, to send the softcopies you request to your email, to return your ID card, and "
        "for anonymous statistics about our services.")),
    (N_("How long"),
     N_("Personal data is deleted after {days} days. Anonymous counts are kept for reports.")),
    (N_("Who to contact"),
     N_("Questions or a request to see or delete your data: {contact}, {office}.")),
)
#: who to contact when ``[privacy] contact`` is empty, in the visitor's language (one name per language: the
#: old default "Petugas PST / PST staff" put both on every notice)
DEFAULT_CONTACT = N_("PST staff")


def notice(settings: Settings, lang: str) -> list[tuple[str, str]]:
    """The notice in ``lang`` with this office's figures filled in."""
    values = {"days": settings.privacy.retention_days,
              "contact": settings.privacy.contact or gettext_for(lang, DEFAULT_CONTACT), "office": settings.office.name}
    return [(gettext_for(lang, head), gettext_for(lang, body).format(**values)) for head, body in NOTICE]


@dataclass(frozen=True)
class PurgeResult:
    cutoff: dt.datetime          # naive UTC: data from before this was anonymised
    visitors: int
    visits: int
    visits_kept: int             # every visit row still there (anonymous counts)
    softcopy_requests: int = 0   # name and e-mail removed
    complaints: int = 0          # text and contact removed (reference, category, status and dates stay)
    softcopy_files: int = 0      # stamped copies and stored e-mails deleted, outbox recipient blanked


def cutoff_for(settings: Settings, clock: Clock) -> dt.datetime:
    return to_utc_naive(clock.now()) - dt.timedelta(days=settings.privacy.retention_days)


def purge(db: Database, settings: Settings, clock: Clock, dry_run: bool = False) -> PurgeResult:
    """Anonymise visitors not seen for ``privacy.retention_days`` and visits older than that."""
    cutoff = cutoff_for(settings, clock)
    now = to_utc_naive(clock.now())
    old_visitor = (Visitor.last_visit_at < cutoff) & Visitor.anonymised_at.is_null()
    old_visit = (Visit.started_at < cutoff) & Visit.anonymised_at.is_null()
    old_request = (SoftcopyRequest.created_at < cutoff) & (
        SoftcopyRequest.name.is_null(False) | SoftcopyRequest.email.is_null(False))
    if dry_run:
        return PurgeResult(
            cutoff, Visitor.select().where(old_visitor).count(), Visit.select().where(old_visit).count(),
            Visit.select().count(), SoftcopyRequest.select().where(old_request).count(),
            Complaint.select().where((Complaint.created_at < cutoff)
                                     & ((Complaint.contact != "") | (Complaint.text != ""))).count())
    if is_sqlite(db):
        db.execute_sql("PRAGMA secure_delete = ON")
    with write_transaction(db):
        n_visits = (Visit.update(visitor=None, purpose_detail="", id_number_masked="", id_number_hash="",
                                 anonymised_at=now)
                    .where(old_visit).execute())
        n_visitors = (Visitor.update(full_name=None, email=None, phone=None, birth_year=None,
                                     institution_name="", gender="", age_group="", education="",
                                     occupation="", institution_type="", anonymised_at=now)
                      .where(old_visitor).execute())
        n_requests = SoftcopyRequest.update(name=None, email=None).where(old_request).execute()
    # complaints keep their own rule (kiosk.core.complaints: text and contact); same connection, so
    # secure_delete applies
    n_complaints = complaints.purge_contacts(clock, settings.privacy.retention_days)
    # the stamped PDFs and .eml files carry the name and e-mail too (kiosk.core.softcopy)
    n_files = sum(softcopy.purge_files(settings, cutoff))
    if is_sqlite(db):
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    kept = Visit.select().count()
    log.info("privacy purge: %d visitor(s), %d visit(s), %d softcopy request(s), %d complaint(s) (text, contact) "
             "anonymised (before %s UTC); %d visits kept", n_visitors, n_visits, n_requests, n_complaints,
             cutoff.isoformat(timespec="minutes"), kept)
    return PurgeResult(cutoff, n_visitors, n_visits, kept, n_requests, n_complaints, n_files)
