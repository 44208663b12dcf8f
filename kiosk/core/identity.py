"""ID cards held for a locker: type, number validation, masking and a keyed hash.

The full number is only ever in memory. The database gets the masked form (``3271********0001``,
so staff can tell cards apart at the desk) and an HMAC-SHA256 of the number under a key kept in
the data folder (so staff can check that the card handed back is the card handed over, and a
stolen database alone cannot be brute-forced over the small space of valid NIKs).
"""
from __future__ import annotations

import calendar
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.errors import KioskError, ValidationError
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


class KeyFileError(KioskError):
    pass


def load_or_create_key(data_dir: Path) -> bytes:
    """The hash key from ``<data_dir>/identity.key``; made (0600) the first time.

    Created by writing a temporary file and hard-linking it into place, so two kiosks starting
    at once never see a half-written key and never both win. A damaged key is an error rather
    than silently replaced: every stored hash depends on it.
    """
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".identity-key-")
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
            os.fsync(fd)
            os.close(fd)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass            # another process made it first: use theirs
        finally:
            os.unlink(tmp)
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path}: cannot read the ID hash key ({exc})") from None
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise KeyFileError(f"{path}: not a valid ID hash key (64 hex digits); restore it from a backup")
    return bytes.fromhex(text)


@dataclass(frozen=True)
class StoredId:
    id_type: str
    masked: str
    hash: str


def protect(key: bytes, id_type: str, raw: str) -> StoredId:
    """Validate and turn a typed number into what may be stored (raises ValidationError)."""
    number = validate_id(id_type, raw)
    return StoredId(id_type, mask_number(number), id_hash(key, id_type, number))
