"""Time, passed in rather than read from the wall, so tests can hold it still or move it.

Everything is stored in UTC; the office's zone is only for showing and for "today"."""
from __future__ import annotations

import datetime as dt
import time
from typing import Protocol
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Aware UTC datetime."""

    def monotonic(self) -> float:
        """Seconds, for measuring intervals (idle time, timeouts)."""


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to (tests, screenshots)."""

    def __init__(self, start: dt.datetime | None = None):
        self._now = start or dt.datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> dt.datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += dt.timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: dt.datetime) -> None:
        self._now = when.astimezone(UTC)


def to_utc_naive(when: dt.datetime) -> dt.datetime:
    """The form stored in the database: UTC without tzinfo (both backends agree on it)."""
    return when.astimezone(UTC).replace(tzinfo=None)


def local(when: dt.datetime, zone: str) -> dt.datetime:
    """A stored (naive UTC) or aware datetime shown in the office's zone."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(ZoneInfo(zone))


def local_day_bounds(now: dt.datetime, zone: str) -> tuple[dt.datetime, dt.datetime, dt.date]:
    """[start, end) of the office's local day containing ``now``, as naive UTC, and that date."""
    tz = ZoneInfo(zone)
    day = now.astimezone(tz).date()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = start + dt.timedelta(days=1)
    return to_utc_naive(start), to_utc_naive(end), day


# Indonesia's three zones by their everyday names; other zones show their UTC offset.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_label(zone: str, when: dt.datetime) -> str:
    return ZONE_NAMES.get(zone) or when.astimezone(ZoneInfo(zone)).strftime("UTC%z")
