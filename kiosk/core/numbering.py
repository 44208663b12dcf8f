"""Reference numbers that restart every office-local day: ``ADU-20261124-0003``, ``SC-20261124-0007``.

Several kiosks may file at the same moment. The next number is read and the row created in one
``write_transaction`` (SQLite: BEGIN IMMEDIATE, one writer at a time; PostgreSQL: an advisory lock per
prefix and day, since READ COMMITTED alone would let two kiosks read the same last number). The
unique index on the number is the last guard: a collision is retried, never saved twice.
"""
from __future__ import annotations

import datetime as dt
import zlib
from typing import Callable, TypeVar

from peewee import Field, IntegrityError

from kiosk.core import models
from kiosk.core.db import is_sqlite, write_transaction

T = TypeVar("T")
RETRIES = 5


def next_number(field: Field, prefix: str, day: dt.date) -> str:
    """The number after the day's highest in ``field`` (call it holding the day's lock)."""
    stem = f"{prefix}-{day:%Y%m%d}-"
    last = 0
    for (number,) in field.model.select(field).where(field.startswith(stem)).tuples():
        tail = number[len(stem):]
        if tail.isdigit():
            last = max(last, int(tail))
    return f"{stem}{last + 1:04d}"


def lock_key(prefix: str, day: dt.date) -> int:
    # one lock per sequence and day; the prefix keeps complaints and softcopies apart
    return zlib.crc32(f"{prefix}-{day:%Y%m%d}".encode())


def create_numbered(field: Field, prefix: str, day: dt.date, create: Callable[[str], T]) -> T:
    """``create(number)`` with the day's next number, under the day's lock; retried on a collision."""
    db = models.database.obj
    for attempt in range(RETRIES):
        try:
            with write_transaction(db):
                if not is_sqlite(db):
                    db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (lock_key(prefix, day),))
                return create(next_number(field, prefix, day))
        except IntegrityError:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")
