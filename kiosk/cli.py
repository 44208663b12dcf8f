"""``kiosk`` — the staff's command line. Each module in ``kiosk.commands`` adds its commands.

Typed errors become one line on stderr and exit code 1; ``--debug`` shows tracebacks.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from pathlib import Path

from kiosk import __version__, commands
from kiosk.core.errors import KioskError

DEFAULT_CONFIG = "config/kiosk.toml"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="PST library kiosk — staff commands (Perintah petugas kios PST).")
    parser.add_argument("--config", type=Path, default=Path(os.environ.get("KIOSK_CONFIG", DEFAULT_CONFIG)),
                        help=f"config file (default: $KIOSK_CONFIG or {DEFAULT_CONFIG})")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("--version", action="version", version=f"pst-kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        importlib.import_module(f"{commands.__name__}.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG)
    try:
        return int(args.func(args) or 0)
    except KioskError as exc:
        if args.debug:
            raise
        print(f"kiosk: {exc}" if "\n" not in str(exc) else str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kiosk: interrupted", file=sys.stderr)
        return 130
