"""Database: pragmas that make a commit durable, idempotent migrations, backup before upgrading."""
from __future__ import annotations

import sqlite3

from kiosk.core import db as db_mod
from kiosk.core import models
from kiosk.core.config import load, sqlite_path


def test_sqlite_pragmas(runtime):
    db = runtime.db
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_init_is_idempotent_and_records_the_version(runtime):
    assert db_mod.current_version(runtime.db) >= 1
    assert db_mod.migrate(runtime.db, runtime.settings) == []
    tables = set(runtime.db.get_tables())
    assert {"ticket", "visit", "visitor", "locker", "publication", "survey_response", "outbox_mail"} <= tables


def test_lockers_follow_the_config(runtime):
    labels = [lk.label for lk in models.Locker.select().order_by(models.Locker.label)]
    assert labels[0] == "L01" and labels[-1] == "L20" and len(labels) == 20


def test_backup_before_a_pending_migration(runtime, monkeypatch):
    path = sqlite_path(runtime.settings)
    models.StaffEvent.create(kiosk="k", kind="pin_ok", at=runtime.clock.now().replace(tzinfo=None))
    real = db_mod._migration_modules
    monkeypatch.setattr(db_mod, "_migration_modules", lambda: real() + [(999, "m0999_test")])
    import types, sys
    module = types.ModuleType("kiosk.core.migrations.m0999_test")
    module.apply = lambda db, migrator: db.execute_sql("CREATE TABLE added_by_test (x INTEGER)")
    monkeypatch.setitem(sys.modules, "kiosk.core.migrations.m0999_test", module)
    applied = db_mod.migrate(runtime.db, runtime.settings, now=runtime.clock.now())
    assert applied == ["m0999_test"]
    backups = list((runtime.settings.storage.data_dir / "backups").glob("kiosk-*.db"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT count(*) FROM staff_event").fetchone()[0] == 1
    assert copy.execute("SELECT name FROM sqlite_master WHERE name='added_by_test'").fetchone() is None
    copy.close()
    assert path.exists()


def test_fresh_database_from_the_config(tmp_path):
    from helpers import write_config
    settings = load(write_config(tmp_path))
    db = db_mod.open_database(settings, create=True)
    assert db_mod.current_version(db) == 0
    assert db_mod.migrate(db, settings) == ["m0001_initial"]
    assert not list((settings.storage.data_dir / "backups").glob("*")) if (settings.storage.data_dir / "backups").exists() else True
    db.close()
