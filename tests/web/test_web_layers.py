"""The web face stays above core: pages call core and the runtime only; core never names the web stack.
Also: every text the templates translate has its Indonesian translation (extract.py reads .py and .kv only)."""
from __future__ import annotations

import ast
import re

from helpers import REPO

WEB = REPO / "kiosk" / "web"
FORBIDDEN_IN_WEB = (("kiosk", "devices"), ("peewee",), ("playhouse",), ("kiosk", "core", "models"), ("kivy",))
WEB_STACK = ("starlette", "jinja2", "uvicorn", "markupsafe", "itsdangerous", "multipart")


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            yield node.lineno, base
            yield from ((node.lineno, f"{base}.{a.name}") for a in node.names)


def test_web_pages_never_import_devices_peewee_or_the_models():
    bad = []
    for path in sorted(WEB.rglob("*.py")):
        for lineno, name in _imports(path):
            parts = tuple(name.split("."))
            if any(parts[:len(f)] == f for f in FORBIDDEN_IN_WEB):
                bad.append(f"{path.relative_to(REPO)}:{lineno} {name}")
    assert bad == []


def test_core_never_imports_the_web_stack():
    bad = []
    for path in sorted((REPO / "kiosk" / "core").rglob("*.py")):
        for lineno, name in _imports(path):
            if name.split(".")[0] in WEB_STACK or name.startswith("kiosk.web"):
                bad.append(f"{path.relative_to(REPO)}:{lineno} {name}")
    assert bad == []


def test_no_inline_script_or_style_in_templates_and_no_remote_assets():
    for path in sorted((WEB / "templates").glob("*.html")):
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), f"inline script in {path.name}"
        assert "style=" not in html and "<style" not in html, f"inline style in {path.name}"
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), f"remote asset in {path.name}"
        assert not re.search(r"\bon[a-z]+=", html), f"inline event handler in {path.name}"


def test_template_texts_are_translated():
    from kiosk.i18n.extract import catalog_msgids

    have = catalog_msgids("id")
    used = set()
    for path in sorted((WEB / "templates").glob("*.html")):
        used |= {m for m in re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', path.read_text())}
    missing = sorted(m for m in used if not have.get(m))
    assert missing == []
