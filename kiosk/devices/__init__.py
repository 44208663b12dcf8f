"""The outside world (printer, mail), each kind behind one small interface chosen by config.

Importing any ``kiosk.devices`` module first points python-escpos at a fixed cache folder for its
parsed printer database (ESCPOS_CAPABILITIES_PICKLE_DIR, read once when escpos is imported);
without it the library re-parses the database into a new temp folder at every start (~120 ms).

python-escpos writes that cache in place (open "wb", then dump), so a second process importing
escpos at the same moment can read a half-written file and die with EOFError — seen in CI with
four locker processes starting at once. We therefore publish the cache ourselves, atomically
(write aside, then ``os.replace``), before any kiosk process lets escpos near the shared folder.
"""
from __future__ import annotations

import os
import pickle
import platform
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

_VAR = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def escpos_cache_dir() -> Path:
    """$ESCPOS_CAPABILITIES_PICKLE_DIR if set, else ~/.cache/pst-kiosk/escpos (or a per-user temp
    folder when the home folder is read-only); created, and put in the environment."""
    chosen = os.environ.get(_VAR)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    for folder in ([Path(chosen)] if chosen else []) + [Path(base) / "pst-kiosk" / "escpos",
                                                        Path(tempfile.gettempdir()) / f"pst-kiosk-escpos-{os.getuid()}"]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                os.environ[_VAR] = str(folder)
                return folder
        except OSError:
            continue
    raise OSError("no writable folder for the python-escpos capabilities cache")


def _capabilities_cache_is_fresh(pickle_path: Path) -> bool:
    # python-escpos rebuilds its cache when the bundled database is newer: same rule here
    try:
        source = Path(str(resources.files("escpos") / "capabilities.json"))
        return pickle_path.stat().st_size > 0 and pickle_path.stat().st_mtime >= source.stat().st_mtime
    except OSError:
        return False


def publish_capabilities_cache(folder: Path) -> Path:
    """Make sure ``folder`` holds a complete escpos capabilities cache, written atomically."""
    pickle_path = folder / f"{platform.python_version()}.capabilities.pickle"
    if _capabilities_cache_is_fresh(pickle_path):
        return pickle_path
    private = tempfile.mkdtemp(prefix="build-", dir=folder)
    try:
        if "escpos.capabilities" not in sys.modules:
            # let escpos parse its database into a folder nobody else reads
            os.environ[_VAR] = private
        from escpos import capabilities
        fd, tmp = tempfile.mkstemp(prefix=".capabilities-", dir=folder)
        with os.fdopen(fd, "wb") as out:
            pickle.dump(capabilities.CAPABILITIES, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, pickle_path)
    finally:
        os.environ[_VAR] = str(folder)
        shutil.rmtree(private, ignore_errors=True)
    return pickle_path


publish_capabilities_cache(escpos_cache_dir())
