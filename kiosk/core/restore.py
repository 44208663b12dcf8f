"""``kiosk restore ARCHIVE``: check everything first, keep what is there, then replace it at once.

Order, so a refusal changes nothing and a restore is never half-applied:

1. unpack into a hidden folder beside the database, checking every member's SHA-256 and size against
   the manifest (a flipped byte, a truncated file, a foreign tar are refused with one line);
2. check the copy: SQLite ``integrity_check``, its schema version against the manifest's and this
   program's (a newer schema is refused; an older one is restored and ``kiosk init`` upgrades it);
3. lock everyone out: an exclusive SQLite lock that fails at once while a kiosk (``kiosk run``,
   ``kiosk serve``) or a staff command has the database open — or, on PostgreSQL, any other session;
4. keep the current state as an archive (``kiosk-before-restore-…``) through that same lock;
5. swap: the database file by one ``rename`` after emptying its WAL (PostgreSQL: ``pg_restore`` in one
   transaction), then the identity key and the outbox folder. The config is not overwritten (this
   machine's printer or mail server may differ): it is put beside the current one for staff to compare.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from peewee import Database, SqliteDatabase

from kiosk.core import backup as bk
from kiosk.core.config import Settings, sqlite_path
from kiosk.core.db import describe, latest_version, starts_like_sqlite

log = logging.getLogger(__name__)

OUTBOX_FILE = re.compile(r"outbox/[A-Za-z0-9@._+=-]{1,200}\.eml")
LOCK_WAIT_S = 0.5           # a kiosk holding the database answers "busy" at once; no need to wait longer


class ArchiveRefused(bk.BackupError):
    """Damaged, truncated or not a kiosk backup: nothing was changed."""


class DatabaseInUse(bk.BackupError):
    """A kiosk process has the database open: restoring under it would lose its writes."""


@dataclass(frozen=True)
class RestoreResult:
    archive: Path
    manifest: dict
    kept: Path | None               # the archive of what was there before
    config_copy: Path | None        # the archive's config, put beside the current one when it differs
    upgrade_needed: bool            # the archive's schema is older: run `kiosk init`
    content: dict                   # what the restored database holds (counts, period), read back from it


def _member_ok(name: str) -> bool:
    return name in (bk.MANIFEST, bk.DB_SQLITE, bk.DB_PG, bk.KEY, bk.CONFIG) or bool(OUTBOX_FILE.fullmatch(name))


def unpack_verified(archive: Path, stage: Path) -> dict:
    """Every member into ``stage`` (flat names), checked against the manifest; returns the manifest."""
    def refuse(why: str) -> ArchiveRefused:
        return ArchiveRefused(f"{archive}: {why} — nothing was changed; use another backup")

    side = bk.checksum_file(archive)
    if side.exists():
        want = side.read_text(encoding="utf-8", errors="replace").split()[:1]
        try:
            have = bk.sha256_file(archive)
        except FileNotFoundError:
            raise bk.BackupError(f"{archive}: no such file") from None
        if want != [have]:
            raise refuse(f"does not match its checksum in {side.name} (the archive is damaged)")
    else:
        log.warning("%s: no %s beside it; checking the checksums inside the archive only", archive, side.name)
    try:
        # gzip opened here, read as a stream and then to its very end, so its CRC is checked too
        with gzip.open(archive, "rb") as gz, tarfile.open(fileobj=gz, mode="r|") as tar:
            first = tar.next()
            if first is None or first.name != bk.MANIFEST or not first.isfile() or first.size > 10_000_000:
                raise refuse("not a kiosk backup (no manifest.json at its start)")
            manifest = json.loads(tar.extractfile(first).read().decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != bk.FORMAT:
                raise refuse("not a kiosk backup (foreign manifest)")
            if manifest.get("format_version") != bk.FORMAT_VERSION:
                raise refuse(f"backup format {manifest.get('format_version')!r} is not one this program reads")
            expected = manifest.get("members")
            if not isinstance(expected, dict):
                raise refuse("the manifest lists no members")
            seen = set()
            for member in tar:
                if member is first:
                    continue
                if not member.isfile() or not _member_ok(member.name) or member.name not in expected \
                        or member.name in seen:
                    raise refuse(f"unexpected member {member.name!r} (damaged or foreign archive)")
                seen.add(member.name)
                h, size = hashlib.sha256(), 0
                target = stage / member.name.replace("/", "_")
                bk.private_file(target)
                with tar.extractfile(member) as src, open(target, "wb") as out:
                    for block in iter(lambda: src.read(1 << 20), b""):
                        h.update(block)
                        size += len(block)
                        out.write(block)
                want = expected[member.name]
                if h.hexdigest() != want.get("sha256") or size != want.get("size"):
                    raise refuse(f"{member.name} does not match its checksum (the archive is damaged)")
            missing = set(expected) - seen
            if missing:
                raise refuse(f"members missing: {', '.join(sorted(missing))} (truncated archive)")
            while gz.read(1 << 20):
                pass
    except FileNotFoundError:
        raise bk.BackupError(f"{archive}: no such file") from None
    except (tarfile.TarError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise refuse(f"damaged archive ({' '.join(str(exc).split()) or type(exc).__name__})") from None
    except gzip.BadGzipFile as exc:
        raise refuse(f"damaged archive ({exc})") from None
    return manifest


def _check_schema(manifest: dict, archive: Path) -> bool:
    """True when the archive's schema is older than this program's (restore it, then `kiosk init`)."""
    have, want = manifest.get("schema_version"), latest_version()
    if not isinstance(have, int) or have < 1:
        raise ArchiveRefused(f"{archive}: the manifest names no schema version — nothing was changed")
    if have > want:
        raise ArchiveRefused(f"{archive}: schema version {have} is newer than this program's ({want}) — update "
                             "the kiosk software first; nothing was changed")
    return have < want


def _check_sqlite_copy(path: Path, manifest: dict, archive: Path) -> None:
    if not starts_like_sqlite(path):
        raise ArchiveRefused(f"{archive}: the database in it is not SQLite — nothing was changed")
    conn = sqlite3.connect(str(path))
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    finally:
        conn.close()
    if verdict != "ok":
        raise ArchiveRefused(f"{archive}: the database in it fails its integrity check ({verdict}) — nothing was "
                             "changed")
    snap = SqliteDatabase(str(path))
    try:
        version = bk.describe_content(snap)["schema_version"]
    finally:
        snap.close()
    if version != manifest.get("schema_version"):
        raise ArchiveRefused(f"{archive}: its database has schema {version}, its manifest says "
                             f"{manifest.get('schema_version')} — nothing was changed")


def hold_sqlite(path: Path) -> sqlite3.Connection:
    """A connection that has the database to itself, or ``DatabaseInUse``.

    In exclusive locking mode SQLite keeps the lock from the first write transaction until the
    connection closes; taking it fails at once while any other connection — a running kiosk keeps
    one open — has the file open in WAL mode."""
    conn = sqlite3.connect(str(path), timeout=LOCK_WAIT_S, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseInUse(f"{path}: a kiosk program has the database open — stop it first "
                                "(`systemctl --user stop pst-kiosk`, and any `kiosk serve`), then restore again") \
                from None
        raise
    return conn


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")



def _side_files(path: Path) -> list[Path]:
    return [path.with_name(path.name + extra) for extra in ("-wal", "-shm", "-journal")]


def _set_aside(path: Path, now: dt.datetime) -> Path:
    """A database that cannot be read is kept as it is (its WAL with it), never deleted."""
    aside = path.with_name(f"{path.name}.before-restore-{_stamp(now)}")
    path.replace(aside)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        wal.replace(aside.with_name(aside.name + "-wal"))
    return aside


def _replace_sqlite(settings: Settings, staged: Path, now: dt.datetime) -> Path | None:
    path = sqlite_path(settings)
    assert path is not None
    kept = None
    hold = None
    if starts_like_sqlite(path):
        try:
            hold = hold_sqlite(path)
        except sqlite3.DatabaseError as exc:       # damaged past its first page: nothing can hold it
            log.warning("%s: cannot be opened (%s); kept aside as it is", path, exc)
    try:
        if hold is not None:
            try:
                kept = bk.create_backup(settings, None, now, source=hold, prefix=bk.PRE_RESTORE, prune=False).path
                # Empty the WAL and leave WAL mode under the lock; with the side files gone, no old WAL
                # or journal can be replayed into the restored file, even if power fails at the rename.
                hold.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                hold.execute("PRAGMA journal_mode=DELETE")
            except (bk.SourceUnreadable, sqlite3.DatabaseError) as exc:
                log.warning("%s: cannot be copied (%s); kept aside as it is", path, exc)
                kept = _set_aside(path, now)
        elif path.exists():      # empty, not SQLite, or damaged: kept aside as it is
            kept = _set_aside(path, now)
        for side in _side_files(path):
            side.unlink(missing_ok=True)
        os.replace(staged, path)
        bk.fsync_dir(path.parent)
    finally:
        if hold is not None:
            hold.close()
    for side in _side_files(path):      # what closing the old file may have left
        side.unlink(missing_ok=True)
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    return kept


def _pg_others(db: Database) -> int:
    return db.execute_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND pid <> pg_backend_pid()").fetchone()[0]


def _replace_pg(settings: Settings, db: Database, staged: Path, now: dt.datetime) -> Path | None:
    others = _pg_others(db)
    if others:
        raise DatabaseInUse(f"{describe(db)}: {others} other session(s) use the database — stop every kiosk and "
                            "`kiosk serve` on it first, then restore again")
    kept = bk.create_backup(settings, db, now, prefix=bk.PRE_RESTORE, prune=False).path
    db.close()      # pg_restore needs the database without our session's locks
    run = subprocess.run([bk.pg_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction",
                          "--exit-on-error", "--no-owner", "--no-privileges", "-d", db.database, str(staged)],
                         env=bk.pg_env(db), capture_output=True, text=True, timeout=bk.PG_DUMP_TIMEOUT_S)
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["?"])[-1]
        raise bk.BackupError(f"pg_restore failed and changed nothing (one transaction): {last}")
    return kept


def _replace_files(settings: Settings, stage: Path, manifest: dict, now: dt.datetime) -> Path | None:
    data_dir = settings.storage.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    key = stage / bk.KEY.replace("/", "_")
    if key.exists():
        os.replace(key, data_dir / "identity.key")
    new_outbox = stage / "outbox-restored"
    new_outbox.mkdir(mode=0o700)
    for name in manifest["members"]:
        if name.startswith(bk.OUTBOX):
            os.replace(stage / name.replace("/", "_"), new_outbox / name[len(bk.OUTBOX):])
    outbox = data_dir / "outbox"
    old = stage / "outbox-replaced"
    if outbox.exists():
        os.replace(outbox, old)      # the pre-restore archive holds these files
    os.replace(new_outbox, outbox)
    bk.fsync_dir(data_dir)
    config = stage / bk.CONFIG.replace("/", "_")
    if config.exists() and (not settings.source.exists() or config.read_bytes() != settings.source.read_bytes()):
        copy = settings.source.with_name(f"{settings.source.name}.from-backup-{_stamp(now)}")
        os.replace(config, copy)
        return copy
    return None


def restore(settings: Settings, archive: Path, now: dt.datetime, db: Database | None = None) -> RestoreResult:
    """Restore ``archive`` over the configured database and data folder (see the module's steps).

    ``db`` is needed for PostgreSQL only: a SQLite file is handled directly, so a damaged or missing
    one (the usual reason to restore) is no obstacle."""
    archive = Path(archive).resolve()
    path = sqlite_path(settings)
    near = path.parent if path is not None else settings.storage.data_dir
    near.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".restore-", dir=near))
    try:
        manifest = unpack_verified(archive, stage)
        upgrade = _check_schema(manifest, archive)
        kind = "sqlite" if path is not None else "postgresql"
        if manifest.get("database") != kind:
            raise ArchiveRefused(f"{archive}: holds a {manifest.get('database')} database, this kiosk is configured "
                                 f"for {kind} — nothing was changed")
        if kind == "sqlite":
            staged = stage / bk.DB_SQLITE.replace("/", "_")
            _check_sqlite_copy(staged, manifest, archive)
            kept = _replace_sqlite(settings, staged, now)
        else:
            if db is None:
                raise bk.BackupError("restoring PostgreSQL needs the database connection")
            kept = _replace_pg(settings, db, stage / bk.DB_PG.replace("/", "_"), now)
        config_copy = _replace_files(settings, stage, manifest, now)
        restored = SqliteDatabase(str(path)) if path is not None else db
        try:
            content = bk.describe_content(restored)
        finally:
            restored.close()
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    log.info("restored %s (made %s); the state before is kept in %s", archive, manifest.get("created_at"), kept)
    return RestoreResult(archive, manifest, kept, config_copy, upgrade, content)
