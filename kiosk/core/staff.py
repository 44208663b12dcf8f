"""Staff PIN: stored as a scrypt hash, checked in constant time, wrong tries rate-limited."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from kiosk.core.clock import Clock

_N, _R, _P = 2 ** 14, 8, 1


def hash_pin(pin: str) -> str:
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a staff PIN is 4 to 12 digits")
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
    locked_for_s: int = 0     # > 0: refused without checking; try again after this many seconds


class PinGate:
    """After ``free_tries`` wrong PINs, each further try waits 30 s, 60 s, 120 s … (max 15 min)."""

    def __init__(self, stored_hash: str, clock: Clock, free_tries: int = 3):
        self.stored_hash, self.clock, self.free_tries = stored_hash, clock, free_tries
        self.failures = 0
        self.locked_until = 0.0

    def locked_for(self) -> int:
        return max(0, int(self.locked_until - self.clock.monotonic() + 0.999))

    def attempt(self, pin: str) -> PinResult:
        wait = self.locked_for()
        if wait:
            return PinResult(False, wait)
        if self.stored_hash and verify_pin(pin, self.stored_hash):
            self.failures = 0
            return PinResult(True)
        self.failures += 1
        extra = self.failures - self.free_tries
        if extra >= 0:
            self.locked_until = self.clock.monotonic() + min(30 * 2 ** extra, 900)
        return PinResult(False, self.locked_for())


def record_event(kiosk: str, kind: str, now, detail: str = "") -> None:
    """Audit trail of staff actions and failed PINs (``kiosk.core.models.StaffEvent``)."""
    from kiosk.core.clock import to_utc_naive
    from kiosk.core.models import StaffEvent

    StaffEvent.create(kiosk=kiosk, kind=kind, detail=detail, at=to_utc_naive(now))
