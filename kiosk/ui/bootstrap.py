"""Kivy reads its settings at import time, so they are set here before anything imports kivy."""
from __future__ import annotations

import os
from pathlib import Path


def configure_kivy(*, width: int, height: int, fullscreen: bool, kivy_home: Path) -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")           # our CLI owns sys.argv
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")     # one logging setup for the whole program
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    kivy_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_HOME", str(kivy_home))
    # Layouts are drawn for 1080 px of height; other screens scale in proportion.
    os.environ.setdefault("KIVY_METRICS_DENSITY", f"{height / 1080:.4f}")
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
