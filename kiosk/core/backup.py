"""``kiosk backup``: one archive of everything the office cannot make again, and its retention.

An archive is a ``.tar.gz`` holding

* ``manifest.json`` (first) — format, program and schema version, this kiosk, when, rows per table,
  the period the records cover and the SHA-256 and size of every other member;
* ``database/kiosk.db`` — a consistent copy made with SQLite's online backup API while the kiosk runs
  (or ``database/kiosk.pgdump``, ``pg_dump -Fc`` of a PostgreSQL database, taken in the same snapshot as
  the manifest's counts);
* ``data/identity.key`` — without it the ID cards held in the lockers cannot be checked;
* ``config/kiosk.toml`` and ``outbox/*.eml`` (the softcopy e-mails not sent yet).

It is written as a hidden ``.partial`` file in the target folder, fsynced, then renamed: an archive
with the final name is always complete, and a backup killed half-way (kill -9, disk full) leaves only
a hidden file the next backup removes. Archive and folder are owner-only (the guestbook is personal
data). Restoring is ``kiosk.core.restore``.
"""
from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from peewee import Database, SqliteDatabase, fn

from kiosk import __version__
from kiosk.core import models
from kiosk.core.config import Settings, sqlite_path
from kiosk.core.db import describe, is_sqlite
from kiosk.core.errors import KioskError

log = logging.getLogger(__name__)

FORMAT = "pst-kiosk-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_SQLITE = "database/kiosk.db"
DB_PG = "database/kiosk.pgdump"
KEY = "data/identity.key"
CONFIG = "config/kiosk.toml"
OUTBOX = "outbox/"
PREFIX = "kiosk-backup-"
PRE_RESTORE = "kiosk-before-restore-"
SUFFIX = ".tar.gz"
PARTIAL = ".partial"
FAILURE_NOTE = ".last-failure.json"
LOCK = ".kiosk-backup.lock"
ARCHIVE_NAME = re.compile(r"kiosk-(?:backup|before-restore)-(?P<kiosk>[A-Za-z0-9_.-]+)-"
                          r"(?P<when>\d{8}T\d{6}Z)(?:-\d+)?\.tar\.gz")
PG_DUMP_TIMEOUT_S = 3600
# gzip level 1: a year of a busy office (15 MB of SQLite) packs in ~0.23 s to 4.3 MB; level 6 takes 3× as
# long for 3.7 MB (benchmarks/backup_bench.py). Staff wait for the archive kept before a restore.
GZIP_LEVEL = 1


class BackupError(KioskError):
    """A backup or restore could not be made; the staff line says why and what to do."""


class SourceUnreadable(BackupError):
    """The database itself cannot be read (damaged): no copy of it can be made."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: dict
    removed: list[Path] = field(default_factory=list)


def backup_folder(settings: Settings, override: Path | None = None) -> Path:
    folder = override if override is not None else settings.backup.folder
    if folder is None:
        raise BackupError("backup.folder is empty in the config — set it (best on another disk), or use --to DIR")
    return Path(folder).expanduser().resolve()


def private_folder(folder: Path, data_dir: Path | None) -> None:
    """The folder, made owner-only (0700). A mounted share may not let us change its mode: said in the log.

    Only a folder inside the data folder is created: one elsewhere is expected on another disk or a
    share, and creating it while that is not mounted would quietly put the backups on the kiosk's own
    disk (in the empty mount point)."""
    if not folder.is_dir():
        if data_dir is None or data_dir.resolve() not in folder.parents:
            raise BackupError(f"{folder}: no such folder — is the backup disk or share mounted? (the first time, "
                              f"create it: mkdir -p {folder})")
        folder.mkdir(parents=True, exist_ok=True)
    try:
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
    except OSError as exc:
        log.warning("%s: cannot make the backup folder owner-only (%s); check the share's permissions",
                    folder, exc.strerror)


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """One backup at a time per folder (the night's timer and a staff member may start one together)."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"{folder}: another backup is being written there right now — wait for it") from None
        yield
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 before anything writes personal data into it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))


