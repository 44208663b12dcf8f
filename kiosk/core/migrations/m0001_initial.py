"""The initial schema.

Until the first release is installed in an office, this script builds the schema from
``kiosk.core.models`` as it stands. From the first release on, this file must freeze copies
of the models it creates, and every later change becomes a new numbered script using
``playhouse.migrate`` operations (so an old database upgrades step by step).
"""
from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator

from kiosk.core import models


def apply(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables([m for m in models.MODELS if m is not models.SchemaVersion])
