"""The guestbook on the visitor's own phone (issue 16.6).

The kiosk's guestbook step asks for a token (``open_checkin``) and shows its link as a QR code. The link holds
256 random bits and nothing else (no personal data in the URL); only its SHA-256 is stored, bound to that kiosk
session's random key, its ticket, its consent and language. It works for ``LIFETIME`` and once.

The phone's form is validated by ``kiosk.core.guestbook.validate`` (the same rules and messages) and stored by
``guestbook.complete`` as that kiosk session's visit; the kiosk asks ``done(session_key)`` about once a second
and moves on to the locker step when the answer comes. A new token for the same session (the visitor came
back to the step, changed the language…) leaves older ones valid until they expire: whichever the phone used
first fills the session; the others then refuse as used.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Mapping

from kiosk.core import guestbook
from kiosk.core.clock import Clock, local, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, N_
from kiosk.core.logs import mask_email
from kiosk.core.models import CheckinToken, Visit, VisitorAccount, database

log = logging.getLogger(__name__)

LIFETIME = dt.timedelta(minutes=10)
PATH = "/c/"


class CheckinRefused(KioskError):
    visitor_message = N_("This code has expired or has already been used. Please scan the new code on the kiosk "
                         "screen, or fill in the form there.")


@dataclass(frozen=True)
class Opened:
    token: str
    url: str
    expires_at: dt.datetime       # naive UTC


@dataclass(frozen=True)
class Done:
    visit_id: int
    full_name: str
    email: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_key() -> str:
    return secrets.token_hex(16)


def open_checkin(settings: Settings, clock: Clock, kiosk: str, session_key: str, *, ticket_id: int | None,
                 consent_at: dt.datetime | None, consent_version: str, language: str) -> Opened | None:
    """A fresh one-time link for this kiosk session; None when ``[web] public_url`` is empty (phones could not
    reach the server: no code is shown)."""
    base = settings.web.public_url.rstrip("/")
    if not base:
        return None
    now = to_utc_naive(clock.now())
    token = secrets.token_urlsafe(32)
    with write_transaction(database.obj):
        # links dead for a day go as new ones are made: nothing else needs them
        CheckinToken.delete().where(CheckinToken.expires_at < now - dt.timedelta(days=1)).execute()
        CheckinToken.create(token_hash=_hash(token), kiosk=kiosk[:40], session_key=session_key[:64], created_at=now,
                            expires_at=now + LIFETIME, ticket_id=ticket_id,
                            consent_at=to_utc_naive(consent_at) if consent_at else None,
                            consent_version=consent_version[:20], language=language if language in ("id", "en") else "id")
    return Opened(token, base + PATH + token, now + LIFETIME)


def _live(clock: Clock, token: str) -> CheckinToken:
    row = CheckinToken.get_or_none(CheckinToken.token_hash == _hash(token or ""))
    if row is None or row.used_at is not None or row.expires_at <= to_utc_naive(clock.now()):
        raise CheckinRefused(f"check-in link refused ({'unknown' if row is None else 'used or expired'})")
    return row


def check(clock: Clock, token: str) -> str:
    """The kiosk session's language when ``token`` can still be used; ``CheckinRefused`` otherwise."""
    return _live(clock, token).language


def prefill_for_account(account_id: int) -> dict[str, str]:
    """The form filled from a logged-in account and its last guestbook answers under the same e-mail:
    a returning visitor with an account sends it with one tap."""
    account = VisitorAccount.get_or_none(VisitorAccount.id == account_id)
    if account is None:
        return {}
    out = {"full_name": account.full_name, "email": account.email, "phone": account.phone,
           "institution_name": account.institution_name, "occupation": account.occupation}
    last = guestbook.find_returning(account.full_name, account.email, account.phone)
    if last is not None:
        out.update({k: str(v) for k, v in guestbook.prefill_from(last).items() if v not in (None, "")})
    return out


def submit(settings: Settings, clock: Clock, token: str, raw: Mapping[str, object]) -> Visit:
    """Validate the phone's form (``ValidationError`` lists each field) and store it as the kiosk session's
    visit. The token is claimed first (one use, even for two taps at once) and given back if storing fails."""
    row = _live(clock, token)
    today = local(clock.now(), settings.office.timezone).date()
    entry = guestbook.validate(raw, settings, today)
    now = to_utc_naive(clock.now())
    with write_transaction(database.obj):
        claimed = CheckinToken.update(used_at=now).where(CheckinToken.id == row.id,
                                                         CheckinToken.used_at.is_null()).execute()
    if claimed != 1:
        raise CheckinRefused("check-in link used meanwhile")
    try:
        visit = guestbook.complete(entry, db=database.obj, clock=clock, kiosk=row.kiosk, language=row.language,
                                   consent_at=row.consent_at, consent_version=row.consent_version,
                                   ticket_id=row.ticket_id, started_at=row.created_at)
    except BaseException:
        with write_transaction(database.obj):
            CheckinToken.update(used_at=None).where(CheckinToken.id == row.id).execute()
        raise
    with write_transaction(database.obj):
        CheckinToken.update(visit_id=visit.id).where(CheckinToken.id == row.id).execute()
    log.info("phone check-in for kiosk %s: visit %d (%s)", row.kiosk, visit.id, mask_email(entry.email))
    return visit


def done(session_key: str) -> Done | None:
    """What the phone sent for this kiosk session, once it has (the kiosk asks about once a second)."""
    row = (CheckinToken.select().where(CheckinToken.session_key == session_key, CheckinToken.visit_id.is_null(False))
           .order_by(CheckinToken.used_at).first())
    if row is None:
        return None
    visit = Visit.get_or_none(Visit.id == row.visit_id)
    if visit is None or visit.visitor is None:
        return None
    return Done(visit.id, visit.visitor.full_name or "", visit.visitor.email or "")
