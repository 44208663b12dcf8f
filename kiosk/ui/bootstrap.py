"""Kivy reads its settings at import time, so they are set here before anything imports kivy.
Also the C allocator's tuning (``tune_malloc``), done once at start before kivy allocates much."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import sys
from pathlib import Path

from kiosk.core.form_factor import form_factor

log = logging.getLogger(__name__)

# glibc mallopt(3) parameters
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
MMAP_THRESHOLD = 128 * 1024     # glibc's default, but fixed (see tune_malloc)
TRIM_THRESHOLD = 1024 * 1024
ARENA_MAX = 2                   # the UI thread + the worker threads; the default is 8 per CPU core


@functools.cache
def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.mallopt.restype = ctypes.c_int
        libc.malloc_trim.argtypes = (ctypes.c_size_t,)
        libc.malloc_trim.restype = ctypes.c_int
        libc.gnu_get_libc_version       # noqa: B018  (musl & co. have no such symbol: not glibc)
    except (OSError, AttributeError):
        return None
    return libc


def tune_malloc() -> bool:
    """Keep the reader's big, short-lived buffers from bloating the process (glibc only; a no-op
    elsewhere; returns whether it applied).

    A rendered page is ~2.5 MB of RGB and, under software GL (Mesa llvmpipe), its texture ~3.3 MB
    of process memory. glibc serves such blocks with mmap at first, but every free of one raises
    its mmap threshold (up to 32 MB), so later pages land in the heaps and arenas, where the holes
    they leave are kept: +40 MB of RSS over the first pages read (benchmarks/render_bench.py).
    Setting the threshold fixes it (big blocks go straight back to the system when freed); fewer
    arenas keep the worker threads from each holding their own free memory.
    """
    libc = _glibc()
    if libc is None:
        return False
    ok = all(libc.mallopt(param, value) == 1 for param, value in (
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_ARENA_MAX, ARENA_MAX)))
    if not ok:
        log.warning("mallopt refused a setting; the C allocator keeps its defaults for it")
    return ok


def release_free_memory() -> None:
    """Give the allocator's free pages back to the system (glibc ``malloc_trim``; a no-op elsewhere).
    Some milliseconds: for moments like leaving the reader, not for every frame."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def configure_kivy(*, width: int, height: int, fullscreen: bool, kivy_home: Path) -> None:
    tune_malloc()
    os.environ.setdefault("KIVY_NO_ARGS", "1")           # our CLI owns sys.argv
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")     # one logging setup for the whole program
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_HOME", str(kivy_home))
    # One dp is the same few tenths of a millimetre on every supported screen (kiosk.core.form_factor)
    os.environ.setdefault("KIVY_METRICS_DENSITY", f"{form_factor(width, height).density:.4f}")
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")        # our own on-screen keyboard is in the layout
    Config.set("kivy", "window_icon", "")
    Config.set("input", "mouse", "mouse,disable_multitouch")  # no red multitouch dots on right click
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    # Kivy asks for 2× MSAA by default; under software GL (Mesa llvmpipe) that is two 4-sample buffers of
    # the screen in process memory (~64 MB RSS at 1920×1080), for a flat UI that needs no multisampling
    Config.set("graphics", "multisamples", "0")
