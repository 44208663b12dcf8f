"""Visitor accounts of the library online (issue 16): register, verify by an e-mailed link, log in, reset the
password, export everything held about the person, delete the account (UU PDP 27/2022).

* Passwords are stored only as argon2id hashes (argon2-cffi's defaults, as ``staff_accounts``).
* Links (verify, reset) carry 256 random bits; only their SHA-256 is stored, each works once and expires
  (``[online]`` verify_link_hours, reset_link_minutes). Their mails go through the outbox like softcopies.
* Every register / login / reset attempt is stored (``OnlineAttempt``) under the network address and under a
  hash of the e-mail: ``[online] attempts_per_address_per_hour`` per address, and per account
  ``passwords.MAX_FAILURES`` wrong passwords in ``passwords.WINDOW`` lock it for ``passwords.LOCKOUT`` — in the database, so a restart
  does not reset them.
* Registering an e-mail that already has an account answers exactly like a new registration (a guesser learns
  nothing); the owner gets a mail saying so instead of a verification link.
* The e-mail is stored lower-cased, as the guestbook stores it: the reports count an account and a walk-in
  guestbook entry with the same e-mail as one person.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Mapping

from peewee import JOIN, fn

from kiosk.core import guestbook, outbox, passwords
from kiosk.core.clock import Clock, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, LimitReached, ValidationError
from kiosk.core.logs import mask_email
from kiosk.core.models import AccountToken, OnlineAttempt, VisitorAccount, database
from kiosk.i18n import N_, gettext_for

log = logging.getLogger(__name__)

MAX_FAILURES = passwords.MAX_FAILURES
PER_ACCOUNT_MAILS_PER_HOUR = 3      # verification / reset mails one address can be sent an hour
MIN_PASSWORD = passwords.MIN_LENGTH
PASSWORD_MAX = passwords.MAX_LENGTH


MSG_PASSWORD_SHORT = N_("The password needs at least 10 characters.")
MSG_PASSWORD_SAME = N_("The two passwords are not the same.")


class LoginRefused(KioskError):
    """Wrong e-mail or password (which one is never said)."""

    visitor_message = N_("Wrong e-mail or password.")


class LockedOut(LoginRefused):
    visitor_message = N_("Too many wrong passwords: this account is locked for 15 minutes. You can reset the "
                         "password by e-mail.")


class TooManyAttempts(LimitReached):
    visitor_message = N_("Too many attempts from here. Please wait an hour and try again, or ask PST staff.")


class LinkRefused(KioskError):
    """A verification or reset link that is unknown, used or expired."""

    visitor_message = N_("This link has expired or has already been used. Ask for a new one.")


@dataclass(frozen=True)
class Account:
    """What a page needs of the logged-in visitor, never the hash."""
    id: int
    email: str
    full_name: str
    phone: str
    institution_name: str
    occupation: str
    verified: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class Sent:
    """A mail stored in the outbox for a visitor (verification, reset, notice)."""
    mail_id: int | None          # None: nothing was due (the same answer is shown anyway)


def _account(row: VisitorAccount) -> Account:
    return Account(row.id, row.email, row.full_name, row.phone, row.institution_name, row.occupation,
                   row.verified_at is not None, row.created_at)


def email_key(email: str) -> str:
    """The e-mail as a rate-limit key: hashed, so the attempts table holds no address."""
    return "acct:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str, again: str | None = None) -> None:
    if len(password or "") < MIN_PASSWORD or len(password) > PASSWORD_MAX:
        raise ValidationError({"password": MSG_PASSWORD_SHORT})
    if again is not None and again != password:
        raise ValidationError({"password2": MSG_PASSWORD_SAME})


# --- rate limits ---

def _attempts(key: str, action: str | None, since: dt.datetime, ok: bool | None = None) -> int:
    query = OnlineAttempt.select().where(OnlineAttempt.key == key, OnlineAttempt.at > since)
    if action is not None:
        query = query.where(OnlineAttempt.action == action)
    if ok is not None:
        query = query.where(OnlineAttempt.ok == ok)
    return query.count()


def check_address(settings: Settings, now: dt.datetime, address: str) -> None:
    """``TooManyAttempts`` when this network address made its hour's attempts (register, login, reset)."""
    if _attempts("ip:" + address[:60], None, now - dt.timedelta(hours=1)) >= \
            settings.online.attempts_per_address_per_hour:
        raise TooManyAttempts(f"address {address} over {settings.online.attempts_per_address_per_hour} attempts an hour")


