"""Passwords, for staff accounts (``staff_accounts``) and visitors' online accounts (``accounts``):
argon2id hashes (argon2-cffi's defaults) and the one lockout rule — ``MAX_FAILURES`` wrong passwords
inside ``WINDOW`` lock the name or address for ``LOCKOUT``, counted from what the database holds, so a
restart unlocks nothing."""
from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)
MIN_LENGTH = 10
MAX_LENGTH = 1000       # argon2 hashes any length; a megabyte "password" is only a way to burn CPU

_hasher = PasswordHasher()
# an unknown name costs the same time as a known one: a login cannot tell which names exist
_NOBODY = _hasher.hash("not a password of anyone")


def hash_password(password: str) -> str:
    return _hasher.hash(password[:MAX_LENGTH])


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``stored_hash`` None (no such account) is checked against a dummy
    hash, never answered early."""
    try:
        ok = _hasher.verify(stored_hash if stored_hash is not None else _NOBODY, (password or "")[:MAX_LENGTH])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """argon2-cffi's parameters grew since this hash was made: store a new one at the next login."""
    return _hasher.check_needs_rehash(stored_hash)


def counting_from(last_success: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """Failures count from the last successful login, and never from longer ago than a lock can last."""
    since = now - WINDOW - LOCKOUT
    return last_success if last_success is not None and last_success > since else since


def lock_ends(failures: list[dt.datetime], now: dt.datetime) -> dt.datetime | None:
    """When the lock ends, or None: it starts at the ``MAX_FAILURES``-th failure inside one window
    (``failures`` oldest first) and lasts ``LOCKOUT``."""
    for i in range(len(failures) - MAX_FAILURES + 1):
        if failures[i + MAX_FAILURES - 1] - failures[i] <= WINDOW:
            until = failures[i + MAX_FAILURES - 1] + LOCKOUT
            if until > now:
                return until
    return None
