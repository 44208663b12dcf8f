"""The generic half of the config: checks, the ``setting`` declaration, building typed sections from TOML
with every problem collected (file:line, key, what is allowed), and TOML text for the example file.

Nothing here knows the kiosk's keys: the schema is ``kiosk.core.config``.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.core.errors import KioskError


class ConfigError(KioskError):
    """The config file cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# --- checks: each turns a raw TOML value into the typed value or raises ValueError ---

def _shown(value: Any) -> str:
    if isinstance(value, str):
        return '"%s"' % value
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


class Check:
    def __call__(self, value: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Int(Check):
    low: int
    high: int

    def __call__(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise ValueError(f"must be an integer between {self.low} and {self.high}, got {_shown(value)}")
        return value


@dataclass(frozen=True)
class Number(Check):
    low: float
    high: float

    def __call__(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not self.low <= value <= self.high:
            raise ValueError(f"must be a number between {self.low:g} and {self.high:g}, got {_shown(value)}")
        return float(value)


class Bool(Check):
    def __call__(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, got {_shown(value)}")
        return value


@dataclass(frozen=True)
class Text(Check):
    """A string; ``pattern`` (full match) and ``choices`` narrow it, ``what`` names the form."""
    pattern: str | None = None
    choices: tuple[str, ...] | None = None
    what: str = ""
    max_len: int = 500

    def __call__(self, value: Any) -> str:
        if self.choices is not None:
            if value not in self.choices:
                allowed = " | ".join(f'"{c}"' for c in self.choices)
                raise ValueError(f"must be one of {allowed}, got {_shown(value)}")
            return value
        if not isinstance(value, str):
            raise ValueError(f"must be a text in quotes, got {_shown(value)}")
        bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Cs") and c not in "\u200c\u200d"),
                   None)
        if bad is not None:
            # an ESC or NUL here would reach the ticket printer as a command, a newline would break a
            # one-line field; zero-width joiners stay allowed (they shape Indic and Arabic names)
            raise ValueError(f"must not contain control characters (found U+{ord(bad):04X})")
        if len(value) > self.max_len:
            raise ValueError(f"must be at most {self.max_len} characters long")
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            raise ValueError(f"must be {self.what or 'of the form ' + self.pattern}, got {_shown(value)}")
        return value


class TimeZone(Check):
    def __call__(self, value: Any) -> str:
        try:
            ZoneInfo(Text()(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                'must be an IANA time zone such as "Asia/Jakarta" (WIB), "Asia/Makassar" (WITA) '
                f'or "Asia/Jayapura" (WIT), got {_shown(value)}') from None
        return value


class Colour(Check):
    def __call__(self, value: Any) -> tuple[float, float, float, float]:
        text = Text(pattern=r"#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?", what='a colour like "#0B4F8A"')(value)
        channels = [int(text[i:i + 2], 16) / 255 for i in range(1, len(text), 2)]
        return tuple(channels + [1.0] * (4 - len(channels)))  # type: ignore[return-value]


@dataclass(frozen=True)
class FilePath(Check):
    """A path (empty = none, unless ``required``); relative paths are resolved against the config file's folder."""
    required: bool = False

    def __call__(self, value: Any) -> Path | None:
        text = Text()(value)
        if not text.strip() and self.required:
            raise ValueError('must name a folder, e.g. "data" (relative to this file)')
        return Path(text).expanduser() if text else None


@dataclass(frozen=True)
class ListOf(Check):
    item: Check
    min_items: int = 0
    unique: bool = False

    def __call__(self, value: Any) -> tuple:
        if not isinstance(value, list):
            raise ValueError(f"must be a list in [brackets], got {_shown(value)}")
        if len(value) < self.min_items:
            raise ValueError(f"must list at least {self.min_items} item(s)")
        items = []
        for n, raw in enumerate(value, 1):
            try:
                items.append(self.item(raw))
            except ValueError as exc:
                raise ValueError(f"item {n}: {exc}") from None
        if self.unique and len(set(items)) != len(items):
            raise ValueError("must not list the same item twice")
        return tuple(items)


@dataclass(frozen=True)
class Tables(Check):
    """An array of tables (``[[services]]``) or of inline tables, each validated as ``cls``."""
    cls: type
    min_items: int = 0
    unique_key: str | None = None

    def __call__(self, value: Any) -> tuple:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError("must be a list of tables")
        if len(value) < self.min_items:
            raise ValueError(f"must list at least {self.min_items} item(s)")
        return tuple(value)  # each table is checked field by field by _build


def setting(default: Any, check: Check, help: str) -> Any:
    """Declare one config key: its default, its check and the help shown in the example file."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: default, metadata={"check": check, "help": help})
    return field(default=default, metadata={"check": check, "help": help})


def required(check: Check, help: str) -> Any:
    return field(metadata={"check": check, "help": help, "required": True})


# --- loading ---

class Problems:
    """Collects problems, finding each key's line in the file so staff can jump to it."""

    def __init__(self, path: Path, text: str):
        self.path, self.lines, self.items = path, text.splitlines(), []

    def line_of(self, dotted: str) -> int | None:
        """The line of ``section.key`` or ``services[3].key`` (the 3rd ``[[services]]`` table)."""
        parts = dotted.split(".")
        m = re.fullmatch(r"(\w+)\[(\d+)\]", parts[0])
        section, index = (m.group(1), int(m.group(2))) if m else (".".join(parts[:-1]), 0)
        key = parts[-1] if len(parts) > 1 else ""
        current, seen = "", 0
        for n, raw in enumerate(self.lines, 1):
            line = raw.strip()
            header = re.fullmatch(r"(\[\[?)\s*([A-Za-z0-9_.]+)\s*\]\]?", line)
            if header:
                current = header.group(2)
                if current == section:
                    seen += 1
                    if not key and (not index or seen == index):
                        return n
                continue
            if key and current == section and (not index or seen == index) \
                    and re.match(rf"{re.escape(key)}\s*=", line):
                return n
        return None

    def add(self, dotted: str, message: str) -> None:
        line = self.line_of(dotted)
        where = f"{self.path}:{line}" if line else f"{self.path}"
        self.items.append(f"{where}: {dotted}: {message}")


def build_section(cls: type, raw: dict, prefix: str, problems: Problems) -> Any:
    """One section (or one table of an array) → its settings object, or None after problems."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in known:
            near = closest(key, known)
            problems.add(f"{prefix}.{key}", "unknown key" + (f' (did you mean "{near}"?)' if near else ""))
    values, ok = {}, True
    for name, f in known.items():
        check: Check = f.metadata["check"]
        dotted = f"{prefix}.{name}"
        if name in raw:
            value = raw[name]
        elif f.metadata.get("required"):
            problems.add(dotted, "is required")
            ok = False
            continue
        else:  # defaults are written as TOML values and go through the same check
            value = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        try:
            checked = check(value)
        except ValueError as exc:
            problems.add(dotted, str(exc))
            ok = False
            continue
        if isinstance(check, Tables):
            checked = build_tables(check, checked, dotted, problems)
        values[name] = checked
    return cls(**values) if ok else None


def build_tables(check: Tables, rows: Iterable[dict], dotted: str, problems: Problems) -> tuple:
    built = tuple(build_section(check.cls, row, f"{dotted}[{n}]", problems) for n, row in enumerate(rows, 1))
    if check.unique_key:
        seen: set = set()
        for n, item in enumerate(built, 1):
            key = getattr(item, check.unique_key, None)
            if key in seen:
                problems.add(f"{dotted}[{n}].{check.unique_key}", f'"{key}" is used twice')
            seen.add(key)
    return built


def closest(key: str, known: Iterable[str]) -> str | None:
    import difflib
    hits = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    return hits[0] if hits else None


def resolve_paths(obj: Any, base: Path) -> Any:
    if not dataclasses.is_dataclass(obj):
        return obj
    changes = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, Path) and not value.is_absolute():
            changes[f.name] = (base / value).resolve()
    return dataclasses.replace(obj, **changes) if changes else obj


def toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "[\n" + "".join(f"  {toml_value(v)},\n" for v in value) + "]"
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def default_of(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