# --- what the database holds ---

PERIOD_COLUMNS = ((models.Ticket, models.Ticket.issued_at), (models.Visit, models.Visit.started_at),
                  (models.SurveyResponse, models.SurveyResponse.created_at))


def describe_content(db: Database) -> dict:
    """Rows per table, the schema version and the period the records cover, read through ``db``."""
    with db.bind_ctx(models.MODELS):
        counts = {m.__name__: m.select().count() for m in models.MODELS if m.table_exists()}
        version = (models.SchemaVersion.select(fn.MAX(models.SchemaVersion.version)).scalar() or 0) \
            if "SchemaVersion" in counts else 0
        firsts, lasts = [], []
        for model, column in PERIOD_COLUMNS:
            if model.__name__ in counts:
                low, high = model.select(fn.MIN(column), fn.MAX(column)).tuples().get()
                firsts += [low] if low else []
                lasts += [high] if high else []
    return {"schema_version": version, "counts": counts,
            "period": {"from": _iso(min(firsts)) if firsts else None, "to": _iso(max(lasts)) if lasts else None}}


def _iso(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def sqlite_snapshot(source: sqlite3.Connection, target: Path) -> dict:
    """Copy the database through ``source`` into ``target`` with SQLite's online backup API: one read
    transaction, so the copy is a single consistent state even while kiosks keep writing (WAL lets
    them). Returns what the copy holds."""
    private_file(target)
    dst = sqlite3.connect(str(target))
    try:
        source.backup(dst)
    finally:
        dst.close()
    snap = SqliteDatabase(str(target))
    try:
        return describe_content(snap)
    finally:
        snap.close()


# --- PostgreSQL ---

def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore``: the newest server version's (a dump tool refuses a newer server)."""
    import glob

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: [int(x) for x in re.findall(r"\d+", Path(p).parent.parent.name)] or [0])
    tool = found[-1] if found else shutil.which(name)
    if not tool:
        raise BackupError(f"{name} is not installed — install the postgresql-client package")
    return tool


def pg_env(db: Database) -> dict[str, str]:
    """libpq's own variables: the password never appears on a command line (``ps`` shows those)."""
    p = db.connect_params
    env = dict(os.environ, PGDATABASE=db.database, PGCONNECT_TIMEOUT="10")
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        if p.get(key):
            env[var] = str(p[key])
    return env


