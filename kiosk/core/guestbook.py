"""The guestbook (buku tamu): visitor fields, validation, returning visitors, the visit record.

A screen hands in what the visitor typed (``dict`` of strings) and gets back a cleaned
``GuestbookEntry`` or a ``ValidationError`` naming *every* bad field with a msgid, so all the
messages appear next to their fields at once.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Mapping

from peewee import Database, fn

from kiosk.core.clock import Clock, to_utc_naive
from kiosk.core.config import GuestbookSettings, Settings
from kiosk.core.db import write_transaction
from kiosk.core.errors import ValidationError
from kiosk.core.logs import mask_email
from kiosk.core.models import Ticket, Visit, Visitor
from kiosk.i18n import N_

log = logging.getLogger(__name__)

NAME_MAX = 120
INSTITUTION_MAX = 160
DETAIL_MAX = 300
EMAIL_MAX = 254

MSG_NAME_EMPTY = N_("Please enter your full name")
MSG_NAME_CHARS = N_("Use letters only (spaces, apostrophes, dots and hyphens are allowed)")
MSG_NAME_LONG = N_("The name is too long (at most 120 characters)")
MSG_EMAIL_EMPTY = N_("Please enter your email address (softcopies are sent there)")
MSG_EMAIL_BAD = N_("Email is not valid")
MSG_PHONE_EMPTY = N_("Please enter your mobile number")
MSG_PHONE_BAD = N_("Mobile number is not valid (for example 0812 3456 7890)")
MSG_CHOOSE = N_("Please choose one")
MSG_AGE = N_("Please choose your age group (or type your birth year)")
MSG_BIRTH_YEAR = N_("Birth year is not valid")
MSG_TEXT_CHARS = N_("This text contains characters that are not allowed")
MSG_INSTITUTION_LONG = N_("The institution name is too long (at most 160 characters)")
MSG_DETAIL_LONG = N_("The text is too long (at most 300 characters)")
MSG_CONSENT = N_("Please read and accept the privacy notice first")

# Which config list each choice field takes its codes from.
CHOICE_FIELDS = {
    "gender": "genders", "age_group": "age_groups", "education": "educations",
    "occupation": "occupations", "institution_type": "institution_types", "purpose": "purposes",
}
TEXT_FIELDS = ("full_name", "email", "phone", "birth_year", "institution_name", "purpose_detail")
APOSTROPHES = "'\u2019\u02bc\u2018`"


@dataclass(frozen=True)
class GuestbookEntry:
    """Cleaned guestbook data, ready to store."""
    full_name: str
    email: str
    phone: str                 # E.164
    gender: str
    age_group: str
    birth_year: int | None
    education: str
    occupation: str
    institution_name: str
    institution_type: str
    purpose: str
    purpose_detail: str


# --- single fields ---

def _collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def clean_name(raw: str) -> str:
    """Unicode letters (any script, with their marks), spaces, apostrophes, dots, hyphens.

    Indonesian names may be a single word ("Sukarno"); abbreviations ("Moh. Hatta") and
    apostrophes ("Ma'ruf") are common, digits and other symbols are not names."""
    name = _collapse_spaces(unicodedata.normalize("NFC", raw or ""))
    if not name:
        raise ValueError(MSG_NAME_EMPTY)
    for ch in name:
        cat = unicodedata.category(ch)
        if not (cat[0] in "LM" or ch == " " or ch in APOSTROPHES or ch in ".-"):
            raise ValueError(MSG_NAME_CHARS)
    if not any(unicodedata.category(ch)[0] == "L" for ch in name):
        raise ValueError(MSG_NAME_CHARS)
    if len(name) > NAME_MAX:
        raise ValueError(MSG_NAME_LONG)
    return name


_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})")


def clean_email(raw: str) -> str:
    """A deliverable-looking address, lower-cased (so a returning visitor's match is exact)."""
    email = (raw or "").strip()
    if not email:
        raise ValueError(MSG_EMAIL_EMPTY)
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email) or len(email.partition("@")[0]) > 64:
        raise ValueError(MSG_EMAIL_BAD)
    return email.lower()


def clean_phone(raw: str) -> str:
    """Indonesian mobile numbers in any usual form → E.164 (``0812-3456-7890`` → ``+6281234567890``).

    Foreign numbers are accepted when written with their ``+`` country code."""
    text = (raw or "").strip()
    if not text:
        raise ValueError(MSG_PHONE_EMPTY)
    compact = re.sub(r"[\s\-().]", "", text)
    if not re.fullmatch(r"\+?[0-9]+", compact):
        raise ValueError(MSG_PHONE_BAD)
    digits = compact.lstrip("+")
    if compact.startswith("+62") or (not compact.startswith("+") and digits.startswith("62")):
        national = digits[2:]
    elif compact.startswith("+"):
        if re.fullmatch(r"[1-9][0-9]{7,14}", digits):
            return "+" + digits
        raise ValueError(MSG_PHONE_BAD)
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    # Indonesian mobile numbers: 8, then 8 to 11 more digits (0812-345-678 … 0812-3456-78901)
    if not re.fullmatch(r"8[1-9][0-9]{7,10}", national):
        raise ValueError(MSG_PHONE_BAD)
    return "+62" + national


