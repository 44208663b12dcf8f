"""Operations for staff: ``kiosk backup``, ``kiosk restore``, ``kiosk doctor``, ``kiosk install-service``.

    kiosk backup [--to DIR]        # one archive: database, identity key, config, outbox; retention applied
    kiosk restore ARCHIVE          # checked first; refused while a kiosk runs; the state before is kept
    kiosk doctor [--json]          # one line per check, exit code 0 OK / 1 WARN / 2 FAIL
    kiosk install-service          # systemd user units: the kiosk, and its night (backup, purge, flush, restart)
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from kiosk.core import backup as bk
from kiosk.core import config as config_mod
from kiosk.core import health
from kiosk.core.clock import SystemClock, local
from kiosk.core.errors import KioskError
from kiosk.core.health import Finding, Level

SERVICE = "pst-kiosk"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backup", help="write one archive of the database, identity key, config and outbox "
                                      "(owner-only; old ones pruned by [backup] keep_daily/keep_weekly)")
    p.add_argument("--to", type=Path, metavar="DIR", help="folder for the archive (default: backup.folder)")
    p.set_defaults(func=cmd_backup, runtime=None)
    p = sub.add_parser("restore", help="restore an archive made by `kiosk backup` (stop the kiosk first; "
                                       "the current state is kept as a backup)")
    p.add_argument("archive", type=Path, metavar="ARCHIVE")
    p.set_defaults(func=cmd_restore, runtime=None)
    p = sub.add_parser("doctor", help="check config, database, key, printer, mail, disk, backup, outbox, lockers, "
                                      "clock: one line each; exit 0 OK, 1 WARN, 2 FAIL")
    p.add_argument("--json", action="store_true", help="the findings as JSON")
    p.set_defaults(func=cmd_doctor, runtime=None)
    p = sub.add_parser("install-service", help="write systemd user units: the kiosk (kiosk init before each start) "
                                               "and the night timer (backup, privacy purge, mail flush, restart)")
    p.add_argument("--dir", type=Path, help="where to write them (default: ~/.config/systemd/user)")
    p.add_argument("--print", action="store_true", help="print the units instead of writing them")
    p.set_defaults(func=cmd_install_service, runtime=None)


# --- backup and restore ---

def _content_lines(content: dict) -> list[str]:
    lines = [f"  {name:<16} {n:>8}" for name, n in content.get("counts", {}).items()]
    period = content.get("period") or {}
    if period.get("from"):
        lines.append(f"  period covered   {period['from'][:10]} … {period['to'][:10]}")
    return lines


def cmd_backup(args) -> int:
    from kiosk.runtime import open_runtime

    settings = config_mod.load(args.config)
    clock = SystemClock()
    try:
        # any schema: a database not yet upgraded (or newer than this program) is worth a copy all the same
        rt = open_runtime(args.config, read_only=True, check_schema=False)
        try:
            result = bk.create_backup(settings, rt.db, clock.now(), to=args.to)
        finally:
            rt.close()
    except (KioskError, OSError) as exc:
        # kept where `kiosk doctor` looks, so a failed night is a FAIL line in the morning
        bk.record_failure(settings, args.to, clock.now(), str(exc) or type(exc).__name__)
        raise
    print(f"backup written: {result.path} ({result.size / 1e6:.1f} MB)")
    print("\n".join(_content_lines(result.manifest)))
    for path in result.removed:
        print(f"removed by retention: {path.name}")
    return 0


def cmd_restore(args) -> int:
    from kiosk.core import db as db_mod
    from kiosk.core import restore as rs

    settings = config_mod.load(args.config)
    db = None if config_mod.sqlite_path(settings) is not None else db_mod.open_database(settings)
    try:
        result = rs.restore(settings, args.archive, SystemClock().now(), db=db)
    finally:
        if db is not None and not db.is_closed():
            db.close()
    m = result.manifest
    print(f"restored {result.archive.name} (made {m.get('created_at')} by {m.get('kiosk')}, "
          f"program {m.get('program_version')}, schema {m.get('schema_version')}):")
    print("\n".join(_content_lines(result.content)))
    if result.kept is not None:
        print(f"the state before the restore is kept in {result.kept}")
    if result.config_copy is not None:
        print(f"the archive's config differs from {settings.source.name}: saved as {result.config_copy} "
              "(yours is unchanged — compare them)")
    if result.upgrade_needed:
        print("the archive's schema is older than this program's: run `kiosk init` before starting the kiosk")
    return 0


# --- doctor ---

def gather(config_path: Path, timeout_s: float = health.CHECK_TIMEOUT_S) -> list[Finding]:
    """Every finding for the config at ``config_path`` (the config is checked first: without it, nothing else)."""
    from kiosk.runtime import Runtime, open_runtime

    try:
        settings = config_mod.load(config_path)
    except config_mod.ConfigError as exc:
        more = f" (and {len(exc.problems) - 1} more: `kiosk check-config`)" if len(exc.problems) > 1 else ""
        return [Finding("config", Level.FAIL, exc.problems[0] + more)]
    findings = [Finding("config", Level.OK, f"{settings.source}: valid")]
    clock = SystemClock()
    rt = None
    try:
        rt = open_runtime(config_path, read_only=True, check_schema=False)
    except KioskError as exc:
        findings.append(Finding("database", Level.FAIL, " ".join(str(exc).split())))
    devices = rt or Runtime(settings=settings, db=None, clock=clock)   # the printer and mailer need no database
    try:
        findings += health.run_checks(health.doctor_checks(settings, rt.db if rt else None, devices.printer,
                                                           devices.mailer, clock.now(), timeout_s,
                                                           scanner=devices.scanner, speaker=devices.speaker))
    finally:
        if rt is not None:
            rt.close()
    return findings


def cmd_doctor(args) -> int:
    findings = gather(args.config)
    level = health.worst(findings)
    if args.json:
        print(json.dumps({"level": level.name, "checks": [f.as_dict() for f in findings]}, indent=1,
                         ensure_ascii=False))
    else:
        width = max(len(f.name) for f in findings)
        for f in findings:
            print(f"{f.level.name:<4}  {f.name:<{width}}  {f.line}")
    return int(level)


# --- the kiosk's night ---

def unit_files(settings: config_mod.Settings, python: str = sys.executable) -> dict[str, str]:
    """The systemd user units (also shown in docs/deploy.md)."""
    config = settings.source
    kiosk = f"{shlex.quote(python)} -m kiosk --config {shlex.quote(str(config))}"
    workdir = config.parent.parent
    hour = settings.backup.night_hour
    return {
        f"{SERVICE}.service": f"""[Unit]
