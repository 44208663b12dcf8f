"""When a visitor walks away: warn after ``timeout_s`` without a touch, wipe after ``warning_s`` more."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kiosk.core.clock import Clock


class IdleState(Enum):
    ACTIVE = "active"
    WARNING = "warning"     # show "Masih di sana?" with a countdown
    EXPIRED = "expired"     # wipe the visitor's data, back to welcome


@dataclass
class IdleStatus:
    state: IdleState
    seconds_left: int = 0   # in WARNING: seconds until EXPIRED


class IdleWatch:
    def __init__(self, clock: Clock, timeout_s: int, warning_s: int):
        self.clock, self.timeout_s, self.warning_s = clock, timeout_s, warning_s
        self.last_activity = clock.monotonic()

    def touch(self) -> None:
        self.last_activity = self.clock.monotonic()

    def status(self) -> IdleStatus:
        idle = self.clock.monotonic() - self.last_activity
        if idle < self.timeout_s:
            return IdleStatus(IdleState.ACTIVE)
        left = self.timeout_s + self.warning_s - idle
        if left > 0:
            return IdleStatus(IdleState.WARNING, int(left + 0.999))
        return IdleStatus(IdleState.EXPIRED)
