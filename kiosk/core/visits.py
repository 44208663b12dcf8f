"""The staff's view of visits: one row per visit of a local day, as CSV."""
from __future__ import annotations

import csv
import datetime as dt
import re
from typing import IO
from zoneinfo import ZoneInfo

from peewee import JOIN

from kiosk.core.clock import local, local_day_bounds
from kiosk.core.config import Settings
from kiosk.core.models import Locker, LockerAssignment, Ticket, Visit, Visitor
from kiosk.core.queue import NUMBER_RE, format_number

COLUMNS = (
    "visit_id", "started", "guestbook_completed", "ticket", "service", "full_name", "email", "phone",
    "gender", "age_group", "education", "occupation", "institution_name", "institution_type",
    "purpose", "purpose_detail", "language", "kiosk", "locker", "locker_released", "id_type",
    "id_number_masked", "consent_version", "consent_at", "anonymised",
)
PERSONAL = ("full_name", "email", "phone", "institution_name", "purpose_detail", "id_number_masked")


def _when(value: dt.datetime | None, zone: str) -> str:
    return local(value, zone).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def visits_of_day(settings: Settings, day: dt.date) -> list[dict[str, str]]:
    """Visits started on ``day`` (the office's local date), oldest first."""
    zone = settings.office.timezone
    start, end, _ = local_day_bounds(dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(zone)), zone)
    query = (Visit.select(Visit, Visitor, Ticket)
             .join(Visitor, on=(Visit.visitor == Visitor.id), join_type=JOIN.LEFT_OUTER)
             .switch(Visit).join(Ticket, on=(Visit.ticket == Ticket.id), join_type=JOIN.LEFT_OUTER)
             .where((Visit.started_at >= start) & (Visit.started_at < end))
             .order_by(Visit.started_at, Visit.id))
    visits = list(query)
    lockers: dict[int, LockerAssignment] = {}
    if visits:
        for a in (LockerAssignment.select(LockerAssignment, Locker).join(Locker)
                  .where(LockerAssignment.visit.in_([v.id for v in visits]))
                  .order_by(LockerAssignment.assigned_at)):
            lockers[a.visit_id] = a
    rows = []
    for v in visits:
        person = v.visitor if v.visitor_id else None
        a = lockers.get(v.id)
        rows.append({
            "visit_id": str(v.id), "started": _when(v.started_at, zone),
            "guestbook_completed": _when(v.guestbook_completed_at, zone),
            "ticket": v.ticket.number if v.ticket_id else "", "service": v.service_code,
            "full_name": (person.full_name or "") if person else "",
            "email": (person.email or "") if person else "",
            "phone": (person.phone or "") if person else "",
            "gender": v.gender, "age_group": v.age_group, "education": v.education,
            "occupation": v.occupation,
            "institution_name": (person.institution_name or "") if person else "",
            "institution_type": v.institution_type, "purpose": v.purpose, "purpose_detail": v.purpose_detail,
            "language": v.language, "kiosk": v.kiosk,
            "locker": a.locker.label if a else "", "locker_released": _when(a.released_at, zone) if a else "",
            "id_type": v.id_type, "id_number_masked": v.id_number_masked,
            "consent_version": v.consent_version, "consent_at": _when(v.consent_at, zone),
            "anonymised": "yes" if v.anonymised_at else "",
        })
    return rows


def search_day(settings: Settings, day: dt.date, text: str) -> list[dict[str, str]]:
    """``visits_of_day`` narrowed to a name (any part, case and accents as typed) or a ticket number
    (``A-007``, ``a7``); empty text: every visit of the day. For the desk's guestbook panel."""
    rows = visits_of_day(settings, day)
    text = " ".join((text or "").split())[:80]
    if not text:
        return rows
    m = NUMBER_RE.fullmatch(text)
    number = format_number(m.group(1).upper(), int(m.group(2))) if m else None
    wanted = text.casefold()
    return [r for r in rows if (number and r["ticket"] == number) or wanted in r["full_name"].casefold()]


def write_csv(rows: list[dict[str, str]], out: IO[str], anonymous: bool = False) -> None:
    columns = [c for c in COLUMNS if not (anonymous and c in PERSONAL)]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _safe(row[c]) for c in columns})


def _safe(value: str) -> str:
    # Visitor-typed text opened in a spreadsheet must not run as a formula.
    risky = value[:1] in ("=", "@", "\t", "\r") or (value[:1] in ("+", "-") and not re.fullmatch(r"\+[0-9]+", value))
    return "'" + value if risky else value
