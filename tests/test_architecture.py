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


ABOVE_CORE = ("kiosk.devices", "kiosk.ui", "kiosk.documents", "kiosk.web", "kiosk.commands", "kiosk.runtime",
              "kiosk.cli", "kivy", "starlette", "jinja2", "uvicorn")


def _above_core(name: str) -> bool:
    return any(name == top or name.startswith(top + ".") for top in ABOVE_CORE)


def test_core_never_names_the_devices_or_the_ui():
    # core talks to printers and mail servers through kiosk.core.ports only (devices → core, never back):
    # read every import in core, also the ones inside functions and under TYPE_CHECKING
    import ast

    offenders = []
    for path in sorted((REPO / "kiosk" / "core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(REPO)}:{node.lineno} {n}" for n in names if _above_core(n)]
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


# --- the layers, read from every import (also inside functions and under TYPE_CHECKING) ---

def _imports(folder: str):
    import ast

    for path in sorted((REPO / "kiosk" / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                yield f"{path.relative_to(REPO)}:{node.lineno}", name


def test_faces_reach_devices_and_storage_only_through_the_runtime_and_core():
    # ui/ and commands/ (and the web pages) ask core and the runtime; the runtime owns every device, and the
    # database layer turns driver errors into typed ones — so no face imports kiosk.devices, peewee or a model
    banned = (("kiosk", "devices"), ("peewee",), ("playhouse",), ("kiosk", "core", "models"))
    offenders = [f"{where} {name}" for folder in ("ui", "commands", "web") for where, name in _imports(folder)
                 if any(tuple(name.split(".")[:len(b)]) == b for b in banned)]
    assert offenders == []


def test_no_module_is_longer_than_450_lines():
    long = {str(p.relative_to(REPO)): n for p in (REPO / "kiosk").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 450}
    assert long == {}


def test_no_import_cycle_between_kiosk_modules():
    # every import, also those inside functions: a lazy import hides a cycle from Python, not from the reader
    import ast

    graph: dict[str, set[str]] = {}
    for path in (REPO / "kiosk").rglob("*.py"):
        mod = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        deps = graph.setdefault(mod, set())
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("kiosk"):
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("kiosk"))
    for mod in graph:
        graph[mod] = {d for d in graph[mod] if d in graph and d != mod}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(mod: str, stack: list[str]) -> bool:
        state[mod] = 1
        for dep in sorted(graph[mod]):
            if state.get(dep) == 1:
                cycle.extend(stack[stack.index(dep):] + [mod, dep] if dep in stack else [mod, dep])
                return True
            if dep not in state and visit(dep, stack + [mod]):
                return True
        state[mod] = 2
        return False

    for mod in sorted(graph):
        if mod not in state and visit(mod, []):
            break
    # a package importing its own submodule from __init__ is not a cycle of layers
    assert not cycle or all(c.startswith(cycle[0]) for c in cycle), " -> ".join(cycle)


def test_test_modules_never_import_each_other():
    # shared helpers live in helpers.py, pdf_helpers.py, fake_printer.py … — a test module that imports
    # another runs that module's tests' set-up and ties the two together
    offenders = []
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        for line_no, line in enumerate(path.read_text().splitlines(), 1):
            words = line.split()
            if words[:1] in (["from"], ["import"]) and len(words) > 1 and \
                    words[1].split(".")[-1].startswith("test_"):
                offenders.append(f"{path.relative_to(REPO)}:{line_no} {line.strip()}")
    assert offenders == []