def clean_text(raw: str, max_len: int, too_long: str) -> str:
    """Free text: letters, digits, punctuation, symbols and spaces of any script; nothing invisible."""
    text = _collapse_spaces(unicodedata.normalize("NFC", raw or ""))
    for ch in text:
        if unicodedata.category(ch)[0] not in "LMNPS" and ch != " ":
            raise ValueError(MSG_TEXT_CHARS)
    if len(text) > max_len:
        raise ValueError(too_long)
    return text


def clean_birth_year(raw: str, today: dt.date) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{4}", text):
        raise ValueError(MSG_BIRTH_YEAR)
    year = int(text)
    if not today.year - 110 <= year <= today.year - 5:
        raise ValueError(MSG_BIRTH_YEAR)
    return year


def age_group_for(birth_year: int, today: dt.date, codes: list[str]) -> str:
    """The age group whose code reads as a range (``u20``, ``20_29``, ``60p``); "" if none does.

    Offices may rename the codes; then only the chosen group (not the birth year) fills reports."""
    age = today.year - birth_year
    for code in codes:
        if m := re.fullmatch(r"u(\d+)", code):
            if age < int(m.group(1)):
                return code
        elif m := re.fullmatch(r"(\d+)_(\d+)", code):
            if int(m.group(1)) <= age <= int(m.group(2)):
                return code
        elif m := re.fullmatch(r"(\d+)p", code):
            if age >= int(m.group(1)):
                return code
    return ""


def choice_codes(guestbook: GuestbookSettings, field: str) -> list[str]:
    return [c.code for c in getattr(guestbook, CHOICE_FIELDS[field])]


# --- the whole form ---

def validate(raw: Mapping[str, object], settings: Settings, today: dt.date) -> GuestbookEntry:
    """Clean every field; ValidationError lists every field that is wrong."""
    errors: dict[str, str] = {}
    out: dict[str, object] = {}

    def text(field: str) -> str:
        value = raw.get(field, "")
        return value if isinstance(value, str) else ""

    cleaners = {
        "full_name": clean_name,
        "email": clean_email,
        "phone": clean_phone,
        "birth_year": lambda v: clean_birth_year(v, today),
        "institution_name": lambda v: clean_text(v, INSTITUTION_MAX, MSG_INSTITUTION_LONG),
        "purpose_detail": lambda v: clean_text(v, DETAIL_MAX, MSG_DETAIL_LONG),
    }
    for field, clean in cleaners.items():
        try:
            out[field] = clean(text(field))
        except ValueError as exc:
            errors[field] = str(exc)
    for field in CHOICE_FIELDS:
        value = text(field)
        codes = choice_codes(settings.guestbook, field)
        if value in codes:
            out[field] = value
        elif field == "age_group" and not value and isinstance(out.get("birth_year"), int):
            out[field] = age_group_for(out["birth_year"], today, codes)  # type: ignore[arg-type]
        else:
            errors[field] = MSG_AGE if field == "age_group" else MSG_CHOOSE
    if errors:
        raise ValidationError(errors)
    return GuestbookEntry(**out)  # type: ignore[arg-type]


# --- returning visitors ---

# Never the name: the visitor types it, and the offer is only made when it matches.
PREFILL_FIELDS = ("gender", "age_group", "birth_year", "education", "occupation",
                  "institution_name", "institution_type")


def find_returning(full_name: str, email: str, phone: str) -> Visitor | None:
    """The latest answers given under exactly this full name, e-mail *and* phone, else None.

    A family shares a phone and often an e-mail: e-mail + phone alone would hand one person's
    answers (and name) to another. The name is compared as typed, ignoring case and spacing. The
    answer is the same for "unknown", "wrong phone" and "other name", so the screen reveals nothing
    about who visited before until all three match."""
    try:
        name, email, phone = clean_name(full_name).casefold(), clean_email(email), clean_phone(phone)
    except ValueError:
        return None
    rows = (Visitor.select()
            .where((Visitor.email == email) & (Visitor.phone == phone) & Visitor.anonymised_at.is_null())
            .order_by(Visitor.last_visit_at.desc(), Visitor.id.desc()))
    return next((v for v in rows if (v.full_name or "").casefold() == name), None)


def prefill_from(visitor: Visitor) -> dict[str, str]:
    """What the form may show from the last visit (as the strings the fields hold)."""
    out = {f: getattr(visitor, f) for f in PREFILL_FIELDS}
    out["birth_year"] = str(visitor.birth_year) if visitor.birth_year else ""
    return {k: v or "" for k, v in out.items()}


# --- one-tap answers (issue 14.2: a first-time visitor finishes quickly) ---

#: an institution is offered only once this many visitor records name it: a name only one person typed
#: could point at that person, a name many typed is just a place
SUGGEST_MIN_RECORDS = 2
SUGGEST_MIN_CHARS = 3


