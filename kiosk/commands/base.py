"""Set-up and running: setup, init, check-config, hash-pin, run, screenshot."""
from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
from pathlib import Path

from kiosk.core import config as config_mod
from kiosk.core import db as db_mod
from kiosk.core.errors import KioskError
from kiosk.core.staff import hash_pin
from kiosk.runtime import Runtime, initialise, open_runtime


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup", help="first run: create the config from the example if missing, then init")
    p.set_defaults(func=cmd_setup, runtime=None)
    p = sub.add_parser("init", help="create or upgrade the database schema (backs up SQLite first), "
                                    "write the lockers of the config, make the identity key")
    p.add_argument("--force", action="store_true",
                   help="accept an empty or damaged database file: a damaged one is moved aside and a new, "
                        "empty database is made (restore a backup instead when you have one)")
    p.set_defaults(func=cmd_init, runtime=None)
    p = sub.add_parser("check-config", help="validate the config file: prints OK or the problems")
    p.set_defaults(func=cmd_check_config, runtime=None)
    p = sub.add_parser("hash-pin", help="read a staff PIN (not echoed) and print its hash for the config")
    p.set_defaults(func=cmd_hash_pin, runtime=None)
    p = sub.add_parser("run", help="start the kiosk")
    # For benchmarks/startup_bench.py: print "first-frame" once the first frame is on screen, then quit.
    p.add_argument("--exit-after-first-frame", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("screenshot", help="render one screen to a PNG and exit (needs a display, e.g. Xvfb)")
    p.add_argument("screen", nargs="?", help="screen name, or NAME:STATE for one of its states (see --list)")
    p.add_argument("--out", type=Path, help="PNG or WebP file to write")
    p.add_argument("--size", type=screen_size, help="WIDTHxHEIGHT instead of the config's (e.g. 1080x1920)")
    p.add_argument("--lang", choices=("id", "en"), help="language (default: the config's)")
    p.add_argument("--list", action="store_true", help="list the screen names and their states")
    p.set_defaults(func=cmd_screenshot, runtime=None)


def example_path(config_path: Path) -> Path:
    return config_path.parent / config_mod.EXAMPLE_NAME


def cmd_setup(args) -> int:
    path: Path = args.config
    if not path.exists():
        example = example_path(path)
        if not example.exists():
            raise KioskError(f"{path}: missing, and no {example} to copy it from")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(example, path)
        # the config may come to hold the mail password and the PIN hash: owner only
        os.chmod(path, 0o600)
        print(f"created {path} from {example.name} — edit it for this office (then `kiosk check-config`)")
    rt = _init(args)
    try:
        from kiosk.commands import library_setup_hook
        library_setup_hook(rt)
    finally:
        rt.close()
    return 0


def _init(args) -> Runtime:
    rt, applied = initialise(args.config, force=getattr(args, "force", False))
    version = db_mod.current_version(rt.db)
    if applied:
        print(f"database schema upgraded to version {version} ({', '.join(applied)})")
    else:
        print(f"database schema up to date (version {version})")
    return rt


def cmd_init(args) -> int:
    _init(args).close()
    return 0


def cmd_check_config(args) -> int:
    try:
        config_mod.load(args.config)
    except config_mod.ConfigError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    print("OK")
    return 0


def cmd_hash_pin(args) -> int:
    pin = getpass.getpass("Staff PIN (6–12 digits; not a date, a run or a repeat): ")
    if getpass.getpass("Again: ") != pin:
        raise KioskError("the two PINs differ")
    print(hash_pin(pin))      # a weak PIN raises WeakPin: one line, exit 1
    print("paste it into the config as:  staff_pin_hash = \"…\"  under [kiosk]", file=sys.stderr)
    return 0


def screen_size(text: str) -> tuple[int, int]:
    from kiosk.core.form_factor import UnsupportedScreen, form_factor

    try:
        width, height = (int(n) for n in text.lower().replace("×", "x").split("x"))
        form_factor(width, height)
    except (ValueError, UnsupportedScreen) as exc:
        raise argparse.ArgumentTypeError(str(exc) if isinstance(exc, UnsupportedScreen)
                                         else f"{text!r}: WIDTHxHEIGHT, e.g. 1080x1920") from None
    return width, height


def _configure_ui(args, *, windowed: bool) -> None:
    settings = config_mod.load(args.config)
    from kiosk.ui.bootstrap import configure_kivy

    width, height = getattr(args, "size", None) or (settings.kiosk.width, settings.kiosk.height)
    configure_kivy(width=width, height=height,
                   fullscreen=settings.kiosk.fullscreen and not windowed,
                   kivy_home=settings.storage.data_dir / "kivy")


def cmd_run(args, runtime: Runtime) -> int:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("kiosk: no DISPLAY set — on a machine without a screen use `xvfb-run make run`", file=sys.stderr)
    _configure_ui(args, windowed=False)
    from kiosk.ui.app import KioskApp

    app = KioskApp(runtime)
    if args.exit_after_first_frame:
        from kivy.core.window import Window

        def first_frame(*_):
            print("first-frame", flush=True)
            app.stop()
            return True
        app.bind(on_start=lambda *_: Window.bind(on_flip=first_frame))
    app.run()
    return 0


def cmd_screenshot(args) -> int:
    _configure_ui(args, windowed=True)
    if args.list:
        from kiosk.ui.screens import discover

        for cls in discover():
            print(cls.screen_name)
            for state in cls.screenshot_states:
                print(f"{cls.screen_name}:{state}")
        return 0
    if not args.screen or not args.out:
        raise KioskError("screenshot needs SCREEN and --out FILE.png (or --list)")
    runtime = open_runtime(args.config)
    from kiosk.ui.screenshot import take_screenshot

    try:
        take_screenshot(runtime, args.screen, args.out, args.lang)
    finally:
        runtime.close()
    print(args.out)
    return 0
