"""The database: peewee bound from the config URL, and the schema-version runner.

SQLite runs in WAL mode with synchronous=FULL (a ticket or visit is on disk before it is
printed or shown as done) and foreign keys on; PostgreSQL serves offices where several
kiosks and a staff desk share one queue.
"""
from __future__ import annotations

import datetime as dt
import importlib
import logging
import os
import pkgutil
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, unquote, urlparse

import peewee
from peewee import Database, PostgresqlDatabase, SqliteDatabase

from kiosk.core import migrations, models
from kiosk.core.clock import UTC, to_utc_naive
from kiosk.core.config import Settings, sqlite_path
from kiosk.core.errors import (DatabaseBusy, DatabaseDamaged, DatabaseFull, DatabaseMissing, DatabaseReadOnly,
                               DatabaseUnreachable, SchemaOutOfDate, StorageError)

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,          # FULL: survive a power cut in the lobby
    "foreign_keys": 1,
    "busy_timeout": 15000,     # several processes may write (staff CLI beside the kiosk)
    "cache_size": -16000,
}


SQLITE_MAGIC = b"SQLite format 3\x00"
LOW_DISK_BYTES = 1_000_000   # below this, SQLite's vague "disk I/O error" is a full disk


def storage_error(db: Database, exc: Exception) -> StorageError:
    """The project's own error for a driver failure: what happened and what staff can do about it."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    low = text.lower()
    where = describe(db)
    path = Path(db.database) if isinstance(db, SqliteDatabase) and db.database != ":memory:" else None
    if "full" in low or (("disk i/o error" in low or "i/o" in low) and path is not None and _low_disk(path)):
        return DatabaseFull(f"{where}: the disk is full — free space on {_mount_hint(path)}, then try again")
    if "readonly" in low or "read-only" in low or "read only" in low:
        return DatabaseReadOnly(f"{where}: cannot write (read-only disk or no permission) — check the disk and "
                                "the owner of the data folder")
    if "malformed" in low or "not a database" in low or "file is encrypted" in low:
        return DatabaseDamaged(f"{where}: the database file is damaged ({text}) — restore the newest backup "
                               "with `kiosk restore` (see `kiosk doctor`)")
    if "locked" in low or "busy" in low:
        return DatabaseBusy(f"{where}: another program held the database too long ({text}) — try again")
    if "no such table" in low or "no such column" in low or "does not exist" in low and "relation" in low:
        return SchemaOutOfDate(f"{where}: the database schema is not this program's ({text}) — run `kiosk init`")
    if "unable to open" in low and path is not None and path.exists() and not os.access(path.parent, os.W_OK):
        return DatabaseReadOnly(f"{where}: cannot write (read-only disk or no permission on {path.parent}) — check "
                                "the disk and the owner of the data folder")
    if "unable to open" in low:
        return DatabaseReadOnly(f"{where}: cannot open the database file — check that the data folder exists and "
                                "belongs to the kiosk's user")
    if "disk i/o error" in low:
        return StorageError(f"{where}: disk I/O error — check the disk (`kiosk doctor`), then try again")
    if not isinstance(db, SqliteDatabase):
        return DatabaseUnreachable(f"{where}: cannot reach the database server ({text}) — check that it runs "
                                   "and the network")
    return StorageError(f"{where}: {text}")


def _low_disk(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < LOW_DISK_BYTES
    except OSError:
        return False


def _mount_hint(path: Path | None) -> str:
    return str(path.parent) if path is not None else "the database server"


def describe(db: Database) -> str:
    """Where the data is, for a staff message (never a password)."""
    if isinstance(db, SqliteDatabase):
        return str(db.database)
    host = db.connect_params.get("host") or "localhost"
    port = db.connect_params.get("port") or 5432
    return f"PostgreSQL {db.database} on {host}:{port}"


# Driver errors that are the program's own logic, not the storage's: they keep their peewee type
# (callers retry on IntegrityError, for instance).
_LOGIC_ERRORS = (peewee.IntegrityError, peewee.ProgrammingError, peewee.NotSupportedError, peewee.DataError)


class TypedErrors:
    """Mixed into the peewee database classes: driver failures leave as ``StorageError`` subclasses.

    Every face then has one handler (screen base, CLI, web) instead of five screens each catching
    ``PeeweeException``; and a failed COMMIT that SQLite already rolled back no longer hides its
    cause behind "cannot rollback - no transaction is active"."""

    @contextmanager
    def typed_errors(self):
        try:
            yield
        except _LOGIC_ERRORS:
            raise
        except (peewee.DatabaseError, peewee.InterfaceError, sqlite3.Error, OSError) as exc:
            if isinstance(exc, StorageError):
                raise
            raise storage_error(self, exc) from exc

    def connect(self, reuse_if_open=False):
        with self.typed_errors():
            return super().connect(reuse_if_open)

    def execute_sql(self, sql, params=None):
        with self.typed_errors():
            return super().execute_sql(sql, params)

    def commit(self):
        with self.typed_errors():
            return super().commit()

    def begin(self, *args, **kwargs):
        with self.typed_errors():
            return super().begin(*args, **kwargs)

    def rollback(self):
        try:
            return super().rollback()
        except peewee.OperationalError as exc:
            if "no transaction is active" in str(exc):
                # SQLite rolled back by itself when the statement or COMMIT failed (disk full, I/O
                # error); the error that caused it is already on its way up.
                log.debug("rollback after an automatic rollback: %s", exc)
                return None
            raise storage_error(self, exc) from exc
        except (peewee.DatabaseError, peewee.InterfaceError) as exc:
            raise storage_error(self, exc) from exc


class KioskSqliteDatabase(TypedErrors, SqliteDatabase):
    pass


CONNECT_TIMEOUT_S = 10
# When the network to the database server goes (cable pulled, server powered off), a query would wait on
# TCP's defaults — many minutes of frozen touchscreen. libpq's keepalives probe an idle link and
# tcp_user_timeout (ms) gives up on data the server never acknowledges; the visitor gets the
# "please try again" message within seconds instead.
PG_LINK_WATCH = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 5, "keepalives_count": 3,
                 "tcp_user_timeout": 10_000}


class KioskPostgresqlDatabase(TypedErrors, PostgresqlDatabase):
    """PostgreSQL that opens a new session once the server has ended the old one.

    A server restart, a failover or a lost link leaves the kiosk's psycopg2 connection closed; peewee
    would hand it out again and every later action would fail ("connection already closed") until
    staff restart the kiosk. The action that met the broken session fails (the visitor sees "please
    try again"); the next statement outside a transaction starts on a fresh connection. Never inside a
    transaction: its earlier statements are gone with the old session."""

    def cursor(self, named_cursor=None):
        conn = self._state.conn
        if conn is not None and conn.closed and not self.in_transaction():
            log.warning("database session ended by the server or the network; connecting again")
            self.close()
        return super().cursor(named_cursor)


def open_sqlite(path: Path | str, read_only: bool = False) -> SqliteDatabase:
    """A SQLite database with the kiosk's pragmas. ``read_only`` opens it immutable (a read-only disk:
    nothing can write, so SQLite need not create its -shm/-wal files there)."""
    # check_same_thread=False: printing and mail run in worker threads; peewee keeps one
    # connection per thread itself.
    if read_only and str(path) != ":memory:":
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro&immutable=1"
        pragmas = {k: v for k, v in SQLITE_PRAGMAS.items() if k not in ("journal_mode", "synchronous")}
        return KioskSqliteDatabase(uri, pragmas=pragmas, check_same_thread=False, uri=True)
    return KioskSqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, check_same_thread=False)


def starts_like_sqlite(path: Path) -> bool:
    """Whether the file begins with SQLite's header (a missing file does not); OSError when unreadable."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except FileNotFoundError:
        return False


