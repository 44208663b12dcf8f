"""The core is plain Python: it must import and work with kivy impossible to import."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from helpers import REPO

BLOCKER = textwrap.dedent("""
    import importlib.abc, sys

    class NoKivy(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "kivy" or name.startswith("kivy."):
                raise ImportError(f"kiosk.core must not import kivy (tried {name})")
            return None

    sys.meta_path.insert(0, NoKivy())
""")


def test_core_devices_and_cli_import_without_kivy():
    code = BLOCKER + textwrap.dedent("""
        import importlib, pkgutil
        import kiosk.core, kiosk.devices, kiosk.commands
        for pkg in (kiosk.core, kiosk.devices, kiosk.commands):
            for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
                importlib.import_module(info.name)
        import kiosk.cli
        kiosk.cli.build_parser()
        assert "kivy" not in sys.modules
        print("clean")
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "clean"


def test_the_blocker_really_blocks():
    run = subprocess.run([sys.executable, "-c", BLOCKER + "import kivy.app"], capture_output=True, text=True)
    assert run.returncode != 0 and "must not import kivy" in run.stderr


def test_core_never_names_the_devices_or_the_ui():
    # core talks to printers and mail servers through kiosk.core.ports only (devices → core, never back):
    # read every import in core, also the ones inside functions and under TYPE_CHECKING
    import ast

    offenders = []
    for path in sorted((REPO / "kiosk" / "core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(REPO)}:{node.lineno} {n}" for n in names
                          if n.split(".")[:2] in (["kiosk", "devices"], ["kiosk", "ui"]) or n.split(".")[0] == "kivy"]
    assert offenders == []


def test_the_running_kiosk_does_not_load_the_pdf_writers(tmp_path):
    # Stamping (pikepdf; pypdf loads cryptography) and drawing reports (reportlab) happen in a worker
    # when asked for, or in the CLI: imported at start, they cost a reading kiosk ~10 MB for nothing
    # (benchmarks/render_bench.py, goal ≤ 250 MB). Every screen's module is imported here.
    code = textwrap.dedent("""
        import sys
        from kiosk.ui import app, screens
        screens.discover()
        heavy = sorted(m for m in ("pypdf", "pikepdf", "cryptography", "reportlab") if m in sys.modules)
        print("loaded:", heavy)
    """)
    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "loaded: []"
