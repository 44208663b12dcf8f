"""``kiosk`` — the staff's command line. Each module in ``kiosk.commands`` adds its commands.

``main`` does, once for every command: parse, load the config, set up logging, open the runtime (the
kind the command asked for), call the command with it, close it. Every failure ends here as ONE line
on stderr and exit code 1 (typed errors say what to do; anything else names its type and the log
file); the traceback goes to the log, and to the terminal only with ``--debug``.

A command declares what it needs when it registers (``set_defaults(runtime=…)``):

* ``"write"`` (the default) — the database opened for reading and writing, schema checked;
* ``"read"``  — it only reads: works on a read-only disk too;
* ``None``    — no runtime (``setup``, ``init``, ``check-config``, ``hash-pin`` open what they need).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path

from kiosk import __version__, commands
from kiosk.core.errors import KioskError

DEFAULT_CONFIG = "config/kiosk.toml"
EXIT_BROKEN_PIPE = 141          # what a shell reports for a program ended by SIGPIPE (`kiosk … | head`)

log = logging.getLogger("kiosk.cli")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given ``argv``, only the module of the command named there is loaded (a staff
    command's whole process is mostly imports: the others cost it ~0.2 s for nothing)."""
    parser = argparse.ArgumentParser(
        prog="kiosk", description="PST library kiosk — staff commands (Perintah petugas kios PST).")
    parser.add_argument("--config", type=Path, default=Path(os.environ.get("KIOSK_CONFIG", DEFAULT_CONFIG)),
                        help=f"config file (default: $KIOSK_CONFIG or {DEFAULT_CONFIG})")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("--version", action="version", version=f"pst-kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    wanted = _command_module(argv) if argv is not None else None
    names = [wanted] if wanted else sorted(set(commands.WHERE.values()))
    for name in names:
        importlib.import_module(f"{commands.__name__}.{name}").register(sub)
    return parser


def _command_module(argv: list[str]) -> str | None:
    """The module registering the first word of ``argv`` that is a command (options before it are the
    global ones: --config FILE, --debug); None when unsure — then every module is loaded."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return commands.WHERE.get(word)
    return None


def _setup_logging(args):
    """Once, for every command: the rotating file in the data folder gets the configured level;
    stderr gets errors only (a staff command prints its own one line) or everything (``kiosk run``
    under journald, ``--debug``).
    Without a readable config, stderr only. Returns the log file and the settings (loaded once)."""
    from kiosk.core import config as config_mod
    from kiosk.core.logs import setup_logging

    level = "DEBUG" if args.debug else None
    try:
        settings = config_mod.load(args.config)
    except KioskError:
        setup_logging(None, level or "WARNING", to_stderr=True)
        return None, None
    stderr_level = "DEBUG" if args.debug else (settings.storage.log_level if args.command == "run" else "ERROR")
    try:
        return setup_logging(settings.storage.data_dir, level or settings.storage.log_level,
                             stderr_level=stderr_level), settings
    except OSError:
        # a read-only or missing data folder must not stop a read-only command: log to stderr only
        setup_logging(None, level or settings.storage.log_level, stderr_level=stderr_level)
        return None, settings


def _run(args, settings) -> int:
    need = getattr(args, "runtime", "write")
    if need is None:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    from kiosk.runtime import open_runtime

    rt = open_runtime(settings if settings is not None else args.config, read_only=(need == "read"))
    try:
        code = int(args.func(args, rt) or 0)
        # a pipe closed by its reader shows at the flush: let it happen here, where it is handled
        sys.stdout.flush()
        return code
    finally:
        rt.close()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    log_file, settings = _setup_logging(args)
    try:
        return _run(args, settings)
    except KioskError as exc:
        if args.debug:
            raise
        log.info("%s failed: %s", args.command, exc)
        text = str(exc) or type(exc).__name__
        print(f"kiosk: {text}" if "\n" not in text else text, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kiosk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`kiosk visits list | head`): nothing to tell anyone. Python would
        # complain once more at exit while flushing stdout, so point it at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if args.debug:
            raise
        log.exception("%s failed", args.command)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"kiosk: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:   # noqa: BLE001 — the last boundary: one line, the traceback in the log
        if args.debug:
            raise
        log.exception("%s failed unexpectedly", args.command)
        where = f" (details in {log_file})" if log_file else ""
        print(f"kiosk: unexpected error: {type(exc).__name__}: {exc}{where}; run with --debug for the traceback",
              file=sys.stderr)
        return 1
