"""kiosk doctor against real faults: a stopped printer, a refusing or silent mail server, a nearly full disk."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.commands.ops import gather, unit_files
from kiosk.core import backup as bk
from kiosk.core import health, lockers
from kiosk.core.config import load
from kiosk.core.health import Level
from kiosk.core.models import Locker, LockerAssignment, Visit
from helpers import make_runtime, write_config
from pg_server import free_port, pg_runtime, postgres_server, postgres_url  # noqa: F401  (fixtures)
from smtp_helpers import Server, mail_config

NETWORK_PRINTER = {'kind = "dummy"': 'kind = "network"', 'host = ""': 'host = "127.0.0.1"'}


def by_name(findings) -> dict[str, health.Finding]:
    return {f.name: f for f in findings}


class OneLineServer:
    """A TCP server on loopback that greets every connection with ``greeting`` (None: says nothing and
    holds the connection open, like a hung server) and closes it when the test ends."""

    def __init__(self, greeting: bytes | None):
        self.greeting = greeting
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> "OneLineServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.listener.close()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.conns.append(conn)
            if self.greeting is not None:
                conn.sendall(self.greeting)


def test_healthy_kiosk_is_all_ok_and_exit_code_0(runtime, capsys):
    bk.create_backup(runtime.settings, runtime.db, dt.datetime.now(dt.timezone.utc))
    runtime.close()
    assert main(["--config", str(runtime.settings.source), "doctor"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    names = [line.split()[1] for line in lines]
    assert names == ["config", "database", "schema", "printer", "mail", "scanner", "disk", "backup", "identity", "outbox",
                     "lockers", "clock", "sound"]
    assert all(line.startswith("OK ") for line in lines), lines


def test_stopped_printer_is_a_fail_and_exit_code_2(tmp_path, capsys):
    closed = free_port()     # nothing listens there: a printer switched off
    rt = make_runtime(tmp_path, replace={**NETWORK_PRINTER, "port = 9100": f"port = {closed}"})
    rt.close()
    assert main(["--config", str(rt.settings.source), "doctor", "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    printer = next(c for c in report["checks"] if c["check"] == "printer")
    assert report["level"] == "FAIL" and printer["level"] == "FAIL"
    assert "offline" in printer["message"] and f"127.0.0.1:{closed}" in printer["message"]


def test_mail_server_answering_554_is_a_fail(tmp_path):
    with OneLineServer(b"554 5.3.2 no service here\r\n") as server:
        path = write_config(tmp_path, replace=mail_config(server.port, timeout_s=2))
        make_runtime(tmp_path, replace=mail_config(server.port, timeout_s=2)).close()
        mail = by_name(gather(path))["mail"]
    assert mail.level == Level.FAIL and "554" in mail.line and "check [mail]" in mail.line


def test_mail_server_closed_port_is_a_fail(tmp_path):
    port = free_port()
    path = write_config(tmp_path, replace=mail_config(port, timeout_s=2))
    make_runtime(tmp_path, replace=mail_config(port, timeout_s=2)).close()
    mail = by_name(gather(path))["mail"]
    assert mail.level == Level.FAIL and "refused" in mail.line.lower()


def test_mail_server_answering_ehlo_is_ok(tmp_path):
    port = free_port()
    server = Server(port).start()
    try:
        rt = make_runtime(tmp_path, replace=mail_config(port))
        rt.close()
        mail = by_name(gather(rt.settings.source))["mail"]
    finally:
        server.stop()
    assert mail.level == Level.OK and "answers EHLO" in mail.line


def test_a_silent_mail_server_does_not_hang_the_doctor(tmp_path):
    """The server accepts and never greets: the sender's own timeout (or the check's) ends it as a FAIL."""
    with OneLineServer(None) as server:
        rt = make_runtime(tmp_path, replace=mail_config(server.port, timeout_s=30))
        rt.close()
        mail = by_name(gather(rt.settings.source, timeout_s=1.0))["mail"]
    assert mail.level == Level.FAIL and "no answer within 1 s" in mail.line


def test_a_check_that_never_returns_is_a_fail_within_its_limit():
    release = threading.Event()
    try:
        found = health.run_checks([("stuck", lambda: (release.wait(60), (Level.OK, "never"))[1], 0.2),
                                   ("quick", lambda: (Level.OK, "fine"), 0.2)])
    finally:
        release.set()
    assert [(f.name, f.level) for f in found] == [("stuck", Level.FAIL), ("quick", Level.OK)]
    assert "no answer within 0.2 s" in found[0].line


@pytest.fixture
def small_tmpfs(tmp_path):
    def mount(size: str) -> Path:
        if os.geteuid() != 0:
            print(f"\n[test_doctor] skipped: mounting a {size} tmpfs needs root")
            pytest.skip("mounting a small tmpfs needs root")
        mnt = tmp_path / f"disk-{size}"
        mnt.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)]).returncode != 0:
            print("\n[test_doctor] skipped: mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?)")
            pytest.skip("cannot mount a tmpfs here")
        mounted.append(mnt)
        return mnt
    mounted: list[Path] = []
    yield mount
    for mnt in mounted:
        subprocess.run(["umount", str(mnt)])


def on_disk(tmp_path: Path, mnt: Path):
    """A kiosk whose data folder (database, outbox, softcopies, backups) is on ``mnt``."""
    return make_runtime(tmp_path, replace={'data_dir = "data"': f'data_dir = "{mnt}/data"',
                                           'url = "sqlite:///data/kiosk.db"': f'url = "sqlite:///{mnt}/data/kiosk.db"',
                                           'folder = "data/backups"': f'folder = "{mnt}/backups"'})


def test_nearly_full_disk_fails_and_stops_softcopies(tmp_path, small_tmpfs):
    mnt = small_tmpfs("120m")
    rt = on_disk(tmp_path, mnt)
    assert health.disk_ok_for_softcopy(rt.settings)
    with open(mnt / "filler", "wb") as fh:        # the disk fills up: 50 MB left, under the 100 MB floor
        fh.write(b"\0" * (70 * 1024 * 1024))
    assert not health.disk_ok_for_softcopy(rt.settings)
    with pytest.raises(health.LowDisk, match="new softcopies are stopped"):
        health.require_disk_for_softcopy(rt.settings)
    rt.close()
    disk = by_name(gather(rt.settings.source))["disk"]
    assert disk.level == Level.FAIL and str(mnt) in disk.line and "MB free" in disk.line


def test_disk_under_one_gigabyte_is_a_warning(tmp_path, small_tmpfs):
    mnt = small_tmpfs("600m")           # tmpfs takes memory only for what is written: nothing here
    rt = on_disk(tmp_path, mnt)
    rt.close()
    disk = by_name(gather(rt.settings.source))["disk"]
    assert disk.level == Level.WARN and "below 1 GB" in disk.line


def test_missing_identity_key_and_no_backup(runtime):
    (runtime.settings.storage.data_dir / "identity.key").unlink()
    runtime.close()
    found = by_name(gather(runtime.settings.source))
    assert found["identity key"].level == Level.FAIL and "missing" in found["identity key"].line
    assert found["backup"].level == Level.WARN and "no backup yet" in found["backup"].line


def test_failed_or_old_backup(runtime):
    now = dt.datetime.now(dt.timezone.utc)
    folder = bk.backup_folder(runtime.settings)
    folder.mkdir(parents=True)
    (folder / bk.archive_name("kiosk-1", now - dt.timedelta(hours=30))).write_bytes(b"x")
    assert health.check_backup(runtime.settings, now)[0] == Level.WARN
    assert health.check_backup(runtime.settings, now + dt.timedelta(days=3))[0] == Level.FAIL
    bk.record_failure(runtime.settings, None, now, "backup.folder /mnt/share: no such file")
    level, line = health.check_backup(runtime.settings, now)
    assert level == Level.FAIL and "/mnt/share" in line


def test_locker_left_overnight_and_a_clock_behind_the_records(runtime):
    now = dt.datetime.now(dt.timezone.utc)
    yesterday = (now - dt.timedelta(days=1)).replace(tzinfo=None)
    visit = Visit.create(kiosk="k", started_at=yesterday)
    LockerAssignment.create(locker=Locker.get(Locker.label == "L03"), visit=visit, assigned_at=yesterday)
    assert [s.label for s in lockers.statuses(only_occupied=True)] == ["L03"]
    level, line = health.check_lockers(runtime.settings, now)
    assert level == Level.WARN and "L03 (ID card held)" in line
    assert health.check_clock(now)[0] == Level.OK
    level, line = health.check_clock(now - dt.timedelta(days=2))
    assert level == Level.FAIL and "behind the newest record" in line


def test_broken_config_is_the_one_fail(tmp_path, capsys):
    path = write_config(tmp_path, replace={"count = 20": "count = -1"})
    assert main(["--config", str(path), "doctor"]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("FAIL  config") and "lockers.count" in out[0]


def test_missing_database_is_a_fail_and_the_devices_are_still_checked(tmp_path):
    path = write_config(tmp_path)
    found = by_name(gather(path))
    assert found["database"].level == Level.FAIL and "kiosk init" in found["database"].line
    assert found["printer"].level == Level.OK and "schema" not in found


def test_night_units_run_init_before_the_kiosk_and_the_night_at_the_configured_hour(tmp_path):
    path = write_config(tmp_path, replace={"night_hour = 2": "night_hour = 3"})
    units = unit_files(load(path), python="/opt/kiosk/.venv/bin/python")
    service = units["pst-kiosk.service"]
    assert service.index("ExecStartPre=/opt/kiosk/.venv/bin/python -m kiosk --config") < service.index("ExecStart=")
    assert " init\n" in service and " run\n" in service
    night = units["pst-kiosk-night.service"]
    steps = [line.split(" -m kiosk --config ")[-1].split(" ", 1)[-1] for line in night.splitlines()
             if line.startswith("ExecStart=")]
    assert steps[:3] == ["backup", "privacy purge", "mail flush"] and "restart pst-kiosk.service" in steps[3]
    assert "OnCalendar=*-*-* 03:00:00 Asia/Jakarta" in units["pst-kiosk-night.timer"]
    if shutil.which("systemd-analyze"):           # systemd itself accepts the time with its zone
        run = subprocess.run(["systemd-analyze", "calendar", "*-*-* 03:00:00 Asia/Jakarta"], capture_output=True)
        assert run.returncode == 0, run.stderr


@pytest.mark.postgres
def test_doctor_on_postgres_pings_the_server(pg_runtime):
    pg_runtime.close()
    found = by_name(gather(pg_runtime.settings.source))
    assert found["database"].level == Level.OK and "answers" in found["database"].line
    assert found["schema"].level == Level.OK and found["identity key"].level == Level.OK


def test_install_service_writes_the_three_units(tmp_path, capsys):
    path = write_config(tmp_path)
    assert main(["--config", str(path), "install-service", "--dir", str(tmp_path / "units")]) == 0
    assert sorted(p.name for p in (tmp_path / "units").iterdir()) == [
        "pst-kiosk-night.service", "pst-kiosk-night.timer", "pst-kiosk.service"]
    assert "systemctl --user daemon-reload" in capsys.readouterr().out


def test_backup_share_not_mounted_is_a_fail_and_the_backup_writes_nothing(tmp_path, capsys):
    share = tmp_path / "mnt" / "pst-backup"
    share.mkdir(parents=True)                      # the empty mount point, share not mounted
    rt = make_runtime(tmp_path, replace={'folder = "data/backups"': f'folder = "{share}/kiosk-1"'})
    rt.close()
    assert main(["--config", str(rt.settings.source), "backup"]) == 1
    assert "is the backup disk or share mounted" in capsys.readouterr().err
    assert list(share.iterdir()) == []             # nothing landed on the kiosk's own disk
    backup = by_name(gather(rt.settings.source))["backup"]
    assert backup.level == Level.FAIL and "mount the backup disk or share" in backup.line


def test_a_scanner_that_is_not_there_is_a_fail(tmp_path):
    # the doctor had no scanner line: a kiosk offering "Scan from a book" with its scanner unplugged said OK
    if shutil.which("scanimage") is None:
        pytest.skip("scanimage (Debian sane-utils) is not installed")
    empty = tmp_path / "sane"
    empty.mkdir()
    (empty / "dll.conf").write_text("")          # no backend at all: the device cannot be opened
    os.environ["SANE_CONFIG_DIR"] = str(empty)
    try:
        scanner = {'kind = "none"\n# sane: the device': 'kind = "sane"\n# sane: the device',
                   'device = ""\n# sane: dots': 'device = "nosuch:0"\n# sane: dots'}
        path = write_config(tmp_path, replace=scanner)
        make_runtime(tmp_path, replace=scanner).close()
        found = by_name(gather(path))
    finally:
        del os.environ["SANE_CONFIG_DIR"]
    assert found["scanner"].level == Level.FAIL and "scanner:" in found["scanner"].line


def test_no_scanner_configured_is_ok(runtime):
    found = by_name(gather(runtime.settings.source))
    assert found["scanner"].level == Level.OK and "no scanner" in found["scanner"].line