def check_sqlite_file(path: Path, *, creating: bool = False, force: bool = False) -> None:
    """Refuse a database file that is missing, empty or not SQLite, instead of letting SQLite
    quietly start a new empty database there (numbering would restart at A-001, the guestbook
    would look empty). Only ``kiosk init`` creates a missing file; only ``--force`` replaces a bad one."""
    backups = path.parent / "backups"
    restore = f"restore the newest backup (`kiosk restore`, backups in {backups})"
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        if creating:
            return
        raise DatabaseMissing(f"{path}: no database here — run `kiosk init` to create it, or {restore}") from None
    except OSError as exc:
        raise DatabaseReadOnly(f"{path}: cannot read the database file ({exc.strerror})") from None
    if force:
        return
    if size == 0:
        raise DatabaseDamaged(f"{path}: the database file is empty (0 bytes) — {restore}, or start a new empty "
                              "database with `kiosk init --force`")
    try:
        ok = starts_like_sqlite(path)
    except OSError as exc:
        raise DatabaseReadOnly(f"{path}: cannot read the database file ({exc.strerror})") from None
    if not ok:
        raise DatabaseDamaged(f"{path}: not a SQLite database (damaged or overwritten) — {restore}, or start a "
                              "new empty database with `kiosk init --force`")


def _create_private(path: Path) -> None:
    """Create the database file readable by the owner only (it holds the guestbook); SQLite gives
    its -wal and -shm files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _writable(path: Path) -> bool:
    return os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)


def open_database(settings: Settings, *, read_only: bool = False, create: bool = False,
                  force: bool = False) -> Database:
    """Bind the models to the configured database and return it. Opening writes nothing, except what
    ``kiosk init`` asks for: ``create`` makes a missing SQLite file; ``force`` accepts an empty file and
    moves a damaged one aside (``kiosk init --force``). ``read_only`` commands open a database on a
    read-only disk immutable."""
    url = settings.database.url
    if url.startswith("sqlite:///"):
        path = sqlite_path(settings)
        if path is None:
            db: Database = open_sqlite(":memory:")
        else:
            check_sqlite_file(path, creating=create, force=force)
            if create and not path.exists():
                _create_private(path)
            elif force and path.stat().st_size > 0 and not starts_like_sqlite(path):
                bad = path.with_name(f"{path.name}.damaged")
                path.replace(bad)
                log.warning("damaged database moved to %s; a new one is created", bad)
                _create_private(path)
            db = open_sqlite(path, read_only=read_only and not _writable(path))
    else:
        parts = urlparse(url)
        db = KioskPostgresqlDatabase(
            parts.path.lstrip("/"), user=unquote(parts.username or "") or None,
            password=unquote(parts.password or "") or None, host=parts.hostname or None,
            port=parts.port or None, connect_timeout=CONNECT_TIMEOUT_S, **PG_LINK_WATCH)
    bind(db)
    return db


def check_schema(db: Database) -> None:
    """Every command but `kiosk init` runs on the schema this program was built for."""
    have = current_version(db)
    want = latest_version()
    if have == want:
        return
    if have == 0:
        raise SchemaOutOfDate(f"{describe(db)}: the database has no kiosk tables yet — run `kiosk init`")
    if have < want:
        raise SchemaOutOfDate(f"{describe(db)}: database schema version {have}, this program needs {want} — run "
                              "`kiosk init` (it backs the database up first)")
    raise SchemaOutOfDate(f"{describe(db)}: database schema version {have} is newer than this program ({want}) "
                          "— update the kiosk software on this machine")


def bind(db: Database) -> None:
    models.database.initialize(db)


def is_sqlite(db: Database) -> bool:
    return isinstance(db, SqliteDatabase)


@contextmanager
def write_transaction(db: Database) -> Iterator[None]:
    """A transaction that holds the write lock from its first statement.

    SQLite: BEGIN IMMEDIATE, so two kiosks never read the same "last number" and both add one.
    PostgreSQL: a normal transaction; callers lock rows with SELECT … FOR UPDATE.
    """
    if is_sqlite(db) and db.transaction_depth() == 0:
        with db.atomic(lock_type="IMMEDIATE"):
            yield
    else:
        with db.atomic():
            yield


def _migration_modules() -> list[tuple[int, str]]:
    found = []
    for info in pkgutil.iter_modules(migrations.__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append((int(info.name[1:5]), info.name))
    return sorted(found)


def current_version(db: Database) -> int:
    if not db.table_exists(models.SchemaVersion._meta.table_name):
        return 0
    row = models.SchemaVersion.select().order_by(models.SchemaVersion.version.desc()).first()
    return row.version if row else 0


def latest_version() -> int:
    modules = _migration_modules()
    return modules[-1][0] if modules else 0


def pending_migrations(db: Database) -> list[tuple[int, str]]:
    version = current_version(db)
    return [(n, name) for n, name in _migration_modules() if n > version]


def backup_sqlite(path: Path, backup_dir: Path, when: dt.datetime) -> Path:
    """A consistent copy through SQLite's backup API (safe while WAL holds recent writes)."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / f"{path.stem}-{when.strftime('%Y%m%dT%H%M%SZ')}.db"
    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def migrate(db: Database, settings: Settings | None = None, now: dt.datetime | None = None) -> list[str]:
    """Create or upgrade the schema; idempotent. Returns the names of the scripts applied.

    A SQLite file that already holds data is backed up before the first script runs.
    """
    now = now or dt.datetime.now(UTC)
    todo = pending_migrations(db)
    if not todo:
        return []
    path = sqlite_path(settings) if settings is not None else None
    if path is not None and path.exists() and current_version(db) > 0 and settings is not None:
        copy = backup_sqlite(path, settings.storage.data_dir / "backups", now)
        log.info("database backed up to %s before migrating", copy)
    # imported here: only `kiosk init` migrates, every other command merely checks the version
    from playhouse.migrate import PostgresqlMigrator, SqliteMigrator

    migrator = SqliteMigrator(db) if is_sqlite(db) else PostgresqlMigrator(db)
    if not db.table_exists(models.SchemaVersion._meta.table_name):
        db.create_tables([models.SchemaVersion])
    applied = []
    for number, name in todo:
        module = importlib.import_module(f"{migrations.__name__}.{name}")
        with db.atomic():
            module.apply(db, migrator)
            models.SchemaVersion.create(version=number, name=name, applied_at=to_utc_naive(now))
        log.info("schema migration %s applied", name)
        applied.append(name)
    return applied


def ensure_lockers(settings: Settings) -> None:
    """Make the Locker rows match the config's labels (new ones added, removed ones deactivated)."""
    labels = locker_labels(settings)
    with models.database.atomic():
        existing = {lk.label: lk for lk in models.Locker.select()}
        for label in labels:
            if label not in existing:
                models.Locker.create(label=label, active=True)
            elif not existing[label].active:
                models.Locker.update(active=True).where(models.Locker.label == label).execute()
        gone = [label for label in existing if label not in labels]
        if gone:
            models.Locker.update(active=False).where(models.Locker.label.in_(gone)).execute()


def locker_labels(settings: Settings) -> list[str]:
    n = settings.lockers.count
    width = max(2, len(str(n)))
    return [f"{settings.lockers.prefix}{i:0{width}d}" for i in range(1, n + 1)]
