"""Staff PIN: the strength rule, a scrypt hash, a constant-time check, wrong tries rate-limited.

The lockout is kept in the database (``StaffEvent`` rows ``pin_failed`` / ``pin_ok``), not in memory:
a kiosk restarted by systemd (``Restart=always``) after each wrong try must not get fresh tries.
A PIN check is scrypt (~50 ms) plus database reads and an audit insert — call ``PinGate.attempt``
off the touch thread (with PostgreSQL out of reach it waits for the connect timeout).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from kiosk.core.clock import Clock, to_utc_naive
from kiosk.core.errors import KioskError
from kiosk.core.models import StaffEvent

_N, _R, _P = 2 ** 14, 8, 1
PIN_MIN, PIN_MAX = 6, 12

# Lists of the most used PINs start with these (besides repeats, runs and dates, refused by rule).
COMMON_PINS = frozenset({
    "112233", "121212", "123123", "123321", "159753", "147258", "258369", "147852", "789456", "456123",
    "102030", "111222", "112358", "131313", "232323", "252525", "520520", "696969", "159357", "987654321",
    "11223344", "12341234", "12121212", "147258369", "963852741", "741852963",
})


class WeakPin(KioskError):
    """A staff PIN an offline search of its hash or a guess at the kiosk would find quickly."""


def check_pin_strength(pin: str) -> None:
    """Raise WeakPin unless ``pin`` is 6–12 digits and not trivial: one digit repeated, a short block
    repeated (121212), an ascending or descending run (123456, 987654, 901234), a date of birth
    (DDMMYY, YYMMDD, DDMMYYYY, YYYYMMDD) or one of the most common PINs."""
    if not pin.isdigit() or not pin.isascii() or not PIN_MIN <= len(pin) <= PIN_MAX:
        raise WeakPin(f"a staff PIN is {PIN_MIN} to {PIN_MAX} digits")
    if len(set(pin)) == 1:
        raise WeakPin("the PIN repeats one digit; choose one that is hard to guess")
    if re.fullmatch(r"(\d{1,4})\1+", pin):
        raise WeakPin("the PIN repeats a short block of digits; choose one that is hard to guess")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    if steps in ({1}, {9}):
        raise WeakPin("the PIN is a run of digits (like 123456); choose one that is hard to guess")
    if _looks_like_a_date(pin):
        raise WeakPin("the PIN looks like a date (a birthday is easy to guess); choose another")
    if pin in COMMON_PINS:
        raise WeakPin("the PIN is one of the most common PINs; choose one that is hard to guess")


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _looks_like_a_date(pin: str) -> bool:
    if len(pin) == 6:       # any century: 29 February is a date in 2000
        d, m, y = int(pin[0:2]), int(pin[2:4]), 2000 + int(pin[4:6])
        y2, m2, d2 = 2000 + int(pin[0:2]), int(pin[2:4]), int(pin[4:6])
        return _valid_date(y, m, d) or _valid_date(y2, m2, d2)
    if len(pin) == 8:
        d, m, y = int(pin[0:2]), int(pin[2:4]), int(pin[4:8])
        y2, m2, d2 = int(pin[0:4]), int(pin[4:6]), int(pin[6:8])
        return (1900 <= y <= 2099 and _valid_date(y, m, d)) or (1900 <= y2 <= 2099 and _valid_date(y2, m2, d2))
    return False


def hash_pin(pin: str) -> str:
    """The config's ``staff_pin_hash`` for ``pin``; raises WeakPin for a PIN the rule refuses."""
    check_pin_strength(pin)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


@dataclass
class PinResult:
    ok: bool
    locked_for_s: int = 0     # > 0: refused; try again after this many seconds
    no_pin_set: bool = False  # the config has no staff_pin_hash: nobody can open the panel


# wrong tries older than this no longer count towards the lockout
FAILURE_WINDOW = dt.timedelta(hours=24)


class PinGate:
    """After ``free_tries`` wrong PINs, each further try waits 30 s, 60 s, 120 s … (max 15 min).

    The count is read from the audit trail of this kiosk (wrong tries since the last right one, within
    a day), so it survives a restart. ``stored_hash`` follows the config (the app sets it on reload)."""

    def __init__(self, stored_hash: str, clock: Clock, free_tries: int = 3):
        self.stored_hash, self.clock, self.free_tries = stored_hash, clock, free_tries

    def locked_for(self, kiosk: str) -> int:
        """Seconds until this kiosk may try again (0 = now). Reads the database."""
        now = to_utc_naive(self.clock.now())
        last_ok = (StaffEvent.select(StaffEvent.at)
                   .where((StaffEvent.kiosk == kiosk) & (StaffEvent.kind == "pin_ok"))
                   .order_by(StaffEvent.at.desc()).first())
        since = max(now - FAILURE_WINDOW, last_ok.at if last_ok else now - FAILURE_WINDOW)
        failed = (StaffEvent.select(StaffEvent.at)
                  .where((StaffEvent.kiosk == kiosk) & (StaffEvent.kind == "pin_failed") & (StaffEvent.at > since))
                  .order_by(StaffEvent.at.desc()))
        count, latest = failed.count(), failed.first()
        extra = count - self.free_tries
        if extra < 0 or latest is None:
            return 0
        until = latest.at + dt.timedelta(seconds=min(30 * 2 ** min(extra, 10), 900))
        return max(0, int((until - now).total_seconds() + 0.999))

    def attempt(self, pin: str, kiosk: str) -> PinResult:
        """Check ``pin`` unless this kiosk is locked out, and write the try to the audit trail."""
        wait = self.locked_for(kiosk)
        now = self.clock.now()
        if wait:
            record_event(kiosk, "pin_refused", now, f"locked for {wait} s")
            return PinResult(False, wait)
        if self.stored_hash and verify_pin(pin, self.stored_hash):
            record_event(kiosk, "pin_ok", now)
            return PinResult(True)
        record_event(kiosk, "pin_failed", now)
        return PinResult(False, self.locked_for(kiosk), no_pin_set=not self.stored_hash)


def record_event(kiosk: str, kind: str, now: dt.datetime, detail: str = "") -> None:
    """Audit trail of staff actions and PIN tries (``kiosk.core.models.StaffEvent``)."""
    StaffEvent.create(kiosk=kiosk, kind=kind, detail=detail, at=to_utc_naive(now))
