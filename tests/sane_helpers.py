"""SANE's built-in ``test`` device for the scanner tests, enabled only through a private SANE_CONFIG_DIR."""
from __future__ import annotations

from pathlib import Path


def sane_test_device(folder: Path, monkeypatch, **options: str) -> Path:
    """A SANE config folder that knows only the ``test`` backend, with ``options`` in its test.conf
    (``read_status_code='"SANE_STATUS_JAMMED"'`` → ``read-status-code "SANE_STATUS_JAMMED"``).
    scanimage reads it again for every page, so a test may change it between two scans."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dll.conf").write_text("test\n")
    (folder / "test.conf").write_text("".join(f"{k.replace('_', '-')} {v}\n" for k, v in options.items()))
    monkeypatch.setenv("SANE_CONFIG_DIR", str(folder))
    return folder
