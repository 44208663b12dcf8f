"""Find every msgid in the code and the catalogs' gaps.

    python -m kiosk.i18n.extract            # lists msgids that ``id`` does not translate yet

Python files are read with Babel's extractor (keywords ``_`` and ``N_``); ``.kv`` files with a
pattern for ``_("…", app.lang)`` since Babel has no kv reader.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from kiosk.i18n import CATALOG_DIR, po_files

PACKAGE_DIR = CATALOG_DIR.parent
KEYWORDS = {"_": None, "N_": None, "NP_": (1, 2), "ngettext": (1, 2), "ngettext_for": (2, 3)}
KV_CALL = re.compile(r"""(?<![\w.])_\(\s*((?:'(?:[^'\\]|\\.)*')|(?:"(?:[^"\\]|\\.)*"))""")


def code_msgids(root: Path = PACKAGE_DIR) -> dict[str, list[str]]:
    """msgid → places it is used."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        for lineno, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=()):
            if isinstance(message, tuple):      # a plural pair: known by its singular
                message = message[0]
            if isinstance(message, str) and message:
                found.setdefault(message, []).append(f"{path.relative_to(root.parent)}:{lineno}")
    for path in sorted(root.rglob("*.kv")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in KV_CALL.finditer(line):
                found.setdefault(ast.literal_eval(m.group(1)), []).append(
                    f"{path.relative_to(root.parent)}:{lineno}")
    return found


def catalog_msgids(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in po_files(lang):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id and message.pluralizable:   # translated only when every form is
                    out[message.id[0]] = "" if not all(message.string) else "\n".join(message.string)
                elif message.id:
                    out[message.id] = message.string
    return out


def untranslated(lang: str = "id") -> dict[str, list[str]]:
    have = catalog_msgids(lang)
    return {m: where for m, where in code_msgids().items() if not have.get(m)}


if __name__ == "__main__":
    gaps = untranslated(sys.argv[1] if len(sys.argv) > 1 else "id")
    for msgid, where in gaps.items():
        print(f"{where[0]}: {msgid!r}")
    sys.exit(1 if gaps else 0)
