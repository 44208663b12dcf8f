from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from web_helpers import add_staff  # noqa: E402


@pytest.fixture
def web_rt(runtime):
    """The test runtime with a desk account (budi) and an admin (ani)."""
    add_staff(runtime, "budi", "desk")
    add_staff(runtime, "ani", "admin")
    return runtime