def email_suggestions(full_name: str, domain: str = "gmail.com") -> list[str]:
    """The addresses people most often make of their name ("Siti Nurhaliza" → siti.nurhaliza@gmail.com,
    sitinurhaliza@gmail.com), offered as one tap; the visitor sees the address and may still change it."""
    ascii_name = unicodedata.normalize("NFKD", full_name or "").encode("ascii", "ignore").decode()
    words = ["".join(ch for ch in w if ch.isalnum()) for w in ascii_name.lower().split()]
    words = [w for w in words if w]
    if not words:
        return []
    parts = [".".join(words)] + (["".join(words)] if len(words) > 1 else [])
    return [f"{part}@{domain}" for part in parts]


def institution_suggestions(typed: str, limit: int = 3) -> list[str]:
    """Institution names earlier visitors gave that begin with what is typed, the most given first."""
    text = _collapse_spaces(typed or "")
    if len(text) < SUGGEST_MIN_CHARS:
        return []
    count = fn.COUNT(Visitor.id)
    rows = (Visitor.select(Visitor.institution_name, count.alias("n"))
            .where(Visitor.institution_name.startswith(text))
            .group_by(Visitor.institution_name)
            .having(count >= SUGGEST_MIN_RECORDS)
            .order_by(count.desc(), Visitor.institution_name)
            .limit(limit))
    return [name for (name, _n) in rows.tuples() if name.casefold() != text.casefold()]


# --- the visit ---

@dataclass(frozen=True)
class TicketInfo:
    number: str
    service_code: str


def _same_answers(personal: dict[str, object]) -> Visitor | None:
    """A stored, not anonymised row holding exactly these answers."""
    query = Visitor.select().where(Visitor.anonymised_at.is_null())
    for key, value in personal.items():
        field = getattr(Visitor, key)
        query = query.where(field.is_null() if value is None else field == value)
    return query.order_by(Visitor.id.desc()).first()


def ticket_info(ticket_id: int | None) -> TicketInfo | None:
    if ticket_id is None:
        return None
    ticket = Ticket.get_or_none(Ticket.id == ticket_id)
    return TicketInfo(ticket.number, ticket.service_code) if ticket else None


def complete(entry: GuestbookEntry, *, db: Database, clock: Clock, kiosk: str, language: str,
             consent_at: dt.datetime | None, consent_version: str, ticket_id: int | None = None,
             visit_id: int | None = None, started_at: dt.datetime | None = None) -> Visit:
    """Store the guestbook: the answers (a ``Visitor`` row) and the visit.

    A ``Visitor`` row is never rewritten: a visit keeps exactly what was given at that visit. The
    same answers again (a returning visitor who changed nothing) reuse the row; any difference —
    another person on a family phone, a new institution — makes a new row.

    ``guestbook_completed_at`` is set once: the service standard counts from the first time the
    guestbook was complete, not from a later correction. ``visit_id`` updates the same visit
    when the visitor goes back and corrects the form."""
    if consent_at is None:
        raise ValidationError({"consent": MSG_CONSENT})
    now = to_utc_naive(clock.now())
    profile = {f: getattr(entry, f) for f in ("gender", "age_group", "education", "occupation",
                                              "institution_type")}
    personal = {k: v for k, v in asdict(entry).items() if k not in ("purpose", "purpose_detail")}
    with write_transaction(db):
        visit = Visit.get_or_none(Visit.id == visit_id) if visit_id is not None else None
        earlier = visit.visitor_id if visit is not None else None
        visitor = _same_answers(personal)
        if visitor is None:
            visitor = Visitor.create(created_at=now, last_visit_at=now, **personal)
        else:
            Visitor.update(last_visit_at=now).where(Visitor.id == visitor.id).execute()
        ticket = Ticket.get_or_none(Ticket.id == ticket_id) if ticket_id is not None else None
        if visit is None:
            visit = Visit(kiosk=kiosk, started_at=to_utc_naive(started_at) if started_at else now)
        visit.visitor = visitor
        visit.ticket = ticket
        visit.service_code = ticket.service_code if ticket else visit.service_code
        visit.language = language
        visit.purpose = entry.purpose
        visit.purpose_detail = entry.purpose_detail
        for key, value in profile.items():
            setattr(visit, key, value)
        visit.consent_at = to_utc_naive(consent_at)
        visit.consent_version = consent_version
        if visit.guestbook_completed_at is None:
            visit.guestbook_completed_at = now
        visit.save()
        if earlier is not None and earlier != visitor.id \
                and not Visit.select().where(Visit.visitor == earlier).exists():
            # the visitor corrected the form: the answers no visit refers to any more go at once
            Visitor.delete().where(Visitor.id == earlier).execute()
    log.info("guestbook complete: visit %s, visitor %s (%s), ticket %s", visit.id, visitor.id,
             mask_email(entry.email), ticket.number if ticket else "-")
    return visit
