"""kiosk.ui.bootstrap.tune_malloc / release_free_memory: glibc's allocator tuned at start (the
reader's big page buffers), and a no-op where there is no glibc. No kivy is imported here."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kiosk.ui import bootstrap


def test_no_glibc_means_no_op(monkeypatch):
    monkeypatch.setattr(bootstrap, "_glibc", lambda: None)
    assert bootstrap.tune_malloc() is False
    bootstrap.release_free_memory()        # does not raise


def test_other_platforms_are_left_alone(monkeypatch):
    bootstrap._glibc.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert bootstrap._glibc() is None
    finally:
        bootstrap._glibc.cache_clear()


@pytest.mark.skipif(bootstrap._glibc() is None, reason="needs glibc")
def test_big_blocks_go_back_to_the_system_after_tuning():
    # in a fresh process: a freed 2.5 MB block raises glibc's mmap threshold, so the next ones stay in
    # the heap; tuned, they are mmapped and returned when freed
    code = """
import ctypes, sys
from kiosk.ui.bootstrap import tune_malloc, release_free_memory
tuned = sys.argv[1] == "1"
if tuned:
    assert tune_malloc() is True
class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
libc.free(libc.malloc(2_500_000))
blocks = [libc.malloc(2_500_000) for _ in range(4)]
print(libc.mallinfo2().hblks >= 4)
for b in blocks:
    libc.free(b)
release_free_memory()
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}   # glibc's own defaults

    def mmapped(tuned: bool) -> str:
        return subprocess.run([sys.executable, "-c", code, "1" if tuned else "0"], capture_output=True,
                              text=True, check=True, env=env).stdout.strip()

    assert mmapped(False) == "False"     # glibc's default: the dynamic threshold kept them in the heap
    assert mmapped(True) == "True"