def pg_snapshot(db: Database, target: Path) -> dict:
    """``pg_dump -Fc`` taken in the same snapshot as the counts of the manifest."""
    private_file(target)
    with db.atomic():
        db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = db.execute_sql("SELECT pg_export_snapshot()").fetchone()[0]
        content = describe_content(db)
        run = subprocess.run([pg_tool("pg_dump"), "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(target)],
                             env=pg_env(db), capture_output=True, text=True, timeout=PG_DUMP_TIMEOUT_S)
    if run.returncode != 0:
        raise BackupError(f"pg_dump of {describe(db)} failed: {run.stderr.strip().splitlines()[-1:]}")
    return content


# --- the archive ---

def archive_name(kiosk: str, when: dt.datetime, prefix: str = PREFIX) -> str:
    return f"{prefix}{kiosk}-{when.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}{SUFFIX}"


def _remove_leftovers(folder: Path) -> None:
    """What an interrupted backup left (we hold the folder's lock, so none of it is in use)."""
    for p in folder.iterdir():
        if p.name.startswith(".") and (p.name.endswith(PARTIAL) or p.name.startswith(".stage-")):
            log.warning("removing %s left by an interrupted backup", p)
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        elif p.name.endswith(SUFFIX + ".sha256") and not p.with_name(p.name[:-len(".sha256")]).exists():
            p.unlink()       # the archive it was written for never got its name


def _stage_files(settings: Settings, stage: Path) -> list[tuple[str, Path]]:
    """Copies of the small files, so what is hashed is exactly what is archived."""
    members = []
    data_dir = settings.storage.data_dir
    sources = [(KEY, data_dir / "identity.key"), (CONFIG, settings.source)]
    outbox = data_dir / "outbox"
    if outbox.is_dir():
        sources += [(OUTBOX + p.name, p) for p in sorted(outbox.glob("*.eml")) if p.is_file()]
    for arcname, src in sources:
        if not src.is_file():
            continue
        dst = stage / arcname
        dst.parent.mkdir(parents=True, exist_ok=True)
        private_file(dst)
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            shutil.copyfileobj(fin, fout)
        members.append((arcname, dst))
    return members


def write_archive(path: Path, manifest: dict, members: list[tuple[str, Path]]) -> int:
    """Write the tar.gz as a hidden partial file, fsync it, rename it into place; returns its size."""
    partial = path.with_name(f".{path.name}{PARTIAL}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            with tarfile.open(fileobj=fh, mode="w:gz", compresslevel=GZIP_LEVEL, format=tarfile.PAX_FORMAT) as tar:
                body = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(body), 0o600, int(dt.datetime.now().timestamp())
                tar.addfile(info, io.BytesIO(body))
                for arcname, src in members:
                    info = tar.gettarinfo(str(src), arcname)
                    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                    with open(src, "rb") as fin:
                        tar.addfile(info, fin)
            fh.flush()
            os.fsync(fh.fileno())
        # The checksum of the whole file, in `sha256sum -c` form beside it: some bit flips in a deflate
        # stream leave what it unpacks to unchanged, so the members' checksums alone would let a
        # damaged file pass. Written before the archive gets its name: every archive has one.
        side = checksum_file(path)
        side_partial = side.with_name(f".{side.name}{PARTIAL}")
        with open(os.open(side_partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(f"{sha256_file(partial)}  {path.name}\n")
            out.flush()
            os.fsync(out.fileno())
        os.rename(side_partial, side)
        os.rename(partial, path)
        fsync_dir(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path.stat().st_size


def checksum_file(archive: Path) -> Path:
    return archive.with_name(archive.name + ".sha256")


def create_backup(settings: Settings, db: Database | None, now: dt.datetime, *, to: Path | None = None,
                  source: sqlite3.Connection | None = None, prefix: str = PREFIX, prune: bool = True) -> BackupResult:
    """Take one archive of the running kiosk's data into ``to`` (default ``backup.folder``).

    ``source`` is a connection already holding the SQLite database (restore keeps the state it replaces
    through the connection that locks everyone else out; ``db`` may then be None)."""
    folder = backup_folder(settings, to)
    private_folder(folder, settings.storage.data_dir)
    with folder_lock(folder):
        _remove_leftovers(folder)
        stage = Path(tempfile.mkdtemp(prefix=".stage-", dir=folder))
        try:
            if db is None or is_sqlite(db):
                path = sqlite_path(settings)
                if path is None:
                    raise BackupError("the database is in memory: there is nothing on disk to back up")
                conn = source or sqlite3.connect(str(path), timeout=15)
                try:
                    content = sqlite_snapshot(conn, stage / DB_SQLITE.replace("/", "_"))
                finally:
                    if source is None:
                        conn.close()
                members = [(DB_SQLITE, stage / DB_SQLITE.replace("/", "_"))]
                kind = "sqlite"
            else:
                content = pg_snapshot(db, stage / DB_PG.replace("/", "_"))
                members = [(DB_PG, stage / DB_PG.replace("/", "_"))]
                kind = "postgresql"
            members += _stage_files(settings, stage)
            manifest = {
                "format": FORMAT, "format_version": FORMAT_VERSION, "program_version": __version__,
                "database": kind, "kiosk": settings.kiosk.name, "created_at": now.astimezone(dt.timezone.utc)
                .isoformat(timespec="seconds"), **content,
                "members": {name: {"sha256": sha256_file(p), "size": p.stat().st_size} for name, p in members},
            }
            target = folder / archive_name(settings.kiosk.name, now, prefix)
            n = 1
            while target.exists():
                n += 1
                target = folder / archive_name(settings.kiosk.name, now, prefix).replace(SUFFIX, f"-{n}{SUFFIX}")
            size = write_archive(target, manifest, members)
        except sqlite3.Error as exc:
            if "full" in str(exc):
                raise BackupError(f"{folder}: no space left for the copy of the database — free space there or use "
                                  "--to DIR") from None
            raise SourceUnreadable(f"cannot copy the database into {folder}: {exc} — see `kiosk doctor`") from None
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            raise BackupError(f"{folder}: no space left for the archive — free space there or use --to DIR") from None
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        removed = prune_archives(folder, settings) if prune else []
        (folder / FAILURE_NOTE).unlink(missing_ok=True)
    log.info("backup written: %s (%d bytes, %s)", target, size, manifest["counts"])
    return BackupResult(target, size, manifest, removed)


def record_failure(settings: Settings, to: Path | None, now: dt.datetime, message: str) -> None:
    """Leave the reason of a failed backup where ``kiosk doctor`` looks (best effort: the disk may be gone)."""
    try:
        folder = backup_folder(settings, to)
        if not folder.is_dir():        # not mounted: the error itself is in the journal and the log
            log.error("backup failed and %s does not exist to record it: %s", folder, message)
            return
        note = {"at": now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"), "error": message[:500]}
        (folder / FAILURE_NOTE).write_text(json.dumps(note), encoding="utf-8")
    except (OSError, KioskError) as exc:
        log.error("cannot record the backup failure: %s", exc)


def last_failure(folder: Path) -> dict | None:
    try:
        return json.loads((folder / FAILURE_NOTE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- retention ---

def archives(folder: Path, kiosk: str | None = None, prefix: str = PREFIX) -> list[tuple[dt.datetime, Path]]:
    """Complete archives in ``folder`` (newest first), by the time in their name."""
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for p in entries:
        m = ARCHIVE_NAME.fullmatch(p.name)
        if m and p.name.startswith(prefix) and (kiosk is None or m.group("kiosk") == kiosk):
            when = dt.datetime.strptime(m.group("when"), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
            found.append((when, p))
    return sorted(found, reverse=True)


def to_keep(stamps: list[dt.datetime], keep_daily: int, keep_weekly: int) -> set[dt.datetime]:
    """The newest archive of each of the last ``keep_daily`` days that have one, then the newest of each
    of ``keep_weekly`` ISO weeks before those."""
    keep: set[dt.datetime] = set()
    days: dict[dt.date, dt.datetime] = {}
    for s in sorted(stamps, reverse=True):
        days.setdefault(s.date(), s)
    daily = list(days.items())[:keep_daily]
    keep.update(s for _, s in daily)
    oldest_daily = daily[-1][0] if daily else None
    weeks: dict[tuple[int, int], dt.datetime] = {}
    for s in sorted(stamps, reverse=True):
        if oldest_daily is not None and s.date() >= oldest_daily:
            continue
        weeks.setdefault(s.isocalendar()[:2], s)
    keep.update(list(weeks.values())[:keep_weekly])
    return keep


def prune_archives(folder: Path, settings: Settings) -> list[Path]:
    """Delete this kiosk's archives retention no longer keeps (never the copies kept before a restore)."""
    found = archives(folder, settings.kiosk.name)
    keep = to_keep([w for w, _ in found], settings.backup.keep_daily, settings.backup.keep_weekly)
    removed = []
    for when, path in found:
        if when not in keep:
            path.unlink(missing_ok=True)
            checksum_file(path).unlink(missing_ok=True)
            removed.append(path)
            log.info("backup %s removed by retention", path.name)
    return removed
