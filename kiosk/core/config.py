"""The kiosk's one config file: schema, validation and typed settings.

Every key is a dataclass field whose metadata holds its check and its help text, so the
schema, the typed getters and the validation come from one table (pibooth's lesson).
Validation collects *all* errors, each naming the file, the line, the key and what is
allowed, and the kiosk refuses to start with any of them.
"""
from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# the generic machinery lives in configkit; the names stay importable from here
from kiosk.core.configkit import (Bool, Check, Colour, ConfigError, FilePath, Int, ListOf, Number,  # noqa: F401
                                  Problems, Tables, Text, TimeZone, build_section, build_tables, closest,
                                  default_of, required, resolve_paths, setting, toml_value)
from kiosk.core.config_notes import SECTION_NOTES
from kiosk.core.config_online import OnlineSettings
from kiosk.core.config_scanner import ScannerSettings
from kiosk.core.config_sound import SoundSettings
from kiosk.core.config_web import WebSettings
from kiosk.core.contrast import theme_problems
from kiosk.core.form_factor import size_problem

EXAMPLE_NAME = "kiosk.example.toml"


# --- the schema ---

@dataclass(frozen=True)
class OfficeSettings:
    name: str = setting("BPS Kota Contoh", Text(), "Office name shown on every screen and ticket")
    address: str = setting("Jl. Contoh No. 1, Kota Contoh", Text(), "Street address, printed on tickets")
    timezone: str = setting("Asia/Jakarta", TimeZone(),
                            "IANA zone: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)")
    logo: Path | None = setting("../assets/logo.png", FilePath(), "Logo image (PNG), relative to this file")
    phone: str = setting("", Text(), "Office phone shown to visitors")
    email: str = setting("", Text(), "Office e-mail shown to visitors")
    website: str = setting("", Text(), "Office website shown to visitors")


@dataclass(frozen=True)
class ThemeSettings:
    primary: tuple = setting("#0B4F8A", Colour(), "Main colour: headers, main buttons")
    accent: tuple = setting("#B45309", Colour(), "Accent colour: highlights, the queue number (text: keep it dark)")
    success: tuple = setting("#1E7B46", Colour(), "Colour for confirmations")
    danger: tuple = setting("#C0392B", Colour(), "Colour for errors and warnings")
    background: tuple = setting("#F3F6FA", Colour(), "Screen background")
    surface: tuple = setting("#FFFFFF", Colour(), "Cards and fields")
    text: tuple = setting("#1B2733", Colour(), "Body text")
    border: tuple = setting("#6B7785", Colour(), "Edges of fields, choices and light buttons (3:1 against the screen)")


ROLES = ("lobby", "library")


@dataclass(frozen=True)
class KioskSettings:
    name: str = setting("kiosk-1", Text(pattern=r"[A-Za-z0-9_.-]{1,40}", what="letters, digits, - _ . (max 40)"),
                        "This kiosk's name, stored with every record it makes")
    language: str = setting("id", Text(choices=("id", "en")), "Default language of the screens: id | en")
    fullscreen: bool = setting(False, Bool(), "true on the lobby kiosk: fullscreen, no borders; false = a window (set-up, testing)")
    width: int = setting(1920, Int(640, 7680),
                         "Screen width in pixels; the layouts fit 16:9 from 1366x768 and 9:16 from 1080x1920")
    height: int = setting(1080, Int(480, 4320), "Screen height in pixels")
    idle_timeout_s: int = setting(120, Int(15, 3600),
                                  "Seconds without a touch before asking \"Masih di sana?\"")
    idle_warning_s: int = setting(20, Int(5, 120),
                                  "Seconds the \"Masih di sana?\" countdown lasts before the screen is wiped")
    failsafe_return_s: int = setting(20, Int(5, 600),
                                     "Seconds the error screen stays before returning to the welcome screen")
    done_return_s: int = setting(15, Int(5, 120),
                                 "Seconds a finished step (thanks, ticket, reference) stays before returning to "
                                 "the start, with a countdown")
    staff_pin_hash: str = setting("", Text(pattern=r"(scrypt\$\d+\$\d+\$\d+\$[0-9a-f]{32}\$[0-9a-f]{64})?",
                                           what="a hash made by `kiosk hash-pin` (or empty)"),
                                  "Staff PIN hash from `kiosk hash-pin`; empty = staff panel locked")
    roles: tuple = setting(["lobby", "library"], ListOf(Text(choices=ROLES), min_items=1, unique=True),
                           "Journeys this kiosk offers: \"lobby\" (queue, guestbook, locker, survey), \"library\"")


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = setting("sqlite:///data/kiosk.db",
                       Text(pattern=r"(sqlite:///.+|sqlite:///:memory:|postgres(ql)?://.+)",
                            what="sqlite:///PATH or postgresql://user:password@host:port/dbname"),
                       "sqlite:///data/kiosk.db (relative to this file) or postgresql://user:pw@host/db")


