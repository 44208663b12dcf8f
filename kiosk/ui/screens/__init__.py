"""One module per step of a visit, each with its ``.kv`` beside it.

A module here that defines a ``KioskScreen`` subclass with a ``screen_name`` is a screen of the
kiosk: the app builds it, ``kiosk screenshot --list`` lists it, journeys and steps can go to it.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys

from kiosk.ui.screens.base import KioskScreen


def discover() -> list[type[KioskScreen]]:
    found: list[type[KioskScreen]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, KioskScreen) and obj.__module__ == module.__name__
                    and obj.screen_name):
                found.append(obj)
    return found


def module_file(cls: type) -> str:
    return sys.modules[cls.__module__].__file__ or ""