def record(now: dt.datetime, action: str, ok: bool, address: str, email: str = "") -> None:
    with write_transaction(database.obj):
        OnlineAttempt.create(action=action, key="ip:" + address[:60], ok=ok, at=now)
        if email:
            OnlineAttempt.create(action=action, key=email_key(email), ok=ok, at=now)


def locked_until(email: str, now: dt.datetime) -> dt.datetime | None:
    """When the account's lockout ends: MAX_FAILURES failed logins since its last success within WINDOW."""
    key = email_key(email)
    last_ok = (OnlineAttempt.select(OnlineAttempt.at)
               .where(OnlineAttempt.key == key, OnlineAttempt.action == "login", OnlineAttempt.ok == True)  # noqa: E712
               .order_by(OnlineAttempt.at.desc()).scalar())
    since = passwords.counting_from(last_ok, now)
    failures = [at for (at,) in OnlineAttempt.select(OnlineAttempt.at)
                .where(OnlineAttempt.key == key, OnlineAttempt.action == "login",
                       OnlineAttempt.ok == False, OnlineAttempt.at > since)  # noqa: E712
                .order_by(OnlineAttempt.at).tuples()]
    return passwords.lock_ends(failures, now)


# --- mails ---

VERIFY_SUBJECT = N_("Confirm your e-mail for the {office} library")
VERIFY_BODY = N_("Dear {name},\n\nThank you for registering with the {office} library. Open this link to confirm your "
                 "e-mail address (it works once, for {hours} hours):\n\n{link}\n\nIf you did not register, ignore "
                 "this message: nothing happens without the link.")
EXISTS_SUBJECT = N_("Your account at the {office} library")
EXISTS_BODY = N_("Dear {name},\n\nSomeone (perhaps you) tried to register this e-mail address again at the {office} "
                 "library. You already have an account: log in at {link}\nIf you forgot the password, choose "
                 "\"Forgot password\" there.")
RESET_SUBJECT = N_("Reset your password for the {office} library")
RESET_BODY = N_("Dear {name},\n\nOpen this link to choose a new password (it works once, for {minutes} minutes):\n\n"
                "{link}\n\nIf you did not ask for this, ignore this message: your password stays as it is.")
AUTOMATIC = N_("This message was sent by the PST library's web service.")


def _mail(settings: Settings, clock: Clock, to: str, lang: str, subject: str, body: str, **values) -> int:
    def t(msgid: str) -> str:
        return gettext_for(lang, msgid).format(office=settings.office.name, **values)

    msg = EmailMessage()
    msg["Subject"] = t(subject)
    msg["From"] = Address(display_name=settings.office.name, addr_spec=settings.mail.from_address)
    msg["To"] = outbox.clean_address(to)
    msg["Date"] = format_datetime(clock.now())
    msg.set_content(t(body) + "\n\n-- \n" + t(AUTOMATIC) + "\n")
    msg["Content-Language"] = lang
    return outbox.enqueue(settings, clock, msg).id


def _new_token(account_id: int, purpose: str, now: dt.datetime, lifetime: dt.timedelta) -> str:
    token = secrets.token_urlsafe(32)
    AccountToken.create(account=account_id, purpose=purpose, token_hash=_token_hash(token), created_at=now,
                        expires_at=now + lifetime)
    return token


