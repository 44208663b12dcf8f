"""The database: peewee bound from the config URL, and the schema-version runner.

SQLite runs in WAL mode with synchronous=FULL (a ticket or visit is on disk before it is
printed or shown as done) and foreign keys on; PostgreSQL serves offices where several
kiosks and a staff desk share one queue.
"""
from __future__ import annotations

import datetime as dt
import importlib
import logging
import pkgutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlparse

from peewee import Database, PostgresqlDatabase, SqliteDatabase
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator

from kiosk.core import migrations, models
from kiosk.core.clock import UTC, to_utc_naive
from kiosk.core.config import Settings, sqlite_path
from kiosk.core.errors import KioskError

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,          # FULL: survive a power cut in the lobby
    "foreign_keys": 1,
    "busy_timeout": 15000,     # several processes may write (staff CLI beside the kiosk)
    "cache_size": -16000,
}


class DatabaseError(KioskError):
    pass


CONNECT_TIMEOUT_S = 10
# When the network to the database server goes (cable pulled, server powered off), a query would wait on
# TCP's defaults — many minutes of frozen touchscreen. libpq's keepalives probe an idle link and
# tcp_user_timeout (ms) gives up on data the server never acknowledges; the visitor gets the
# "please try again" message within seconds instead.
PG_LINK_WATCH = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 5, "keepalives_count": 3,
                 "tcp_user_timeout": 10_000}


class KioskPostgresqlDatabase(PostgresqlDatabase):
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


def open_sqlite(path: Path | str) -> SqliteDatabase:
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: printing and mail run in worker threads; peewee keeps one
    # connection per thread itself.
    return SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, check_same_thread=False)


def open_database(settings: Settings) -> Database:
    """Bind the models to the configured database and return it (not yet migrated)."""
    url = settings.database.url
    if url.startswith("sqlite:///"):
        path = sqlite_path(settings)
        db: Database = open_sqlite(path if path is not None else ":memory:")
    else:
        parts = urlparse(url)
        db = KioskPostgresqlDatabase(
            parts.path.lstrip("/"), user=unquote(parts.username or "") or None,
            password=unquote(parts.password or "") or None, host=parts.hostname or None,
            port=parts.port or None, connect_timeout=CONNECT_TIMEOUT_S, **PG_LINK_WATCH)
    bind(db)
    return db


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
    migrator: SchemaMigrator = SqliteMigrator(db) if is_sqlite(db) else PostgresqlMigrator(db)
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
