"""The composition root: what the running kiosk is made of, built once from the config.

The UI, the CLI (and later the web application) start from a Runtime, so a command and a screen run
the same core function with the same devices. Opening a Runtime writes nothing — no migration, no
locker rows, no key file: a read-only command must not change what another kiosk sharing the database
sees. Writing the schema, the lockers and the identity key is ``initialise`` (``kiosk init``/``setup``).

Devices are made here, at first use, from the config: screens and commands never import
``kiosk.devices``; they ask the runtime (``rt.printer``, ``rt.mailer``).
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
    from kiosk.core.ports import MailSender, Scanning, Speaker, TicketPrinting, Voice


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    _printer: "TicketPrinting | None" = field(default=None, repr=False)
    _mailer: "MailSender | None" = field(default=None, repr=False)
    _voice: "Voice | None" = field(default=None, repr=False)
    _scanner: "Scanning | None" = field(default=None, repr=False)
    _speaker: "Speaker | None" = field(default=None, repr=False)

    @property
    def config_path(self) -> Path:
        return self.settings.source

    @property
    def printer(self) -> "TicketPrinting":
        """The ticket printer from [printer], made at first use (escpos loads lazily); tests set their own."""
        if self._printer is None:
            from kiosk.devices.printer import make_printer

            self._printer = make_printer(self.settings.printer)
        return self._printer

    @printer.setter
    def printer(self, value: "TicketPrinting | None") -> None:
        self._printer = value

    @property
    def mailer(self) -> "MailSender":
        """The mail sender from [mail], made at first use; tests set their own."""
        if self._mailer is None:
            from kiosk.devices.mail import make_sender

            self._mailer = make_sender(self.settings.mail)
        return self._mailer

    @mailer.setter
    def mailer(self, value: "MailSender | None") -> None:
        self._mailer = value

    @property
    def voice(self) -> "Voice":
        """The lobby display's speech (espeak-ng, cached per phrase in the data folder); tests set their own."""
        if self._voice is None:
            from kiosk.devices.voice import EspeakVoice

            self._voice = EspeakVoice(self.settings.storage.data_dir / "voice-cache")
        return self._voice

    @voice.setter
    def voice(self, value: "Voice | None") -> None:
        self._voice = value

    @property
    def scanner(self) -> "Scanning":
        """The printed library's scanner from [scanner] (SANE, a scan folder or none); tests set their own."""
        if self._scanner is None:
            from kiosk.devices.scanner import make_scanner

            self._scanner = make_scanner(self.settings.scanner)
        return self._scanner

    @scanner.setter
    def scanner(self, value: "Scanning | None") -> None:
        self._scanner = value

    @property
    def speaker(self) -> "Speaker":
        """The kiosk's own sounds from [sound] (cues, the spoken number), made at first use; tests set their own."""
        if self._speaker is None:
            from kiosk.devices.speaker import make_speaker

            self._speaker = make_speaker(self.settings.sound, self.voice)
        return self._speaker

    @speaker.setter
    def speaker(self, value: "Speaker | None") -> None:
        self._speaker = value

    def apply_settings(self, settings: Settings) -> None:
        """A reloaded config: devices are made again from it at their next use."""
        if settings.printer != self.settings.printer:
            self._printer = None
        if settings.mail != self.settings.mail:
            self._mailer = None
        if settings.scanner != self.settings.scanner:
            self._scanner = None
        if settings.sound != self.settings.sound and self._speaker is not None:
            self._speaker.close()       # its thread ends after what is queued
            self._speaker = None
        self.settings = settings

    def close(self) -> None:
        if self._speaker is not None:
            self._speaker.close()
        if not self.db.is_closed():
            self.db.close()


def open_runtime(config: Path | str | Settings, clock: Clock | None = None, *, read_only: bool = False,
                 check_schema: bool = True) -> Runtime:
    """Load the config and open the database, writing nothing.

    ``read_only`` is for commands that only read: on a read-only disk they still work. The schema is
    checked (one query) so an out-of-date database says "run kiosk init" instead of failing later."""
    settings = config if isinstance(config, Settings) else config_mod.load(config)
    db = db_mod.open_database(settings, read_only=read_only)
    try:
        if check_schema:
            db_mod.check_schema(db)
    except BaseException:
        if not db.is_closed():
            db.close()
        raise
    return Runtime(settings=settings, db=db, clock=clock or SystemClock())


def initialise(config_path: Path | str, clock: Clock | None = None, *, force: bool = False) -> tuple[Runtime, list[str]]:
    """``kiosk init``: create or upgrade the schema (SQLite backed up first), write the lockers of the
    config, make the identity key. The only place that creates a database; ``force`` accepts an empty
    or damaged file (a damaged one is moved aside, never deleted)."""
    settings = config_mod.load(config_path)
    db = db_mod.open_database(settings, create=True, force=force)
    clock = clock or SystemClock()
    applied = db_mod.migrate(db, settings, now=clock.now())
    db_mod.ensure_lockers(settings)
    from kiosk.core.identity import load_or_create_key

    load_or_create_key(settings.storage.data_dir, now=clock.now())
    return Runtime(settings=settings, db=db, clock=clock), applied