def _link(settings: Settings, path: str) -> str:
    return settings.web.public_url.rstrip("/") + path


def _mails_this_hour(email: str, now: dt.datetime) -> int:
    return _attempts(email_key(email), "mail", now - dt.timedelta(hours=1))


# --- register / verify ---

def validate_registration(settings: Settings, form: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    out: dict[str, str] = {}
    cleaners = {"full_name": guestbook.clean_name, "email": guestbook.clean_email, "phone": guestbook.clean_phone,
                "institution_name": lambda v: guestbook.clean_text(v, guestbook.INSTITUTION_MAX,
                                                                   guestbook.MSG_INSTITUTION_LONG)}
    for name, clean in cleaners.items():
        try:
            out[name] = clean(str(form.get(name) or ""))
        except ValueError as exc:
            errors[name] = str(exc)
    occupation = str(form.get("occupation") or "")
    if occupation in guestbook.choice_codes(settings.guestbook, "occupation"):
        out["occupation"] = occupation
    else:
        errors["occupation"] = guestbook.MSG_CHOOSE
    for check in (lambda: check_password(str(form.get("password") or ""), str(form.get("password2") or "")),):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.errors)
    if form.get("consent") != "yes":
        errors["consent"] = guestbook.MSG_CONSENT
    if errors:
        raise ValidationError(errors)
    return out


def forget_old(now: dt.datetime) -> int:
    """Attempts older than a day and links dead for a day go: they only ever served the limits and one use
    (they hold network addresses, and nothing else needs them). Run as registrations come in."""
    with write_transaction(database.obj):
        gone = OnlineAttempt.delete().where(OnlineAttempt.at < now - dt.timedelta(days=1)).execute()
        gone += AccountToken.delete().where(AccountToken.expires_at < now - dt.timedelta(days=1)).execute()
    return gone


def register(settings: Settings, clock: Clock, form: Mapping[str, str], address: str, lang: str = "id") -> Sent:
    """A new unverified account and its verification mail in the outbox. The answer is the same when the
    e-mail already has an account (that owner is told by mail instead)."""
    now = to_utc_naive(clock.now())
    check_address(settings, now, address)
    fields = validate_registration(settings, form)      # mistakes are not attempts: the visitor retries
    forget_old(now)
    email = fields["email"]
    password_hash = passwords.hash_password(str(form["password"]))
    with write_transaction(database.obj):
        OnlineAttempt.create(action="register", key="ip:" + address[:60], ok=True, at=now)
        if _mails_this_hour(email, now) >= PER_ACCOUNT_MAILS_PER_HOUR:
            log.info("register %s: mail limit reached, nothing sent", mask_email(email))
            return Sent(None)
        OnlineAttempt.create(action="mail", key=email_key(email), ok=True, at=now)
        row = VisitorAccount.get_or_none(VisitorAccount.email == email)
        if row is not None:
            mail_id = _mail(settings, clock, email, lang, EXISTS_SUBJECT, EXISTS_BODY, name=row.full_name,
                            link=_link(settings, "/account/login"))
            log.info("register %s: already an account, owner told", mask_email(email))
            return Sent(mail_id)
        row = VisitorAccount.create(
            email=email, full_name=fields["full_name"], phone=fields["phone"],
            institution_name=fields["institution_name"], occupation=fields["occupation"],
            password_hash=password_hash, consent_version=settings.privacy.notice_version, consent_at=now,
            created_at=now, password_changed_at=now)
        hours = settings.online.verify_link_hours
        token = _new_token(row.id, "verify", now, dt.timedelta(hours=hours))
        mail_id = _mail(settings, clock, email, lang, VERIFY_SUBJECT, VERIFY_BODY, name=row.full_name, hours=hours,
                        link=_link(settings, f"/account/verify/{token}"))
    log.info("account %d registered (%s)", row.id, mask_email(email))
    return Sent(mail_id)


