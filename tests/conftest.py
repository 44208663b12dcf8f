"""Test set-up shared by every test.

Kivy reads its environment at import, so it is set here, before any test module imports
kivy: Python logging, no argv parsing, a throw-away KIVY_HOME, the kiosk's 1080-line metrics.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

_KIVY_HOME = tempfile.mkdtemp(prefix="kiosk-test-kivy-")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_LOG_MODE"] = "PYTHON"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_HOME"] = _KIVY_HOME
os.environ["KIVY_METRICS_DENSITY"] = "1"

sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402

from kiosk.core.clock import FakeClock  # noqa: E402
from helpers import make_runtime, write_config  # noqa: E402


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def runtime(tmp_path: Path, clock: FakeClock):
    rt = make_runtime(tmp_path, clock=clock)
    yield rt
    rt.close()
