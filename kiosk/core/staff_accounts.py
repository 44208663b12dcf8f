"""Staff accounts of the web desk (``kiosk staff …``, ``kiosk serve``): argon2 hashes, lockout, audit.

The touchscreen keeps its own staff PIN (``kiosk.core.staff``); these are named logins for the desk
console and the admin pages. Passwords are stored only as argon2id hashes (argon2-cffi's defaults).

Lockout (the rule is ``kiosk.core.passwords``, shared with visitors' accounts): ``MAX_FAILURES`` wrong
passwords for one name within ``WINDOW`` lock that name for ``LOCKOUT`` — counted from the attempts stored in the database, so restarting the server (or
attacking another server on the same database) does not reset it. An unknown name is counted the
same way, and answers the same, so a guesser cannot tell which names exist.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from enum import StrEnum


from kiosk.core import passwords
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, N_, NotFound, ValidationError
from kiosk.core.models import AuditEntry, StaffAccount, StaffLogin, database

log = logging.getLogger(__name__)

MAX_FAILURES = passwords.MAX_FAILURES
MIN_PASSWORD = passwords.MIN_LENGTH
NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")



class Role(StrEnum):
    DESK = "desk"
    ADMIN = "admin"


class LoginRefused(KioskError):
    """Wrong name or password (which one is never said)."""

    visitor_message = N_("Wrong name or password.")


class LockedOut(LoginRefused):
    visitor_message = N_("Too many wrong passwords: this account is locked for 15 minutes.")


class AccountError(KioskError):
    """An account change that cannot be made (name taken, weak password)."""


@dataclass(frozen=True)
class Staff:
    """Who is logged in: what a page needs, never the hash."""
    id: int
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def _staff(row: StaffAccount) -> Staff:
    return Staff(row.id, row.name, Role(row.role))


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError({"password": N_("At least 10 characters, please.")})


def _check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not NAME_RE.fullmatch(name):
        raise AccountError(f"{name!r} is not a staff name: 2-40 of a-z 0-9 . _ - starting with a letter or digit")
    return name


def audit(now: dt.datetime, staff: str, action: str, detail: str = "", address: str = "") -> None:
    """Record one staff action (its own small write; ``now`` naive UTC)."""
    AuditEntry.create(at=now, staff=staff[:40], action=action[:30], detail=detail[:2000], address=address[:60])


def add(name: str, role: str, password: str, now: dt.datetime, by: str = "cli") -> Staff:
    name = _check_name(name)
    if role not in tuple(Role):
        raise AccountError(f"role must be desk or admin, not {role!r}")
    check_password(password)
    with write_transaction(database.obj):
        if StaffAccount.get_or_none(StaffAccount.name == name) is not None:
            raise AccountError(f"there is already a staff account {name!r}")
        row = StaffAccount.create(name=name, role=role, password_hash=passwords.hash_password(password), active=True,
                                  created_at=now, password_changed_at=now)
        audit(now, by, "staff_add", f"{name} ({role})")
    return _staff(row)


def _get(name: str) -> StaffAccount:
    row = StaffAccount.get_or_none(StaffAccount.name == (name or "").strip().lower())
    if row is None:
        raise NotFound(f"no staff account {name!r} (kiosk staff list shows them)")
    return row


def set_password(name: str, password: str, now: dt.datetime, by: str = "cli") -> None:
    check_password(password)
    with write_transaction(database.obj):
        row = _get(name)
        StaffAccount.update(password_hash=passwords.hash_password(password), password_changed_at=now) \
            .where(StaffAccount.id == row.id).execute()
        audit(now, by, "staff_passwd", row.name)


def set_active(name: str, active: bool, now: dt.datetime, by: str = "cli") -> None:
    with write_transaction(database.obj):
        row = _get(name)
        StaffAccount.update(active=active).where(StaffAccount.id == row.id).execute()
        audit(now, by, "staff_enable" if active else "staff_disable", row.name)


@dataclass(frozen=True)
class AccountRow:
    name: str
    role: str
    active: bool
    created_at: dt.datetime
    last_login: dt.datetime | None
    locked: bool


def accounts(now: dt.datetime) -> list[AccountRow]:
    out = []
    for row in StaffAccount.select().order_by(StaffAccount.name):
        last = (StaffLogin.select(StaffLogin.at).where(StaffLogin.name == row.name, StaffLogin.ok == True)  # noqa: E712
                .order_by(StaffLogin.at.desc()).scalar())
        out.append(AccountRow(row.name, row.role, row.active, row.created_at, last, locked_until(row.name, now) is not None))
    return out


def locked_until(name: str, now: dt.datetime) -> dt.datetime | None:
    """When the name's lockout ends, or None: MAX_FAILURES failures since its last success within WINDOW."""
    name = (name or "").strip().lower()[:40]
    last_ok = (StaffLogin.select(StaffLogin.at).where(StaffLogin.name == name, StaffLogin.ok == True)  # noqa: E712
               .order_by(StaffLogin.at.desc()).scalar())
    since = passwords.counting_from(last_ok, now)
    failures = [at for (at,) in StaffLogin.select(StaffLogin.at)
                .where(StaffLogin.name == name, StaffLogin.ok == False, StaffLogin.at > since)  # noqa: E712
                .order_by(StaffLogin.at).tuples()]
    return passwords.lock_ends(failures, now)


def login(name: str, password: str, now: dt.datetime, address: str = "") -> Staff:
    """The account, or LoginRefused / LockedOut; every attempt is stored (and audited)."""
    name = (name or "").strip().lower()[:40]
    if locked_until(name, now) is not None:
        # not even verified: a locked name cannot be probed further, right or wrong
        audit(now, name or "?", "login_locked", "", address)
        raise LockedOut(f"staff {name!r} locked out after {MAX_FAILURES} wrong passwords")
    row = StaffAccount.get_or_none(StaffAccount.name == name)
    ok = passwords.verify(row.password_hash if row is not None else None, password) and row.active
    with write_transaction(database.obj):
        StaffLogin.create(name=name, ok=ok, address=address[:60], at=now)
        audit(now, name or "?", "login" if ok else "login_failed", "", address)
    if not ok:
        if locked_until(name, now) is not None:
            raise LockedOut(f"staff {name!r} locked out after {MAX_FAILURES} wrong passwords")
        raise LoginRefused(f"login refused for {name!r}")
    if passwords.needs_rehash(row.password_hash):
        StaffAccount.update(password_hash=passwords.hash_password(password)).where(StaffAccount.id == row.id).execute()
    return _staff(row)


def active_staff(staff_id: int) -> Staff | None:
    """The logged-in account as it is now: None once disabled or deleted (a cookie outlives neither)."""
    row = StaffAccount.get_or_none(StaffAccount.id == staff_id)
    return _staff(row) if row is not None and row.active else None


@dataclass(frozen=True)
class AuditRow:
    at: dt.datetime
    staff: str
    action: str
    detail: str
    address: str


def audit_log(limit: int = 200) -> list[AuditRow]:
    return [AuditRow(r.at, r.staff, r.action, r.detail, r.address)
            for r in AuditEntry.select().order_by(AuditEntry.id.desc()).limit(limit)]
