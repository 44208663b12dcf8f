"""ID cards held for a locker: type, number validation, masking and a keyed hash.

The full number is only ever in memory. The database gets the masked form (``3271********0001``,
so staff can tell cards apart at the desk) and an HMAC-SHA256 of the number under a key kept in
the data folder (so staff can check that the card handed back is the card handed over, and a
stolen database alone cannot be brute-forced over the small space of valid NIKs). The database
keeps the key's fingerprint, so a lost or swapped key file is an error, never silently replaced.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.clock import UTC, to_utc_naive
from kiosk.core.errors import KioskError, ValidationError
from kiosk.core.models import IdentityKey, Visit
from kiosk.i18n import N_

KEY_FILE = "identity.key"


@dataclass(frozen=True)
class IdType:
    code: str
    label_id: str
    label_en: str
    keyboard: str      # on-screen keyboard layout that fits the number: number | text


ID_TYPES: tuple[IdType, ...] = (
    IdType("ktp", "KTP", "KTP (national ID)", "number"),
    IdType("sim", "SIM", "Driving licence (SIM)", "number"),
    IdType("paspor", "Paspor", "Passport", "text"),
    IdType("pelajar", "Kartu Pelajar/Mahasiswa", "Student card", "text"),
    IdType("lainnya", "Lainnya", "Other", "text"),
)
ID_TYPE_CODES = tuple(t.code for t in ID_TYPES)

# Province codes of the NIK (the first two digits), Aceh (11) … the Papua provinces (91–97).
NIK_PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
     61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97])

MSG_TYPE = N_("Please choose the type of ID card")
MSG_EMPTY = N_("Please enter the number on your ID card")
MSG_NIK = N_("A KTP number (NIK) has 16 digits")
MSG_NIK_BAD = N_("This is not a valid KTP number (NIK); please check it")
MSG_SIM = N_("A SIM number has 12 to 14 digits")
MSG_PASSPORT = N_("A passport number has 6 to 9 letters and digits")
MSG_OTHER = N_("Use 4 to 20 letters and digits")

_SEPARATORS = re.compile(r"[\s\-./]+")


def normalise_number(raw: str) -> str:
    """Spaces, dashes, dots and slashes dropped, letters upper-cased."""
    return _SEPARATORS.sub("", raw or "").upper()


def _nik_plausible(nik: str) -> bool:
    province, regency, district = int(nik[0:2]), int(nik[2:4]), int(nik[4:6])
    day, month = int(nik[6:8]), int(nik[8:10])
    if province not in NIK_PROVINCES or regency == 0 or district == 0:
        return False
    if day > 40:            # women: day of birth + 40
        day -= 40
    if not 1 <= month <= 12 or day < 1:
        return False
    # the year has two digits only; 29 February is accepted (a leap year fits some century)
    if day > calendar.monthrange(2000, month)[1]:
        return False
    return nik[12:16] != "0000"


def validate_id(id_type: str, raw: str) -> str:
    """The normalised number, or ValidationError on ``id_type`` / ``id_number``."""
    if id_type not in ID_TYPE_CODES:
        raise ValidationError({"id_type": MSG_TYPE})
    number = normalise_number(raw if isinstance(raw, str) else "")
    if not number:
        raise ValidationError({"id_number": MSG_EMPTY})
    if id_type == "ktp":
        if not re.fullmatch(r"[0-9]{16}", number):
            raise ValidationError({"id_number": MSG_NIK})
        if not _nik_plausible(number):
            raise ValidationError({"id_number": MSG_NIK_BAD})
    elif id_type == "sim":
        if not re.fullmatch(r"[0-9]{12,14}", number):
            raise ValidationError({"id_number": MSG_SIM})
    elif id_type == "paspor":
        if not re.fullmatch(r"[A-Z0-9]{6,9}", number) or not re.search(r"[0-9]", number):
            raise ValidationError({"id_number": MSG_PASSPORT})
    else:
        if not re.fullmatch(r"[A-Z0-9]{4,20}", number) or not re.search(r"[0-9]", number):
            raise ValidationError({"id_number": MSG_OTHER})
    return number


def mask_number(number: str) -> str:
    """``3271014506900001`` → ``3271********0001``; short numbers keep less (``A1****67``)."""
    n = len(number)
    keep = 4 if n >= 12 else 2 if n >= 7 else 1
    if n <= 2 * keep:
        return "*" * n
    return number[:keep] + "*" * (n - 2 * keep) + number[-keep:]


def id_hash(key: bytes, id_type: str, number: str) -> str:
    """HMAC-SHA256 (hex, 64 chars) of the normalised number, bound to its type."""
    return hmac.new(key, f"{id_type}:{number}".encode("ascii"), hashlib.sha256).hexdigest()


def matches(key: bytes, id_type: str, raw: str, stored_hash: str) -> bool:
    try:
        number = validate_id(id_type, raw)
    except ValidationError:
        return False
    return hmac.compare_digest(id_hash(key, id_type, number), stored_hash)


MSG_KEY = N_("Sorry, no locker can be given at this kiosk just now. Please ask a staff member.")
_FINGERPRINT_LABEL = b"pst-kiosk identity key fingerprint v1"


class KeyFileError(KioskError):
    """The ID hash key cannot be used; no ID card may be taken until staff fix it."""

    visitor_message = MSG_KEY


class KeyMissing(KeyFileError):
    """No key file where the database expects one (lost disk, forgotten copy)."""


class KeyMismatch(KeyFileError):
    """A key file that is not the one the database's ID hashes were made with."""


