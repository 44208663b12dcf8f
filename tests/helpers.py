"""Helpers for tests: a config in a temp folder, a migrated runtime on a SQLite file there."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Callable, Iterable

from kiosk.core.clock import Clock, FakeClock
from kiosk.runtime import Runtime, initialise

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config" / "kiosk.example.toml"


def write_config(folder: Path, extra: str = "", replace: dict[str, str] | None = None) -> Path:
    """The example config, with ``replace`` applied (exact line → new line) and ``extra`` appended.

    Paths are made to point inside ``folder`` so a test never touches the repository's data."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('logo = "../assets/logo.png"', f'logo = "{REPO / "assets" / "logo.png"}"')
    # the real player, into ALSA's null device: tests run aplay for real and never make a sound on the machine
    text = text.replace('device = "default"', 'device = "null"')
    for old, new in (replace or {}).items():
        assert old in text, f"not in the example config: {old!r}"
        text = text.replace(old, new)
    path = folder / "kiosk.toml"
    path.write_text(text + ("\n" + extra if extra else ""), encoding="utf-8")
    return path


def make_runtime(folder: Path, clock: Clock | None = None, extra: str = "",
                 replace: dict[str, str] | None = None) -> Runtime:
    """A runtime on a fresh database, made as `kiosk init` makes it."""
    path = write_config(folder, extra=extra, replace=replace)
    rt, _ = initialise(path, clock=clock or FakeClock())
    return rt


def kiosks_at_once(db, work: Callable[[str], None], kiosks: Iterable[str]) -> None:
    """``work(kiosk)`` for every kiosk name, each in its own thread and all at once, as several kiosks on
    one database would run (peewee gives each thread its own connection, closed when it is done).
    The first error in any of them is raised here."""
    errors: list[BaseException] = []

    def kiosk(name: str) -> None:
        try:
            work(name)
        except BaseException as exc:   # noqa: BLE001  (raised again below, in the test's thread)
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=kiosk, args=(name,)) for name in kiosks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a kiosk thread did not finish within 60 s"
    if errors:
        raise errors[0]


@contextlib.contextmanager
def tmpfs(where: Path, size: str):
    """A real small disk (tmpfs) mounted at ``where`` for the test: full and read-only disks are met for
    real. Root only (CI runs as root); elsewhere the test is skipped with the reason."""
    import pytest

    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs (CI runs as root)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
