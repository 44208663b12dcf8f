"""python-escpos's parsed printer database, cached in one fixed folder and published atomically.

python-escpos reads ESCPOS_CAPABILITIES_PICKLE_DIR once, when ``escpos.capabilities`` is imported;
without it the library re-parses its printer database into a new temp folder at every start
(~120 ms). It also writes that cache in place (open "wb", then dump), so a second process importing
escpos at the same moment could read a half-written file and die with EOFError — seen in CI with
four locker processes starting at once. So the cache is published here, atomically (built in a
private folder, written aside, then ``os.replace``), before escpos is imported against the shared
folder. Nothing happens at import of ``kiosk.devices``: the printer calls :func:`load_escpos` at its
first use, so a process that never prints (mail, reports) never pays for escpos.
"""
from __future__ import annotations

import os
import pickle
import platform
import shutil
import sys
import tempfile
import threading
from importlib import resources
from pathlib import Path

_VAR = "ESCPOS_CAPABILITIES_PICKLE_DIR"
_loaded = False
_lock = threading.Lock()      # the kiosk's worker and UI threads may both reach the printer first


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


def _is_fresh(pickle_path: Path) -> bool:
    # python-escpos rebuilds its cache when the bundled database is newer: same rule here
    try:
        source = Path(str(resources.files("escpos") / "capabilities.json"))
        return pickle_path.stat().st_size > 0 and pickle_path.stat().st_mtime >= source.stat().st_mtime
    except OSError:
        return False


def publish_capabilities_cache(folder: Path) -> Path:
    """Make sure ``folder`` holds a complete escpos capabilities cache, written atomically."""
    pickle_path = folder / f"{platform.python_version()}.capabilities.pickle"
    if _is_fresh(pickle_path):
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


def load_escpos() -> None:
    """Publish the cache, then import ``escpos.capabilities`` from it; once per process."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if not _loaded:
            publish_capabilities_cache(escpos_cache_dir())
            import escpos.capabilities  # noqa: F401  (unpickles the printer database just published)
            _loaded = True
