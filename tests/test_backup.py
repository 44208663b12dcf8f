"""kiosk backup / restore on real files: archives taken while kiosks write, damaged archives, a held database."""
from __future__ import annotations

import datetime as dt
import io
import json
import multiprocessing
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.core import backup as bk
from kiosk.core import queue
from kiosk.core import restore as rs
from kiosk.core.clock import UTC
from kiosk.core.config import sqlite_path
from kiosk.core.models import Ticket
from pg_server import on_postgres, postgres_server, postgres_url  # noqa: F401  (fixtures)
from helpers import make_runtime

REPO = Path(__file__).resolve().parent.parent


def db_path(rt) -> Path:
    return sqlite_path(rt.settings)


def take(rt, **kw) -> bk.BackupResult:
    return bk.create_backup(rt.settings, rt.db, rt.clock.now(), **kw)


def ticket_numbers(path: Path) -> set[str]:
    conn = sqlite3.connect(str(path))
    try:
        return {r[0] for r in conn.execute("SELECT number FROM ticket")}
    finally:
        conn.close()


# --- four kiosks issuing while the backup runs ---

def issue_until(config_path: str, code: str, stop_after: int, out) -> None:
    """Child process: a kiosk issuing numbers one after the other (each committed) until ``stop_after``."""
    from kiosk.core import queue as q
    from kiosk.runtime import open_runtime

    rt = open_runtime(config_path)
    try:
        for _ in range(stop_after):
            q.issue_ticket(rt.settings, rt.clock, code, kiosk=f"p{os.getpid()}")
        out.put("ok")
    except BaseException as exc:   # noqa: BLE001  (reported to the parent rather than hanging it)
        out.put(repr(exc))
    finally:
        rt.close()


def test_backup_while_four_processes_issue_restores_every_ticket_committed_before_it(runtime):
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=issue_until, args=(str(runtime.settings.source), code, 150, out))
             for code in "ABCD"]
    for p in procs:
        p.start()
    path = db_path(runtime)
    for _ in range(600):                      # bounded: until the kiosks are well under way
        if len(ticket_numbers(path)) >= 40:
            break
        time.sleep(0.05)
    committed_before = ticket_numbers(path)
    result = take(runtime)
    results = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(60)
    assert results == ["ok"] * 4
    assert len(ticket_numbers(path)) == 600
    assert 40 <= len(committed_before) and result.manifest["counts"]["Ticket"] >= len(committed_before)
    runtime.close()

    restored = rs.restore(runtime.settings, result.path, runtime.clock.now())
    conn = sqlite3.connect(str(path))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    after = ticket_numbers(path)
    assert committed_before <= after
    assert len(after) == result.manifest["counts"]["Ticket"] == restored.content["counts"]["Ticket"]
    # the 600-ticket state it replaced is kept, complete
    kept = restored.kept
    assert kept is not None and kept.name.startswith(bk.PRE_RESTORE)
    with tarfile.open(kept) as tar:
        assert json.loads(tar.extractfile(bk.MANIFEST).read())["counts"]["Ticket"] == 600


# --- the archive itself ---

def test_archive_is_owner_only_and_lists_every_member_with_its_checksum(runtime, tmp_path):
    outbox = runtime.settings.storage.data_dir / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "42.eml").write_bytes(b"Subject: softcopy\r\n\r\nhello\r\n")
    queue.issue_ticket(runtime.settings, runtime.clock, "A")
    target = tmp_path / "share" / "kiosk"
    with pytest.raises(bk.BackupError, match="is the backup disk or share mounted"):
        take(runtime, to=target)              # never made outside the data folder: it may be an empty mount point
    assert not (tmp_path / "share").exists()
    target.mkdir(parents=True, mode=0o755)
    result = take(runtime, to=target)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    m = result.manifest
    assert m["format"] == bk.FORMAT and m["schema_version"] >= 1 and m["kiosk"] == "kiosk-1"
    assert set(m["members"]) == {bk.DB_SQLITE, bk.KEY, bk.CONFIG, "outbox/42.eml"}
    assert m["counts"]["Ticket"] == 1 and m["counts"]["Locker"] == 20
    assert m["period"]["from"].startswith("2026-11-24")
    with tarfile.open(result.path) as tar:
        names = tar.getnames()
        assert names[0] == bk.MANIFEST
        assert tar.extractfile(bk.KEY).read() == (runtime.settings.storage.data_dir / "identity.key").read_bytes()
    side = bk.checksum_file(result.path)
    assert sorted(p.name for p in target.iterdir() if not p.name.startswith(".")) == [result.path.name, side.name]
    assert stat.S_IMODE(side.stat().st_mode) == 0o600
    assert subprocess.run(["sha256sum", "-c", side.name], cwd=target, capture_output=True).returncode == 0