@dataclass(frozen=True)
class StorageSettings:
    data_dir: Path | None = setting("data", FilePath(required=True), "Folder for logs, backups, keys and outbox files")
    log_level: str = setting("INFO", Text(choices=("DEBUG", "INFO", "WARNING", "ERROR")), "Log level")


PRINTER_KINDS = ("dummy", "network", "usb", "serial", "file", "cups", "none")


@dataclass(frozen=True)
class PrinterSettings:
    kind: str = setting("dummy", Text(choices=PRINTER_KINDS),
                        "dummy (writes .bin + .png to folder) | network | usb | serial | file | cups | none")
    host: str = setting("", Text(), "network: printer IP address or host name")
    port: int = setting(9100, Int(1, 65535), "network: TCP port (raw printing is 9100)")
    timeout_s: float = setting(5.0, Number(0.5, 60), "Seconds to wait for the printer before giving up")
    status_check: bool = setting(True, Bool(),
                                 "network / usb / serial: ask the printer for online + paper before and after "
                                 "each ticket (false only for a forwarder that never answers)")
    usb_vendor: str = setting("", Text(pattern=r"(0x[0-9a-fA-F]{4})?", what='a hex id like "0x04b8"'),
                              "usb: vendor id, e.g. \"0x04b8\"")
    usb_product: str = setting("", Text(pattern=r"(0x[0-9a-fA-F]{4})?", what='a hex id like "0x0202"'),
                               "usb: product id, e.g. \"0x0202\"")
    device: str = setting("", Text(), "serial / file: device path, e.g. /dev/ttyUSB0 or /dev/usb/lp0")
    baudrate: int = setting(9600, Int(1200, 921600), "serial: baud rate")
    cups_printer: str = setting("", Text(), "cups: printer name as CUPS knows it")
    profile: str = setting("default", Text(), "python-escpos printer profile, e.g. TM-T88V (\"default\" if unsure)")
    paper_width_mm: int = setting(80, Int(58, 80), "Paper width: 58 or 80")
    folder: Path | None = setting("data/printer", FilePath(required=True), "dummy: folder for each ticket's bytes and preview")


@dataclass(frozen=True)
class ServiceSettings:
    code: str = required(Text(pattern=r"[A-Z]", what="one capital letter"), "Service code used on the CLI")
    prefix: str = required(Text(pattern=r"[A-Z]{1,2}", what="one or two capital letters"), "Ticket prefix")
    name_id: str = required(Text(), "Service name in Indonesian")
    name_en: str = required(Text(), "Service name in English")
    counter: str = setting("", Text(), "Counter / desk that serves it (optional)")


DEFAULT_SERVICES = [
    {"code": "A", "prefix": "A", "name_id": "Perpustakaan", "name_en": "Library", "counter": "1"},
    {"code": "B", "prefix": "B", "name_id": "Konsultasi Statistik", "name_en": "Statistical Consultation",
     "counter": "2"},
    {"code": "C", "prefix": "C", "name_id": "Penjualan Produk Statistik", "name_en": "Statistical Product Sales",
     "counter": "3"},
    {"code": "D", "prefix": "D", "name_id": "Rekomendasi Kegiatan Statistik",
     "name_en": "Statistical Activity Recommendation", "counter": "4"},
]


@dataclass(frozen=True)
class QueueSettings:
    service_standard_min: int = setting(5, Int(1, 240),
                                        "Service standard: minutes from guestbook to being called")


@dataclass(frozen=True)
class Choice:
    code: str = required(Text(pattern=r"[a-z0-9_]{1,30}", what="lower-case letters, digits, _"),
                         "Stored code (do not change once used)")
    id: str = required(Text(), "Label in Indonesian")
    en: str = required(Text(), "Label in English")


def _choices(*rows: tuple[str, str, str]) -> list[dict]:
    return [{"code": c, "id": i, "en": e} for c, i, e in rows]


