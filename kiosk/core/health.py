"""``kiosk doctor``: what is wrong with this kiosk, one line per check, each bounded in time.

Every check is plain data (name, OK/WARN/FAIL, one line naming what to do), so the CLI prints them,
``--json`` and later the web application's ``/healthz`` serve them, and the staff panel shows them.
The checks get their collaborators (database, printer, mail sender) from the caller — the runtime —
and each runs in its own thread with its own time limit: a dead printer or a mail server that never
answers becomes a FAIL line, never a hung doctor.
"""
from __future__ import annotations

import datetime as dt
import enum
import logging
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from peewee import Database, fn

from kiosk.core import backup as bk
from kiosk.core import models
from kiosk.core.clock import local
from kiosk.core.config import Settings, sqlite_path
from kiosk.core.errors import KioskError, N_

log = logging.getLogger(__name__)

WARN_FREE_BYTES = 1_000_000_000      # below 1 GB: WARN
FAIL_FREE_BYTES = 100_000_000        # below 100 MB: FAIL, and no new softcopies (before SQLite says "disk full")
BACKUP_WARN_AGE = dt.timedelta(hours=26)   # the night's backup plus slack
BACKUP_FAIL_AGE = dt.timedelta(days=3)
STUCK_AFTER = dt.timedelta(hours=1)
CHECK_TIMEOUT_S = 10.0


class Level(enum.IntEnum):
    OK = 0
    WARN = 1
    FAIL = 2


@dataclass(frozen=True)
class Finding:
    name: str
    level: Level
    line: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.name, "level": self.level.name, "message": self.line}


def worst(findings: list[Finding]) -> Level:
    return max((f.level for f in findings), default=Level.OK)


Check = Callable[[], "tuple[Level, str]"]