def _use_token(token: str, purpose: str, now: dt.datetime) -> AccountToken:
    """The token's row, marked used in the caller's transaction; LinkRefused when unknown, used or expired."""
    row = AccountToken.get_or_none(AccountToken.token_hash == _token_hash(token or ""),
                                   AccountToken.purpose == purpose)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LinkRefused(f"{purpose} link refused ({'unknown' if row is None else 'used or expired'})")
    # one use, even when two clicks race: only the update that finds it unused wins
    if AccountToken.update(used_at=now).where(AccountToken.id == row.id, AccountToken.used_at.is_null()).execute() != 1:
        raise LinkRefused(f"{purpose} link used meanwhile")
    return row


def verify(clock: Clock, token: str) -> Account:
    now = to_utc_naive(clock.now())
    with write_transaction(database.obj):
        row = _use_token(token, "verify", now)
        VisitorAccount.update(verified_at=now).where(VisitorAccount.id == row.account_id,
                                                     VisitorAccount.verified_at.is_null()).execute()
        return _account(VisitorAccount.get_by_id(row.account_id))


def resend_verification(settings: Settings, clock: Clock, account_id: int, lang: str = "id") -> Sent:
    now = to_utc_naive(clock.now())
    with write_transaction(database.obj):
        row = VisitorAccount.get_by_id(account_id)
        if row.verified_at is not None or _mails_this_hour(row.email, now) >= PER_ACCOUNT_MAILS_PER_HOUR:
            return Sent(None)
        OnlineAttempt.create(action="mail", key=email_key(row.email), ok=True, at=now)
        hours = settings.online.verify_link_hours
        token = _new_token(row.id, "verify", now, dt.timedelta(hours=hours))
        return Sent(_mail(settings, clock, row.email, lang, VERIFY_SUBJECT, VERIFY_BODY, name=row.full_name,
                          hours=hours, link=_link(settings, f"/account/verify/{token}")))


# --- login ---

def login(settings: Settings, clock: Clock, email: str, password: str, address: str) -> Account:
    """The account, or LoginRefused / LockedOut / TooManyAttempts; every attempt is stored."""
    now = to_utc_naive(clock.now())
    email = (email or "").strip().lower()[:254]
    check_address(settings, now, address)
    if locked_until(email, now) is not None:
        record(now, "login_locked", False, address)
        raise LockedOut(f"account {mask_email(email)} locked after {MAX_FAILURES} wrong passwords")
    row = VisitorAccount.get_or_none(VisitorAccount.email == email)
    ok = passwords.verify(row.password_hash if row is not None else None, password)
    record(now, "login", ok, address, email)
    if not ok:
        if locked_until(email, now) is not None:
            raise LockedOut(f"account {mask_email(email)} locked after {MAX_FAILURES} wrong passwords")
        raise LoginRefused(f"login refused for {mask_email(email)}")
    if passwords.needs_rehash(row.password_hash):
        VisitorAccount.update(password_hash=passwords.hash_password(password)).where(VisitorAccount.id == row.id).execute()
    return _account(row)


def get(account_id: int) -> Account | None:
    """The account as it is now: None once deleted (the session cookie outlives nothing)."""
    row = VisitorAccount.get_or_none(VisitorAccount.id == account_id)
    return _account(row) if row is not None else None


# --- password reset ---

