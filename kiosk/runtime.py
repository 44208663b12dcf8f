"""The composition root: what the running kiosk is made of, built once from the config.

The UI and the CLI both start from a Runtime, so a CLI command and a screen run the same
core function with the same devices.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from peewee import Database

from kiosk.core import config as config_mod
from kiosk.core import db as db_mod
from kiosk.core.clock import Clock, SystemClock
from kiosk.core.config import Settings

if TYPE_CHECKING:
    from kiosk.devices.printer import TicketPrinter


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    _printer: "TicketPrinter | None" = field(default=None, repr=False)

    @property
    def config_path(self) -> Path:
        return self.settings.source

    @property
    def printer(self) -> "TicketPrinter":
        """The ticket printer from [printer], made at first use (escpos loads lazily); tests set their own."""
        if self._printer is None:
            from kiosk.devices.printer import make_printer

            self._printer = make_printer(self.settings.printer)
        return self._printer

    @printer.setter
    def printer(self, value: "TicketPrinter | None") -> None:
        self._printer = value

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
