"""Storage faults, met as staff meet them: the real `kiosk` command in its own process against a damaged,
empty, missing, read-only or full database, or a database server that is not there (issue 11.6).

Every case: exit code 1, ONE line on stderr naming the cause and what to do, no traceback, and nothing
that was already saved is lost or replaced."""
from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO, tmpfs, write_config

READ_COMMANDS = [("queue", "status"), ("visits", "list"), ("lockers", "list"), ("catalog", "list"),
                 ("mail", "status"), ("complaints", "list")]


def kiosk(config: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), *args], capture_output=True,
                          text=True, cwd=REPO, timeout=120, input=input)


def one_line(run: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in run.stderr, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("kiosk: "), lines[0]
    return lines[0]


@pytest.fixture
def setup(tmp_path):
    config = write_config(tmp_path, replace={"demo_on_first_run = true": "demo_on_first_run = false"})
    return config, tmp_path / "data" / "kiosk.db"


def issued(db: Path) -> list[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [row[0] for row in con.execute("SELECT number FROM ticket ORDER BY id")]
    finally:
        con.close()


def test_a_missing_database_is_not_created_by_an_ordinary_command(setup):
    config, db = setup
    run = kiosk(config, "ticket", "A")
    assert run.returncode == 1
    assert "no database here — run `kiosk init`" in one_line(run)
    assert not db.exists()


def test_an_empty_database_file_is_never_silently_recreated(setup):
    # a zero-length kiosk.db was re-created and numbering restarted at A-001
    config, db = setup
    assert kiosk(config, "init").returncode == 0
    db.write_bytes(b"")
    for f in (db.with_name("kiosk.db-wal"), db.with_name("kiosk.db-shm")):
        f.unlink(missing_ok=True)
    for args in (("ticket", "A"), ("queue", "status"), ("init",)):
        run = kiosk(config, *args)
        assert run.returncode == 1, args
        line = one_line(run)
        assert "is empty (0 bytes)" in line and "kiosk restore" in line and "kiosk init --force" in line
        assert db.stat().st_size == 0, args
    assert kiosk(config, "init", "--force").returncode == 0
    assert kiosk(config, "ticket", "A").stdout == "A-001\n"


def test_a_damaged_database_gives_one_line_on_every_command_and_is_kept(setup):
    config, db = setup
    assert kiosk(config, "init").returncode == 0
    assert kiosk(config, "ticket", "A").returncode == 0
    damaged = b"this is not a database " * 400
    db.write_bytes(damaged)
    for f in (db.with_name("kiosk.db-wal"), db.with_name("kiosk.db-shm")):
        f.unlink(missing_ok=True)
    for args in (*READ_COMMANDS, ("ticket", "A"), ("privacy", "purge"), ("init",)):
        run = kiosk(config, *args)
        assert run.returncode == 1, args
        assert "not a SQLite database" in one_line(run), args
    assert db.read_bytes() == damaged
    assert kiosk(config, "init", "--force").returncode == 0      # moved aside, never deleted
    assert db.with_name("kiosk.db.damaged").read_bytes() == damaged


def test_a_database_damaged_inside_says_restore(setup):
    config, db = setup
    assert kiosk(config, "init").returncode == 0
    for _ in range(3):
        kiosk(config, "ticket", "B")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(db.read_bytes())
    page = 4096
    for offset in range(page * 2, len(data)):     # every page after the schema page: garbage
        data[offset] = 0xA5
    db.write_bytes(bytes(data))
    run = kiosk(config, "queue", "status")
    assert run.returncode == 1
    line = one_line(run)
    assert "damaged" in line and "kiosk restore" in line


def test_an_out_of_date_schema_says_run_kiosk_init(setup):
    config, db = setup
    assert kiosk(config, "init").returncode == 0
    con = sqlite3.connect(db)
    con.execute("DELETE FROM schema_version")
    con.commit()
    con.close()
    run = kiosk(config, "queue", "status")
    assert run.returncode == 1 and "run `kiosk init`" in one_line(run)


def test_an_unreachable_postgresql_server_is_one_line(tmp_path):
    pytest.importorskip("psycopg2")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]          # closed again: nothing listens there
    config = write_config(tmp_path, replace={'url = "sqlite:///data/kiosk.db"':
                                             f'url = "postgresql://kiosk:secret@127.0.0.1:{port}/kiosk"'})
    for args in (("queue", "status"), ("ticket", "A")):
        run = kiosk(config, *args)
        assert run.returncode == 1
        line = one_line(run)
        assert f"127.0.0.1:{port}" in line and "cannot reach the database server" in line
        assert "secret" not in line


def test_a_closed_pipe_is_not_an_error(setup):
    # `kiosk … | head` printed a BrokenPipe traceback
    config, _ = setup
    assert kiosk(config, "init").returncode == 0
    read, write = os.pipe()
    os.close(read)                      # the reader is gone before the command writes
    try:
        run = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "lockers", "list"],
                             stdout=write, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120)
    finally:
        os.close(write)
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr, run.stderr
    assert run.returncode == 141


# --- a real read-only and a real full disk: a small tmpfs mounted by the test (root only, as in CI) ---



def test_read_only_disk_reads_work_and_writes_say_why(tmp_path):
    with tmpfs(tmp_path / "disk", "32m") as disk:
        config = write_config(disk, replace={"demo_on_first_run = true": "demo_on_first_run = false"})
        assert kiosk(config, "init").returncode == 0
        assert kiosk(config, "ticket", "A").returncode == 0
        assert subprocess.run(["mount", "-o", "remount,ro", str(disk)]).returncode == 0
        for args in READ_COMMANDS:
            run = kiosk(config, *args)
            assert run.returncode == 0, (args, run.stderr)
            assert "Traceback" not in run.stderr
        run = kiosk(config, "ticket", "A")
        assert run.returncode == 1
        assert "read-only" in one_line(run)
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        assert issued(disk / "data" / "kiosk.db") == ["A-001"]


def test_full_disk_says_free_space_and_loses_nothing(tmp_path):
    with tmpfs(tmp_path / "disk", "4m") as disk:
        config = write_config(disk, replace={"demo_on_first_run = true": "demo_on_first_run = false",
                                             'kind = "dummy"': 'kind = "none"'})
        assert kiosk(config, "init").returncode == 0
        for _ in range(3):
            assert kiosk(config, "ticket", "C").returncode in (0, 3)
        filler = disk / "filler"
        with open(filler, "wb", buffering=0) as fh:    # fill the disk to the last block (unbuffered: close cannot fail)
            block = b"\0" * 65536
            with contextlib.suppress(OSError):
                while True:
                    fh.write(block)
        outcomes = [kiosk(config, "ticket", "C") for _ in range(40)]
        failed = [run for run in outcomes if run.returncode == 1]
        assert failed, "the disk never filled up"
        for run in failed:
            assert "the disk is full" in one_line(run) or "disk I/O error" in one_line(run)
        assert "the disk is full" in one_line(failed[-1])
        filler.unlink()
        numbers = issued(disk / "data" / "kiosk.db")
        assert numbers[:3] == ["C-001", "C-002", "C-003"]
        printed = [run.stdout.strip() for run in outcomes if run.returncode != 1]
        assert numbers[3:] == printed           # every number a command showed is kept, no other
        assert kiosk(config, "ticket", "C").returncode in (0, 3)
