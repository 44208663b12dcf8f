"""Test set-up shared by every test.

Kivy reads its environment at import, so it is set here, before any test module imports
kivy: Python logging, no argv parsing, a throw-away KIVY_HOME, the kiosk's 1080-line metrics.

``make test`` runs the suite in parallel (pytest-xdist, one worker per core): each worker starts a
virtual screen of its own here, before Kivy opens a window. Two Kivy windows on one X screen overlap,
and the pixels a test reads back (screenshots, contrast) could then be the other worker's.
"""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def _own_virtual_screen() -> None:
    read_end, write_end = os.pipe()
    # -displayfd: Xvfb picks a free display number and writes it once it accepts connections
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1920x1920x24",
                               "-nolisten", "tcp"], pass_fds=(write_end,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number:
        raise RuntimeError(f"Xvfb for test worker {os.environ['PYTEST_XDIST_WORKER']} did not start")
    os.environ["DISPLAY"] = f":{number}"
    os.environ.pop("XAUTHORITY", None)        # xvfb-run's cookie is for its own screen
    atexit.register(server.terminate)


if os.environ.get("PYTEST_XDIST_WORKER") and shutil.which("Xvfb"):
    _own_virtual_screen()

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