def test_retention_keeps_the_newest_of_seven_days_then_of_four_weeks():
    start = dt.datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    earlier_that_day = start - dt.timedelta(minutes=30)
    stamps = [start - dt.timedelta(days=d) for d in range(60)] + [earlier_that_day]
    keep = bk.to_keep(stamps, keep_daily=7, keep_weekly=4)
    daily = [start - dt.timedelta(days=d) for d in range(7)]
    assert set(daily) <= keep and earlier_that_day not in keep       # one per day: the newest
    weekly = sorted(keep - set(daily), reverse=True)
    assert len(weekly) == 4 and len({w.isocalendar()[:2] for w in weekly}) == 4
    assert all(w < daily[-1] for w in weekly)


def test_retention_prunes_old_archives_of_this_kiosk_only(runtime, tmp_path):
    folder = bk.backup_folder(runtime.settings)
    folder.mkdir(parents=True)
    for d in range(1, 20):
        when = runtime.clock.now() - dt.timedelta(days=d)
        (folder / bk.archive_name("kiosk-1", when)).write_bytes(b"old")
    other = folder / bk.archive_name("kiosk-2", runtime.clock.now() - dt.timedelta(days=30))
    other.write_bytes(b"another kiosk's")
    result = take(runtime)
    left = bk.archives(folder, "kiosk-1")
    # 7 days (the new one among them), then the newest of each older ISO week present: 3 of them (Mon 16,
    # 9 and 2 November 2026), fewer than keep_weekly = 4
    assert len(left) == 7 + 3
    assert result.path in [p for _, p in left] and other.exists() and len(result.removed) == 20 - 10


# --- damaged, foreign, interrupted ---

