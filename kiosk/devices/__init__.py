"""The outside world (printer, mail), each kind behind one small interface chosen by config.

Importing any ``kiosk.devices`` module first points python-escpos at a fixed cache folder for its
parsed printer database (ESCPOS_CAPABILITIES_PICKLE_DIR, read once when escpos is imported);
without it the library re-parses the database into a new temp folder at every start (~120 ms).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def escpos_cache_dir() -> Path:
    """$ESCPOS_CAPABILITIES_PICKLE_DIR if set, else ~/.cache/pst-kiosk/escpos (or a per-user temp
    folder when the home folder is read-only); created, and put in the environment."""
    chosen = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    for folder in ([Path(chosen)] if chosen else []) + [Path(base) / "pst-kiosk" / "escpos",
                                                        Path(tempfile.gettempdir()) / f"pst-kiosk-escpos-{os.getuid()}"]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)
                return folder
        except OSError:
            continue
    raise OSError("no writable folder for the python-escpos capabilities cache")


escpos_cache_dir()
