"""Numbers that restart every office-local day, safe with several kiosks on one database.

The one mechanism behind queue tickets (``A-007``, ``kiosk.core.queue``), complaint and softcopy
references (``ADU-20261124-0003``, ``SC-20261124-0007``): the day's last number is read and the next
row created in one ``write_transaction`` — SQLite: BEGIN IMMEDIATE, one writer at a time; PostgreSQL:
a transaction-scoped advisory lock per sequence and day, since READ COMMITTED alone would let two
kiosks read the same last number. The unique index on the number is the last guard: a collision
(possible only with a writer that does not take the lock, e.g. an older kiosk) is retried with the
next number, never saved twice.
"""
from __future__ import annotations

import datetime as dt
import logging
import zlib
from typing import Callable, TypeVar

from peewee import Field, IntegrityError

from kiosk.core import models
from kiosk.core.db import is_sqlite, write_transaction

T = TypeVar("T")
RETRIES = 8

log = logging.getLogger(__name__)


def lock_key(sequence: str, day: dt.date) -> int:
    """A stable signed 64-bit key per (sequence, day) for ``pg_advisory_xact_lock``."""
    return (0x5053 << 32) | zlib.crc32(f"{sequence}:{day:%Y%m%d}".encode())


def take_next(sequence: str, day: dt.date, last: Callable[[], int], create: Callable[[int], T]) -> T:
    """``create(last() + 1)`` in one write transaction holding the (``sequence``, ``day``) lock.

    ``last`` reads the day's highest number of the sequence (0 when none); ``create`` inserts the row
    (and may read more inside the same transaction). IntegrityError on the last attempt is raised."""
    db = models.database.obj
    for attempt in range(RETRIES):
        try:
            with write_transaction(db):
                if not is_sqlite(db):
                    db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (lock_key(sequence, day),))
                return create(last() + 1)
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise
            log.warning("number collision on %s %s, attempt %d", sequence, day, attempt + 1)
    raise AssertionError("unreachable")


def create_numbered(field: Field, prefix: str, day: dt.date, create: Callable[[str], T]) -> T:
    """``create(number)`` with the day's next ``<prefix>-<yyyymmdd>-<nnnn>`` in ``field``."""
    stem = f"{prefix}-{day:%Y%m%d}-"

    def last() -> int:
        highest = 0
        for (number,) in field.model.select(field).where(field.startswith(stem)).tuples():
            tail = number[len(stem):]
            if tail.isdigit():
                highest = max(highest, int(tail))
        return highest

    return take_next(prefix, day, last, lambda seq: create(f"{stem}{seq:04d}"))