def request_reset(settings: Settings, clock: Clock, email: str, address: str, lang: str = "id") -> Sent:
    """A reset link by mail when the e-mail has an account; the same answer either way."""
    now = to_utc_naive(clock.now())
    check_address(settings, now, address)
    try:
        email = guestbook.clean_email(email)
    except ValueError as exc:
        raise ValidationError({"email": str(exc)}) from None
    with write_transaction(database.obj):
        OnlineAttempt.create(action="reset", key="ip:" + address[:60], ok=True, at=now)
        row = VisitorAccount.get_or_none(VisitorAccount.email == email)
        if row is None or _mails_this_hour(email, now) >= PER_ACCOUNT_MAILS_PER_HOUR:
            return Sent(None)
        OnlineAttempt.create(action="mail", key=email_key(email), ok=True, at=now)
        minutes = settings.online.reset_link_minutes
        token = _new_token(row.id, "reset", now, dt.timedelta(minutes=minutes))
        return Sent(_mail(settings, clock, email, lang, RESET_SUBJECT, RESET_BODY, name=row.full_name,
                          minutes=minutes, link=_link(settings, f"/account/reset/{token}")))


def check_reset_link(clock: Clock, token: str) -> None:
    """LinkRefused unless ``token`` is a live reset link (the form is shown only then)."""
    row = AccountToken.get_or_none(AccountToken.token_hash == _token_hash(token or ""), AccountToken.purpose == "reset")
    if row is None or row.used_at is not None or row.expires_at <= to_utc_naive(clock.now()):
        raise LinkRefused("reset link refused")


def reset_password(clock: Clock, token: str, password: str, again: str) -> Account:
    check_password(password, again)
    now = to_utc_naive(clock.now())
    new_hash = passwords.hash_password(password)
    with write_transaction(database.obj):
        row = _use_token(token, "reset", now)
        # a reset link proves the mailbox: it verifies the account too; other open reset links die
        VisitorAccount.update(password_hash=new_hash, password_changed_at=now,
                              verified_at=fn.COALESCE(VisitorAccount.verified_at, now)) \
            .where(VisitorAccount.id == row.account_id).execute()
        AccountToken.update(used_at=now).where(AccountToken.account == row.account_id, AccountToken.purpose == "reset",
                                               AccountToken.used_at.is_null()).execute()
        return _account(VisitorAccount.get_by_id(row.account_id))


# --- the person's rights: see everything, delete ---

def check_own_password(account_id: int, password: str) -> None:
    row = VisitorAccount.get_by_id(account_id)
    if not passwords.verify(row.password_hash, password):
        raise LoginRefused(f"account {account_id}: wrong password to delete")



# --- one person, walk-in or online ---

def service_users(start: dt.datetime, end: dt.datetime) -> int:
    """People served in [start, end) (naive UTC), counted once each: walk-in guestbook visits and online
    accounts that registered, downloaded or rated in the period. An account and a guestbook entry with the
    same e-mail (both stored lower-cased) are one person; a visit without an e-mail is one person."""
    from kiosk.core.models import OnlineDownload, SurveyResponse, Visit, Visitor

    people: set[str] = set()
    walk_ins = (Visit.select(Visit.id, Visitor.email)
                .join(Visitor, on=(Visit.visitor == Visitor.id), join_type=JOIN.LEFT_OUTER).where(Visit.started_at >= start, Visit.started_at < end).tuples())
    for visit_id, email in walk_ins:
        people.add(f"e:{email}" if email else f"v:{visit_id}")
    active = set(VisitorAccount.select(VisitorAccount.id).where(VisitorAccount.created_at >= start,
                                                              VisitorAccount.created_at < end).tuples())
    active |= set(OnlineDownload.select(OnlineDownload.account).where(OnlineDownload.created_at >= start,
                                                                     OnlineDownload.created_at < end).tuples())
    rated = SurveyResponse.select(SurveyResponse.online_key).where(
        SurveyResponse.online_key.is_null(False), SurveyResponse.created_at >= start, SurveyResponse.created_at < end)
    active |= {(int(key.split(":", 1)[0]),) for (key,) in rated.tuples()}
    ids = [i for (i,) in active]
    if ids:
        people |= {f"e:{email}" for (email,) in VisitorAccount.select(VisitorAccount.email)
                   .where(VisitorAccount.id.in_(ids)).tuples()}
    return len(people)