Description=PST library kiosk ({settings.kiosk.name})
After=graphical-session.target
PartOf=graphical-session.target

[Service]
WorkingDirectory={workdir}
# an upgraded kiosk migrates its database (backed up first) before it runs; a bad config stops here
ExecStartPre={kiosk} init
ExecStart={kiosk} run
Restart=always
RestartSec=3

[Install]
WantedBy=graphical-session.target
""",
        f"{SERVICE}-night.service": f"""[Unit]
Description=PST kiosk's night: backup, privacy purge, mail flush, restart

[Service]
Type=oneshot
WorkingDirectory={workdir}
# "-": one failing step does not skip the others; a failed backup is a FAIL in `kiosk doctor`
ExecStart=-{kiosk} backup
ExecStart=-{kiosk} privacy purge
ExecStart=-{kiosk} mail flush
ExecStart=/usr/bin/systemctl --user restart {SERVICE}.service
""",
        f"{SERVICE}-night.timer": f"""[Unit]
Description=PST kiosk's night at {hour:02d}:00 office time

[Timer]
OnCalendar=*-*-* {hour:02d}:00:00 {settings.office.timezone}
Persistent=true

[Install]
WantedBy=timers.target
""",
    }


def cmd_install_service(args) -> int:
    settings = config_mod.load(args.config)
    units = unit_files(settings)
    if args.print:
        for name, text in units.items():
            print(f"# --- {name} ---\n{text}")
        return 0
    folder = (args.dir or Path.home() / ".config" / "systemd" / "user").expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in units.items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
    print(f"then: systemctl --user daemon-reload && systemctl --user enable --now {SERVICE}.service "
          f"{SERVICE}-night.timer   (and `loginctl enable-linger $USER` so they run without a login)")
    night = local(SystemClock().now(), settings.office.timezone).replace(hour=settings.backup.night_hour, minute=0)
    print(f"the night runs daily at {night:%H:%M} ({settings.office.timezone})")
    return 0