def test_a_flipped_byte_anywhere_is_refused_and_nothing_changes(runtime, tmp_path):
    queue.issue_ticket(runtime.settings, runtime.clock, "A")
    archive = take(runtime).path
    good = archive.read_bytes()
    queue.issue_ticket(runtime.settings, runtime.clock, "A")
    runtime.close()
    # 24 places from the gzip header to its CRC; some flips inside a deflate stream unpack to the very
    # same bytes, so the members' checksums alone would miss them: the .sha256 beside it does not
    for pos in sorted({*range(10, len(good), len(good) // 20), len(good) // 2, len(good) - 6, len(good) - 1}):
        damaged = bytearray(good)
        damaged[pos] ^= 0x01
        archive.write_bytes(bytes(damaged))
        with pytest.raises(rs.ArchiveRefused, match="nothing was changed"):
            rs.restore(runtime.settings, archive, runtime.clock.now())
    assert ticket_numbers(db_path(runtime)) == {"A-001", "A-002"}
    assert not list(bk.archives(bk.backup_folder(runtime.settings), prefix=bk.PRE_RESTORE))


def test_without_its_checksum_file_a_truncated_or_altered_archive_is_still_refused(runtime, tmp_path):
    queue.issue_ticket(runtime.settings, runtime.clock, "A")
    archive = take(runtime).path
    bk.checksum_file(archive).unlink()       # copied to a stick without it
    runtime.close()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:-200])
    with pytest.raises(rs.ArchiveRefused, match="damaged archive|truncated"):
        rs.restore(runtime.settings, truncated, runtime.clock.now())
    # the same members and manifest, one byte of the database changed: its checksum no longer matches
    altered = tmp_path / "altered.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(altered, "w:gz") as dst:
        for member in src:
            body = src.extractfile(member).read()
            if member.name == bk.DB_SQLITE:
                body = body[:-1] + bytes([body[-1] ^ 1])
            dst.addfile(member, io.BytesIO(body))
    with pytest.raises(rs.ArchiveRefused, match="database/kiosk.db does not match its checksum"):
        rs.restore(runtime.settings, altered, runtime.clock.now())
    assert ticket_numbers(db_path(runtime)) == {"A-001"}


def test_a_foreign_archive_is_refused_with_one_line(runtime, tmp_path, capsys):
    foreign = tmp_path / "photos.tar.gz"
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8 not a kiosk")
    with tarfile.open(foreign, "w:gz") as tar:
        tar.add(tmp_path / "a.jpg", "a.jpg")
    runtime.close()
    assert main(["--config", str(runtime.settings.source), "restore", str(foreign)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("kiosk: ") and "not a kiosk backup" in err and "\n" not in err


def test_restore_while_a_kiosk_holds_the_database_is_refused(runtime):
    queue.issue_ticket(runtime.settings, runtime.clock, "A")
    archive = take(runtime).path
    queue.issue_ticket(runtime.settings, runtime.clock, "A")
    runtime.close()
    # a second process opens the database the way `kiosk run` does and keeps its connection
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from kiosk.core.models import Ticket
        from kiosk.runtime import open_runtime
        rt = open_runtime({str(runtime.settings.source)!r})
        print(Ticket.select().count(), flush=True)
        sys.stdin.readline()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert holder.stdout.readline().strip() == "2"
        with pytest.raises(rs.DatabaseInUse, match="stop it first"):
            rs.restore(runtime.settings, archive, runtime.clock.now())
    finally:
        holder.communicate("\n", timeout=30)
    assert ticket_numbers(db_path(runtime)) == {"A-001", "A-002"}
    assert not bk.archives(bk.backup_folder(runtime.settings), prefix=bk.PRE_RESTORE)
    # the kiosk stopped: now it goes through
    rs.restore(runtime.settings, archive, runtime.clock.now())
    assert ticket_numbers(db_path(runtime)) == {"A-001"}


@pytest.mark.parametrize("damage", [b"garbage" * 100, b"SQLite format 3\x00" + b"\x17" * 5000],
                         ids=["not-sqlite", "sqlite-header-then-garbage"])
def test_restore_replaces_a_damaged_database_and_keeps_it_aside(runtime, capsys, damage):
    queue.issue_ticket(runtime.settings, runtime.clock, "A")
    archive = take(runtime).path
    runtime.close()
    path = db_path(runtime)
    path.write_bytes(damage)
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    assert main(["--config", str(runtime.settings.source), "restore", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "Ticket" in out and "period covered   2026-11-24" in out
    assert ticket_numbers(path) == {"A-001"}
    aside = [p for p in path.parent.iterdir() if p.name.startswith("kiosk.db.before-restore-")]
    assert len(aside) == 1 and aside[0].read_bytes() == damage


def big_database(rt, megabytes: int) -> None:
    """Pad the database with incompressible bytes so writing the archive takes a while."""
    rt.db.execute_sql("CREATE TABLE padding (blob BLOB)")
    with rt.db.atomic():
        for _ in range(megabytes):
            rt.db.execute_sql("INSERT INTO padding VALUES (?)", (os.urandom(1_000_000),))


def test_a_backup_killed_half_way_leaves_nothing_that_looks_complete(runtime):
    big_database(runtime, 60)
    folder = bk.backup_folder(runtime.settings)
    child = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(runtime.settings.source), "backup"],
                             cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(2000):                 # bounded: until the archive is being written
            if folder.is_dir() and any(p.name.endswith(bk.PARTIAL) for p in folder.iterdir()):
                break
            if child.poll() is not None:
                pytest.fail("the backup finished before it could be interrupted; make the database bigger")
            time.sleep(0.005)
        else:
            pytest.fail("no partial archive appeared")
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(30)
    assert bk.archives(folder) == []          # nothing with an archive's name
    # the next backup clears what the killed one left and writes a complete archive
    result = take(runtime)
    assert sorted(p.name for p in folder.iterdir() if p.name != bk.LOCK) == \
        [result.path.name, bk.checksum_file(result.path).name]
    runtime.close()
    rs.restore(runtime.settings, result.path, runtime.clock.now())


@pytest.mark.parametrize("megabytes", [8, 1], ids=["copying-the-database", "writing-the-archive"])
def test_a_full_disk_leaves_no_archive_and_a_failure_for_the_doctor(runtime, tmp_path, capsys, megabytes):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        big_database(runtime, megabytes)
        runtime.close()
        rc = main(["--config", str(runtime.settings.source), "backup", "--to", str(mnt)])
        err = capsys.readouterr().err
        assert rc == 1 and "no space left" in err.lower() and err.count("\n") == 1
        assert bk.archives(mnt) == [] and not any(p.name.endswith(bk.PARTIAL) for p in mnt.iterdir())
        assert "no space left" in bk.last_failure(mnt)["error"]
    finally:
        subprocess.run(["umount", str(mnt)])


# --- PostgreSQL ---

@pytest.mark.postgres
def test_postgres_backup_and_restore(tmp_path, postgres_url, clock):
    rt = make_runtime(tmp_path, clock=clock, replace=on_postgres(postgres_url))
    try:
        queue.issue_ticket(rt.settings, clock, "A")
        result = take(rt)
        assert bk.DB_PG in result.manifest["members"] and result.manifest["database"] == "postgresql"
        queue.issue_ticket(rt.settings, clock, "A")
        rt.close()
        restored = rs.restore(rt.settings, result.path, clock.now(), db=rt.db)
        assert restored.content["counts"]["Ticket"] == 1
        assert [t.number for t in Ticket.select()] == ["A-001"]
        assert restored.kept is not None
        # a second session on the database (another kiosk) refuses the restore
        import psycopg2

        other = psycopg2.connect(postgres_url)
        try:
            with pytest.raises(rs.DatabaseInUse, match="1 other session"):
                rs.restore(rt.settings, result.path, clock.now(), db=rt.db)
        finally:
            other.close()
    finally:
        rt.close()


def test_restore_brings_back_the_key_and_the_outbox_and_leaves_the_config_alone(runtime, capsys):
    data = runtime.settings.storage.data_dir
    (data / "outbox").mkdir(exist_ok=True)
    (data / "outbox" / "7.eml").write_bytes(b"Subject: unsent\r\n\r\nkept\r\n")
    key = (data / "identity.key").read_bytes()
    archive = take(runtime).path
    (data / "identity.key").write_text("0" * 64 + "\n")               # a key swapped by mistake
    (data / "outbox" / "7.eml").unlink()
    (data / "outbox" / "8.eml").write_bytes(b"Subject: later\r\n\r\n")
    config = runtime.settings.source
    config.write_text(config.read_text().replace('kind = "dummy"', 'kind = "none"'))   # changed since
    runtime.close()
    assert main(["--config", str(config), "restore", str(archive)]) == 0
    out = capsys.readouterr().out
    assert (data / "identity.key").read_bytes() == key
    assert sorted(p.name for p in (data / "outbox").iterdir()) == ["7.eml"]
    assert 'kind = "none"' in config.read_text()                       # this machine's config stays
    copies = list(config.parent.glob("kiosk.toml.from-backup-*"))
    assert len(copies) == 1 and 'kind = "dummy"' in copies[0].read_text() and copies[0].name in out
    # and what was replaced is in the archive kept before the restore
    kept = bk.archives(bk.backup_folder(runtime.settings), prefix=bk.PRE_RESTORE)[0][1]
    with tarfile.open(kept) as tar:
        assert tar.extractfile("outbox/8.eml").read() == b"Subject: later\r\n\r\n"
        assert tar.extractfile(bk.KEY).read() == b"0" * 64 + b"\n"