def fingerprint(key: bytes) -> str:
    """What the database keeps to recognise the key: an HMAC under the key of a fixed label, so it
    says nothing about the key itself."""
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def _restore_hint(path: Path) -> str:
    return (f"restore {path} from the backup (or copy it from a kiosk sharing this database); "
            "a new key would make every ID card already held unverifiable")


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path}: cannot read the ID hash key ({exc})") from None
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise KeyFileError(f"{path}: not a valid ID hash key (64 hex digits); {_restore_hint(path)}")
    return bytes.fromhex(text)


def _known_fingerprints() -> set[str]:
    return {row.fingerprint for row in IdentityKey.select(IdentityKey.fingerprint)}


def _check(key: bytes, path: Path) -> None:
    known = _known_fingerprints()
    if known and fingerprint(key) not in known:
        raise KeyMismatch(f"{path}: identity key does not match the database's ID hashes; {_restore_hint(path)}")


def load_key(data_dir: Path) -> bytes:
    """The hash key from ``<data_dir>/identity.key``, checked against the database's fingerprint.

    Never makes a key (``kiosk init`` does, see ``load_or_create_key``): a kiosk whose key went
    missing refuses to take ID cards rather than hash them under a key nobody else has. Needs the
    database bound; reads it (one small query), so call it off the touch thread."""
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        raise KeyMissing(f"{path}: the ID hash key is missing; {_restore_hint(path)} "
                         "(`kiosk init` makes a key only for a database that has none)")
    key = _read_key(path)
    _check(key, path)
    return key


def _hashes_in_use() -> int:
    """Visits whose ID hash was made with the current key (held cards among them)."""
    return Visit.select().where(Visit.id_number_hash != "").count()


def load_or_create_key(data_dir: Path, now: dt.datetime | None = None) -> bytes:
    """``kiosk init``: the hash key, made (0600) the first time, and its fingerprint in the database.

    Refuses to make a new key when the database already knows one (another kiosk's, or one lost here)
    or holds ID hashes — they would silently stop matching the cards handed over (issue 11.9); staff
    restore the file instead. Created by writing a temporary file and hard-linking it into place, so
    two kiosks starting at once never see a half-written key and never both win. Needs the migrated
    database bound."""
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        in_use = _hashes_in_use()
        # looked again after the database: a kiosk starting at the same moment links its file before it
        # records the fingerprint, so a fingerprint seen here with the file there is theirs, not a lost key
        if (_known_fingerprints() or in_use) and not path.exists():
            cards = f" ({in_use} visit(s) hold an ID hash made with it)" if in_use else ""
            raise KeyMissing(f"{path}: the database has an identity key but this file is missing{cards}; "
                             f"{_restore_hint(path)}")
        _create(path)           # a no-op when the other kiosk's file is there now
    key = _read_key(path)
    _check(key, path)
    (IdentityKey.insert(fingerprint=fingerprint(key), created_at=to_utc_naive(now or dt.datetime.now(UTC)))
     .on_conflict_ignore().execute())
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".identity-key-")
    try:
        os.fchmod(fd, 0o600)        # mkstemp's mode already; said here because the key must stay private
        os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(fd)
        os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass            # another process made it first: use theirs
    finally:
        os.unlink(tmp)


@dataclass(frozen=True)
class StoredId:
    id_type: str
    masked: str
    hash: str


def protect(key: bytes, id_type: str, raw: str) -> StoredId:
    """Validate and turn a typed number into what may be stored (raises ValidationError)."""
    number = validate_id(id_type, raw)
    return StoredId(id_type, mask_number(number), id_hash(key, id_type, number))