def run_checks(checks: list[tuple[str, Check, float]]) -> list[Finding]:
    """Run every check at once, each in its own thread; one that has not answered within its limit
    is a FAIL (its thread is left to end by itself: it only reads)."""
    results: dict[str, Finding] = {}

    def one(name: str, check: Check) -> None:
        try:
            level, line = check()
            results[name] = Finding(name, level, line)
        except KioskError as exc:
            results[name] = Finding(name, Level.FAIL, " ".join(str(exc).split()) or type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 — the doctor's boundary: a broken check is a FAIL line, logged
            log.exception("doctor check %s failed", name)
            results[name] = Finding(name, Level.FAIL, f"{type(exc).__name__}: {exc}")

    threads = []
    for name, check, timeout in checks:
        t = threading.Thread(target=one, args=(name, check), name=f"doctor-{name}", daemon=True)
        t.start()
        threads.append((name, t, timeout))
    start = time.monotonic()
    for name, t, timeout in threads:
        left = timeout - (time.monotonic() - start)
        t.join(max(left, 0.0))
    out = []
    for name, t, timeout in threads:
        found = results.get(name)
        out.append(found if found is not None and not t.is_alive() else
                   Finding(name, Level.FAIL, f"no answer within {timeout:g} s — check the device or the network"))
    return out


def _closing(db: Database, check: Callable[[], tuple[Level, str]]) -> Check:
    """A database check that closes its thread's connection afterwards (peewee keeps one per thread)."""
    def run() -> tuple[Level, str]:
        try:
            return check()
        finally:
            db.close()
    return run


# --- the checks ---

def check_database(db: Database) -> tuple[Level, str]:
    from kiosk.core.db import describe, is_sqlite

    if is_sqlite(db):
        rows = [r[0] for r in db.execute_sql("PRAGMA quick_check").fetchall()]
        if rows != ["ok"]:
            return Level.FAIL, (f"{describe(db)}: quick_check found damage ({'; '.join(rows[:3])}) — restore the "
                                "newest backup with `kiosk restore`")
        return Level.OK, f"{describe(db)}: reachable, quick_check ok"
    db.execute_sql("SELECT 1").fetchone()
    return Level.OK, f"{describe(db)}: answers"


def check_schema(db: Database) -> tuple[Level, str]:
    from kiosk.core.db import check_schema as check, current_version

    check(db)
    return Level.OK, f"schema version {current_version(db)} (current)"


def check_identity_key(settings: Settings) -> tuple[Level, str]:
    from kiosk.core import identity

    identity.load_key(settings.storage.data_dir)
    return Level.OK, f"{settings.storage.data_dir / 'identity.key'}: present and matches the database"


def check_printer(settings: Settings, printer: Any) -> tuple[Level, str]:
    if settings.printer.kind == "none":
        return Level.OK, "printing is turned off ([printer] kind = \"none\"): numbers are shown on screen only"
    status = printer.status()
    paper = getattr(status.paper, "value", status.paper)
    if status.online is False:
        return Level.FAIL, f"printer offline: {status.detail} — check its power, cable and network"
    if paper == "out":
        return Level.FAIL, f"printer out of paper ({status.detail}) — load a new roll"
    if paper == "low":
        return Level.WARN, f"printer paper low ({status.detail}) — have a roll ready"
    if status.online is None:
        return Level.OK, f"{status.detail or settings.printer.kind} (this kind cannot report paper)"
    return Level.OK, f"printer online, paper ok ({status.detail})"


def check_scanner(settings: Settings, scanner: Any) -> tuple[Level, str]:
    if settings.scanner.kind == "none":
        return Level.OK, "no scanner on this kiosk ([scanner] kind = \"none\")"
    try:
        return Level.OK, scanner.status()
    except KioskError as exc:
        return Level.FAIL, f"scanner: {' '.join(str(exc).split())} — check its power and cable, or the scan folder"


def check_sound(settings: Settings, speaker: Any) -> tuple[Level, str]:
    """Cues and the spoken number (issue 14.12): without them the kiosk works on in silence, so a WARN."""
    try:
        line = speaker.status()        # [sound] player = "none" says so, as an OK line
    except KioskError as exc:
        return Level.WARN, (f"no sound: {' '.join(str(exc).split())} — check the speaker and "
                            "[sound] device (`aplay -L`)")
    if settings.sound.speak_ticket and shutil.which("espeak-ng") is None:
        return Level.WARN, ("speak_ticket is on but espeak-ng is missing (apt-get install espeak-ng): "
                            "numbers are not said")
    return Level.OK, line


def check_mail(settings: Settings, mailer: Any) -> tuple[Level, str]:
    if not settings.mail.enabled:
        return Level.OK, "e-mail is off (mail.enabled = false): softcopies stay in the outbox"
    probe = getattr(mailer, "probe", None)
    if probe is None:
        return Level.WARN, f"the mail sender ({type(mailer).__name__}) cannot be probed"
    try:
        return Level.OK, probe()
    except KioskError as exc:
        return Level.FAIL, f"mail server: {' '.join(str(exc).split())} — check [mail] host, port and login"


def _folders(settings: Settings) -> list[Path]:
    paths = [settings.storage.data_dir, sqlite_path(settings), settings.backup.folder]
    return [p if p.is_dir() else p.parent for p in paths if p is not None]


def free_bytes(settings: Settings) -> list[tuple[Path, int]]:
    """Free space per filesystem the kiosk writes to (data folder, database, backups)."""
    seen: dict[int, tuple[Path, int]] = {}
    for folder in _folders(settings):
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        try:
            dev = folder.stat().st_dev
            seen.setdefault(dev, (folder, shutil.disk_usage(folder).free))
        except OSError:
            continue
    return list(seen.values())


def _mb(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def check_disk(settings: Settings) -> tuple[Level, str]:
    found = free_bytes(settings)
    if not found:
        return Level.FAIL, f"{settings.storage.data_dir}: cannot read the free space"
    folder, free = min(found, key=lambda x: x[1])
    if free < FAIL_FREE_BYTES:
        return Level.FAIL, (f"{folder}: only {_mb(free)} free — new softcopies are stopped; delete old files or "
                            "move backups to another disk")
    if free < WARN_FREE_BYTES:
        return Level.WARN, f"{folder}: {_mb(free)} free (below 1 GB) — make room soon"
    return Level.OK, "free space: " + ", ".join(f"{p} {_mb(n)}" for p, n in found)


def check_backup(settings: Settings, now: dt.datetime) -> tuple[Level, str]:
    folder = bk.backup_folder(settings)
    found = bk.archives(folder, settings.kiosk.name)
    failure = bk.last_failure(folder)
    if failure and (not found or failure.get("at", "") > found[0][0].isoformat(timespec="seconds")):
        return Level.FAIL, f"the last backup failed ({failure.get('at')}): {failure.get('error')} — fix it, then " \
                           "`kiosk backup`"
    if not folder.is_dir() and settings.storage.data_dir.resolve() not in folder.parents:
        return Level.FAIL, f"{folder}: no such folder — mount the backup disk or share (or create the folder)"
    if not found:
        return Level.WARN, f"{folder}: no backup yet — run `kiosk backup` (the night's timer does it daily)"
    when, path = found[0]
    age = now - when
    hours = age.total_seconds() / 3600
    line = f"last backup {path.name}, {hours:.0f} h old"
    if age > BACKUP_FAIL_AGE:
        return Level.FAIL, line + " — the night's backup is not running: check `systemctl --user status " \
                                  "pst-kiosk-night.timer`"
    if age > BACKUP_WARN_AGE:
        return Level.WARN, line + " — last night's backup is missing"
    return Level.OK, line


def check_outbox(now: dt.datetime) -> tuple[Level, str]:
    m = models.OutboxMail
    counts = {s: n for s, n in m.select(m.status, fn.COUNT(m.id)).group_by(m.status).tuples()}
    naive = now.astimezone(dt.timezone.utc).replace(tzinfo=None)
    stuck = m.select().where(
        (m.status.in_(("sending", "committing")) & (m.claimed_at < naive - STUCK_AFTER))
        | ((m.status == "queued") & (m.created_at < naive - dt.timedelta(days=1)))).count()
    held, failed = counts.get("held", 0), counts.get("failed", 0) + counts.get("too_large", 0)
    problems = [f"{n} {what}" for n, what in ((held, "held (may have arrived: staff decide)"),
                                               (failed, "failed"), (stuck, "stuck")) if n]
    if problems:
        return Level.WARN, "outbox: " + ", ".join(problems) + " — see `kiosk mail status`"
    return Level.OK, f"outbox: {counts.get('queued', 0)} queued, nothing held or stuck"


def check_lockers(settings: Settings, now: dt.datetime) -> tuple[Level, str]:
    from kiosk.core import lockers

    zone = settings.office.timezone
    today = local(now, zone).date()
    left = [s for s in lockers.statuses(only_occupied=True) if local(s.since, zone).date() < today]
    if left:
        names = ", ".join(f"{s.label}{' (ID card held)' if s.id_card_held else ''}" for s in left[:8])
        return Level.WARN, (f"{len(left)} locker(s) still occupied since before today: {names} — "
                            "`kiosk lockers closing`")
    return Level.OK, "no locker left occupied overnight"


def check_clock(now: dt.datetime) -> tuple[Level, str]:
    if now.year < 2025:
        return Level.FAIL, f"the system clock says {now:%Y-%m-%d %H:%M} UTC — set the date (enable NTP)"
    newest = [models.Ticket.select(fn.MAX(models.Ticket.issued_at)).scalar(),
              models.Visit.select(fn.MAX(models.Visit.started_at)).scalar()]
    newest = [n for n in newest if n is not None]
    naive = now.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if newest and max(newest) > naive + dt.timedelta(minutes=5):
        return Level.FAIL, (f"the clock ({naive:%Y-%m-%d %H:%M} UTC) is behind the newest record "
                            f"({max(newest):%Y-%m-%d %H:%M} UTC) — fix the date (NTP) before issuing numbers")
    return Level.OK, f"clock {naive:%Y-%m-%d %H:%M} UTC, after every record"


def doctor_checks(settings: Settings, db: Database | None, printer: Any, mailer: Any,
                  now: dt.datetime, timeout_s: float = CHECK_TIMEOUT_S,
                  scanner: Any = None, speaker: Any = None) -> list[tuple[str, Check, float]]:
    """Every check of issue 13 but the config's (the caller loaded it); without a database the ones
    that need it are left out (the database check has said why)."""
    checks: list[tuple[str, Check, float]] = [
        ("printer", lambda: check_printer(settings, printer), timeout_s),
        ("mail", lambda: check_mail(settings, mailer), timeout_s),
        ("disk", lambda: check_disk(settings), timeout_s),
        ("backup", lambda: check_backup(settings, now), timeout_s),
    ]
    if scanner is not None:
        checks.insert(2, ("scanner", lambda: check_scanner(settings, scanner), timeout_s))
    if db is not None:
        checks[:0] = [("database", _closing(db, lambda: check_database(db)), timeout_s * 3),
                      ("schema", _closing(db, lambda: check_schema(db)), timeout_s)]
        checks += [("identity key", _closing(db, lambda: check_identity_key(settings)), timeout_s),
                   ("outbox", _closing(db, lambda: check_outbox(now)), timeout_s),
                   ("lockers", _closing(db, lambda: check_lockers(settings, now)), timeout_s),
                   ("clock", _closing(db, lambda: check_clock(now)), timeout_s)]
    if speaker is not None:
        checks.append(("sound", lambda: check_sound(settings, speaker), timeout_s))
    return checks


# --- low disk stops new softcopies ---

class LowDisk(KioskError):
    """Too little free space for another stamped copy; staff see it as a FAIL in `kiosk doctor`."""

    visitor_message = N_("Sorry, copies cannot be made at this kiosk just now. Please ask PST staff for help.")


def disk_ok_for_softcopy(settings: Settings) -> bool:
    """Whether a new softcopy may be made: every folder the kiosk writes to keeps ``FAIL_FREE_BYTES``
    free, so the stamped files never push SQLite into "disk full"."""
    return all(free >= FAIL_FREE_BYTES for _, free in free_bytes(settings))


def require_disk_for_softcopy(settings: Settings) -> None:
    """``disk_ok_for_softcopy`` as a typed error, for the softcopy request to raise before any work."""
    for folder, free in free_bytes(settings):
        if free < FAIL_FREE_BYTES:
            raise LowDisk(f"{folder}: only {_mb(free)} free — new softcopies are stopped until space is freed")