@dataclass(frozen=True)
class GuestbookSettings:
    genders: tuple = setting(_choices(("l", "Laki-laki", "Male"), ("p", "Perempuan", "Female")),
                             Tables(Choice, min_items=1, unique_key="code"), "Gender choices")
    age_groups: tuple = setting(_choices(
        ("u20", "< 20 tahun", "under 20"), ("20_29", "20–29 tahun", "20–29"), ("30_39", "30–39 tahun", "30–39"),
        ("40_49", "40–49 tahun", "40–49"), ("50_59", "50–59 tahun", "50–59"), ("60p", "≥ 60 tahun", "60 and over")),
        Tables(Choice, min_items=1, unique_key="code"), "Age groups")
    educations: tuple = setting(_choices(
        ("sd", "SD ke bawah", "Primary or less"), ("smp", "SMP", "Junior high"), ("sma", "SMA/SMK", "Senior high"),
        ("d123", "D1/D2/D3", "Diploma"), ("s1", "D4/S1", "Bachelor"), ("s2", "S2", "Master"),
        ("s3", "S3", "Doctorate")),
        Tables(Choice, min_items=1, unique_key="code"), "Highest education")
    occupations: tuple = setting(_choices(
        ("pelajar", "Pelajar/Mahasiswa", "Student"), ("pns", "PNS/TNI/Polri", "Civil servant/military/police"),
        ("swasta", "Pegawai swasta", "Private employee"), ("wirausaha", "Wiraswasta", "Self-employed"),
        ("peneliti", "Peneliti/Dosen", "Researcher/Lecturer"), ("lainnya", "Lainnya", "Other")),
        Tables(Choice, min_items=1, unique_key="code"), "Occupations")
    institution_types: tuple = setting(_choices(
        ("pemerintah", "Instansi pemerintah", "Government"), ("universitas", "Perguruan tinggi", "University"),
        ("swasta", "Swasta", "Private company"), ("sekolah", "Sekolah", "School"),
        ("internasional", "Lembaga internasional", "International organisation"),
        ("perorangan", "Perorangan", "Individual"), ("lainnya", "Lainnya", "Other")),
        Tables(Choice, min_items=1, unique_key="code"), "Institution types")
    purposes: tuple = setting(_choices(
        ("tugas_sekolah", "Tugas sekolah/kuliah", "School or university assignment"),
        ("skripsi", "Skripsi/tesis/disertasi", "Thesis"), ("penelitian", "Penelitian", "Research"),
        ("perencanaan", "Perencanaan pemerintah", "Government planning"), ("bisnis", "Bisnis", "Business"),
        ("pribadi", "Keperluan pribadi", "Personal"), ("lainnya", "Lainnya", "Other")),
        Tables(Choice, min_items=1, unique_key="code"), "Purpose of the visit / intended use of the data")


@dataclass(frozen=True)
class PrivacySettings:
    retention_days: int = setting(365, Int(30, 3650),
                                  "Days personal data is kept before `kiosk privacy purge` anonymises it")
    notice_version: str = setting("2026-1", Text(), "Version of the privacy notice; change it when the text changes")
    contact: str = setting("", Text(), "Who visitors contact about their data; empty: \"Petugas PST\" / \"PST staff\"")


@dataclass(frozen=True)
class LockerSettings:
    prefix: str = setting("L", Text(pattern=r"[A-Z]{0,3}", what="up to three capital letters"),
                          "Locker label prefix")
    count: int = setting(20, Int(0, 999), "Number of lockers (0 = no lockers): labels L01 … L20")


@dataclass(frozen=True)
class LibrarySettings:
    documents_dir: Path | None = setting("data/library", FilePath(required=True), "Folder holding the imported publications")
    thumbnails_dir: Path | None = setting("data/thumbnails", FilePath(required=True), "Cache of cover thumbnails")
    demo_on_first_run: bool = setting(True, Bool(), "`make run` fills an empty catalogue with demo publications")
    softcopy_per_visit: int = setting(5, Int(1, 100), "Softcopy requests one visit may make")
    softcopy_per_address_per_day: int = setting(5, Int(1, 100), "Softcopy requests one e-mail address may receive "
                                                "per day (a +tag and letter case count as the same address)")


