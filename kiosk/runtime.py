"""The composition root: what the running kiosk is made of, built once from the config.

The UI and the CLI both start from a Runtime, so a CLI command and a screen run the same
core function with the same devices.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peewee import Database

from kiosk.core import config as config_mod
from kiosk.core import db as db_mod
from kiosk.core.clock import Clock, SystemClock
from kiosk.core.config import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock

    @property
    def config_path(self) -> Path:
        return self.settings.source

    def close(self) -> None:
        if not self.db.is_closed():
            self.db.close()


def open_runtime(config_path: Path | str, clock: Clock | None = None, migrate: bool = True) -> Runtime:
    settings = config_mod.load(config_path)
    db = db_mod.open_database(settings)
    if migrate:
        db_mod.migrate(db, settings)
        db_mod.ensure_lockers(settings)
    return Runtime(settings=settings, db=db, clock=clock or SystemClock())
