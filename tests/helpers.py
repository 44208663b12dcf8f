"""Helpers for tests: a config in a temp folder, a migrated runtime on a SQLite file there."""
from __future__ import annotations

from pathlib import Path

from kiosk.core.clock import Clock, FakeClock
from kiosk.runtime import Runtime, open_runtime

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config" / "kiosk.example.toml"


def write_config(folder: Path, extra: str = "", replace: dict[str, str] | None = None) -> Path:
    """The example config, with ``replace`` applied (exact line → new line) and ``extra`` appended.

    Paths are made to point inside ``folder`` so a test never touches the repository's data."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('logo = "../assets/logo.png"', f'logo = "{REPO / "assets" / "logo.png"}"')
    for old, new in (replace or {}).items():
        assert old in text, f"not in the example config: {old!r}"
        text = text.replace(old, new)
    path = folder / "kiosk.toml"
    path.write_text(text + ("\n" + extra if extra else ""), encoding="utf-8")
    return path


def make_runtime(folder: Path, clock: Clock | None = None, extra: str = "",
                 replace: dict[str, str] | None = None) -> Runtime:
    path = write_config(folder, extra=extra, replace=replace)
    return open_runtime(path, clock=clock or FakeClock())