MAIL_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class MailSettings:
    enabled: bool = setting(False, Bool(), "Send softcopies by e-mail (false = keep them in the outbox)")
    host: str = setting("localhost", Text(), "SMTP server")
    port: int = setting(587, Int(1, 65535), "SMTP port (587 starttls, 465 ssl, 25 none)")
    security: str = setting("starttls", Text(choices=MAIL_SECURITY), "starttls | ssl | none")
    username: str = setting("", Text(), "SMTP user name (empty = no login)")
    password: str = setting("", Text(), "SMTP password (prefer password_file)")
    password_file: Path | None = setting("", FilePath(), "File holding the SMTP password (readable by the kiosk only)")
    from_address: str = setting("perpustakaan@example.go.id",
                                Text(pattern=r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", what="an e-mail address"),
                                "Sender address")
    max_attachment_mb: int = setting(20, Int(1, 100), "Largest attachment the server accepts, in MB")
    timeout_s: float = setting(20.0, Number(1, 300), "Seconds to wait for the SMTP server")


@dataclass(frozen=True)
class Channel:
    name: str = required(Text(), "Channel name shown to visitors")
    contact: str = required(Text(), "Address, site or number")
    name_en: str = setting("", Text(), "Channel name in English (empty: name)")

    def label(self, lang: str) -> str:
        """The name in the visitor's language (tickets, screens and e-mails are bilingual)."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class ComplaintSettings:
    channels: tuple = setting([
        {"name": "Kotak saran di ruang PST", "name_en": "Suggestion box in the PST room", "contact": "Lobi PST"},
        {"name": "SP4N-LAPOR!", "contact": "https://www.lapor.go.id"},
        {"name": "Pengaduan BPS", "name_en": "BPS complaints", "contact": "https://pengaduan.bps.go.id"},
        {"name": "E-mail", "contact": "pst@example.go.id"},
    ], Tables(Channel), "Official complaint channels shown on tickets and the complaint screen")
    per_kiosk_per_minute: int = setting(3, Int(1, 60), "Complaints one kiosk accepts per minute (one person "
                                        "flooding the list is asked politely to wait)")


@dataclass(frozen=True)
class BackupSettings:
    folder: Path | None = setting("data/backups", FilePath(required=True),
                                  "Folder for `kiosk backup` archives — best on another disk or a mounted share")
    keep_daily: int = setting(7, Int(1, 366), "Archives kept: the newest of each of this many days")
    keep_weekly: int = setting(4, Int(0, 520), "... and the newest of each of this many weeks before those")
    night_hour: int = setting(2, Int(0, 23),
                              "Hour (office time) of the kiosk's night: backup, privacy purge, mail flush, restart")


@dataclass(frozen=True)
class Settings:
    office: OfficeSettings
    theme: ThemeSettings
    kiosk: KioskSettings
    database: DatabaseSettings
    storage: StorageSettings
    printer: PrinterSettings
    services: tuple
    queue: QueueSettings
    guestbook: GuestbookSettings
    privacy: PrivacySettings
    lockers: LockerSettings
    library: LibrarySettings
    mail: MailSettings
    complaints: ComplaintSettings
    backup: BackupSettings
    web: WebSettings
    scanner: ScannerSettings
    online: OnlineSettings
    sound: SoundSettings
    source: Path  # the file these settings came from

    @property
    def base_dir(self) -> Path:
        return self.source.parent

    def service(self, code: str) -> ServiceSettings:
        for s in self.services:
            if s.code == code:
                return s
        raise KeyError(code)


SECTIONS: dict[str, type] = {
    "office": OfficeSettings, "theme": ThemeSettings, "kiosk": KioskSettings, "database": DatabaseSettings,
    "storage": StorageSettings, "printer": PrinterSettings, "queue": QueueSettings,
    "guestbook": GuestbookSettings, "privacy": PrivacySettings, "lockers": LockerSettings,
    "library": LibrarySettings, "mail": MailSettings, "complaints": ComplaintSettings,
    "backup": BackupSettings, "web": WebSettings, "scanner": ScannerSettings, "online": OnlineSettings,
    "sound": SoundSettings,
}
ARRAY_SECTIONS: dict[str, tuple[type, list[dict]]] = {"services": (ServiceSettings, DEFAULT_SERVICES)}


def parse(text: str, path: Path) -> Settings:
    """Validate config text; ``path`` names the file in messages and anchors relative paths."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts "(at line N, column M)" in its message; lead with the line for editors.
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        where = f"{path}:{m.group(1)}:{m.group(2)}" if m else str(path)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError([f"{where}: TOML syntax error: {reason}"]) from None
    problems = Problems(path, text)
    for key, value in raw.items():
        if key not in SECTIONS and key not in ARRAY_SECTIONS:
            near = closest(key, [*SECTIONS, *ARRAY_SECTIONS])
            problems.add(key, "unknown section" + (f' (did you mean "[{near}]"?)' if near else ""))
        elif key in SECTIONS and not isinstance(value, dict):
            problems.add(key, f"must be a section [{key}]")
    sections = {}
    for name, cls in SECTIONS.items():
        raw_section = raw.get(name, {})
        sections[name] = build_section(cls, raw_section if isinstance(raw_section, dict) else {}, name, problems)
    for name, (cls, default) in ARRAY_SECTIONS.items():
        check = Tables(cls, min_items=1, unique_key="code")
        try:
            rows = check(raw.get(name, default))
        except ValueError as exc:
            problems.add(name, str(exc))
            rows = ()
        sections[name] = build_tables(check, rows, name, problems)
        prefixes = [s.prefix for s in sections[name] if s is not None]
        if len(set(prefixes)) != len(prefixes):
            problems.add(name, "two services share one ticket prefix")
    # colours every visitor can read (WCAG contrast), a screen size some layout is drawn for (issue 14.5)
    for key, line in (theme_problems(sections["theme"]) if sections["theme"] is not None else ()):
        problems.add(f"theme.{key}", line)
    if sections["kiosk"] is not None and (line := size_problem(sections["kiosk"].width, sections["kiosk"].height)):
        problems.add("kiosk.width", line)
    if problems.items:
        raise ConfigError(problems.items)
    base = path.resolve().parent
    resolved = {k: (resolve_paths(v, base) if not isinstance(v, tuple) else v) for k, v in sections.items()}
    return Settings(source=path.resolve(), **resolved)


def load(path: Path | str) -> Settings:
    path = Path(path)
    try:
        # utf-8-sig: Windows Notepad saves a byte-order mark that TOML does not allow
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found (copy config/{EXAMPLE_NAME} to start)"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror}"]) from None
    return parse(text, path)


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite file the database URL points at (relative to the config), or None."""
    url = settings.database.url
    if not url.startswith("sqlite:///"):
        return None
    if (rest := url[len("sqlite:///"):]) == ":memory:":
        return None
    p = Path(rest).expanduser()
    return p if p.is_absolute() else (settings.base_dir / p).resolve()


def schema_keys() -> dict[str, list[str]]:
    """Every section and its keys, for tests and docs."""
    keys = {name: [f.name for f in dataclasses.fields(cls)] for name, cls in SECTIONS.items()}
    keys.update({name: [f.name for f in dataclasses.fields(cls)] for name, (cls, _) in ARRAY_SECTIONS.items()})
    return keys


# --- the commented example file, generated from the schema (section titles: config_notes) ---


def render_example() -> str:
    out = [
        "# PST library kiosk — config / konfigurasi kios PST",
        "# Copy to kiosk.toml and edit. Check with:  kiosk --config config/kiosk.toml check-config",
        "# Salin ke kiosk.toml lalu ubah. Periksa dengan perintah di atas sebelum menjalankan kios.",
        "# Relative paths are relative to this file's folder. Unknown keys are errors (typos show up).",
        "# This file is generated from kiosk/core/config.py: python -m kiosk.core.config > config/kiosk.example.toml",
        "",
    ]
    explained: set[type] = set()
    for name, cls in SECTIONS.items():
        out += [f"# {SECTION_NOTES[name]}", f"[{name}]"]
        for f in dataclasses.fields(cls):
            out.append(f"# {f.metadata['help']}")
            table = f.metadata["check"].cls if isinstance(f.metadata["check"], Tables) else None
            if table is not None and table not in explained:     # the keys each inline table may have, once
                explained.add(table)
                out += [f"#   {g.name}: {g.metadata['help']}" for g in dataclasses.fields(table)]
            out.append(f"{f.name} = {toml_value(default_of(f))}")
        out.append("")
    for name, (cls, rows) in ARRAY_SECTIONS.items():
        out.append(f"# {SECTION_NOTES[name]}")
        for f in dataclasses.fields(cls):
            out.append(f"#   {f.name}: {f.metadata['help']}")
        for row in rows:
            out.append(f"[[{name}]]")
            out += [f"{k} = {toml_value(v)}" for k, v in row.items()]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_example())
