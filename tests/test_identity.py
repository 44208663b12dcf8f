"""ID numbers: validation per card type, masking, the keyed hash and its key file."""
from __future__ import annotations

import multiprocessing
import stat

import pytest
from hypothesis import given, settings, strategies as st

from kiosk.core import identity
from kiosk.core.errors import ValidationError

NIK = "3271014506900001"   # Kota Bogor, a woman born 05-06-(19)90, serial 0001


@pytest.mark.parametrize("id_type, raw, expected", [
    ("ktp", NIK, NIK),
    ("ktp", "3271 0145 0690 0001", NIK),
    ("ktp", "3271-014506-900001", NIK),
    ("ktp", "3578010101000002", "3578010101000002"),         # Surabaya, man born 01-01-2000
    ("ktp", "9471012902040003", "9471012902040003"),         # 29 February is accepted
    ("ktp", "1101017112990004", "1101017112990004"),         # woman born 31-12: day 71
    ("sim", "1234-5678-9012", "123456789012"),
    ("sim", "12345678901234", "12345678901234"),
    ("paspor", "a1234567", "A1234567"),
    ("paspor", "X 123 4567", "X1234567"),
    ("paspor", "C01X00T47", "C01X00T47"),
    ("pelajar", "2021.11.0042", "2021110042"),
    ("lainnya", "KTA 000123", "KTA000123"),
])
def test_good_numbers(id_type, raw, expected):
    assert identity.validate_id(id_type, raw) == expected


@pytest.mark.parametrize("id_type, raw, field, msg", [
    ("ktp", "", "id_number", identity.MSG_EMPTY),
    ("ktp", "   ", "id_number", identity.MSG_EMPTY),
    ("ktp", "327101450690000", "id_number", identity.MSG_NIK),        # 15 digits
    ("ktp", "32710145069000011", "id_number", identity.MSG_NIK),      # 17 digits
    ("ktp", "3271O14506900001", "id_number", identity.MSG_NIK),       # letter O
    ("ktp", "３２７１０１４５０６９０００１", "id_number", identity.MSG_NIK),  # full-width digits
    ("ktp", "0071014506900001", "id_number", identity.MSG_NIK_BAD),   # province 00
    ("ktp", "2071014506900001", "id_number", identity.MSG_NIK_BAD),   # province 20 does not exist
    ("ktp", "3200014506900001", "id_number", identity.MSG_NIK_BAD),   # regency 00
    ("ktp", "3271013206900001", "id_number", identity.MSG_NIK_BAD),   # day 32
    ("ktp", "3271017206900001", "id_number", identity.MSG_NIK_BAD),   # day 72 (= 32 for women)
    ("ktp", "3271013002900001", "id_number", identity.MSG_NIK_BAD),   # 30 February
    ("ktp", "3271010513900001", "id_number", identity.MSG_NIK_BAD),   # month 13
    ("ktp", "3271014506900000", "id_number", identity.MSG_NIK_BAD),   # serial 0000
    ("sim", "12345678901", "id_number", identity.MSG_SIM),
    ("sim", "A23456789012", "id_number", identity.MSG_SIM),
    ("paspor", "ABCDEFGH", "id_number", identity.MSG_PASSPORT),
    ("paspor", "A12", "id_number", identity.MSG_PASSPORT),
    ("pelajar", "ABC", "id_number", identity.MSG_OTHER),
    ("lainnya", "ÄÖÜ12345", "id_number", identity.MSG_OTHER),
    ("kartu_sakti", NIK, "id_type", identity.MSG_TYPE),
    ("", NIK, "id_type", identity.MSG_TYPE),
])
def test_bad_numbers(id_type, raw, field, msg):
    with pytest.raises(ValidationError) as err:
        identity.validate_id(id_type, raw)
    assert err.value.errors == {field: msg}


@settings(max_examples=1000, deadline=None)
@given(id_type=st.sampled_from(identity.ID_TYPE_CODES + ("", "x")), raw=st.text())
def test_any_text_is_a_number_or_a_validation_error(id_type, raw):
    try:
        number = identity.validate_id(id_type, raw)
    except ValidationError as exc:
        assert set(exc.errors) <= {"id_type", "id_number"}
        return
    assert number.isascii() and number.isalnum()
    masked = identity.mask_number(number)
    assert len(masked) == len(number) and masked != number


def test_mask_keeps_ends_only():
    assert identity.mask_number(NIK) == "3271********0001"
    assert identity.mask_number("123456789012") == "1234****9012"
    assert identity.mask_number("A1234567") == "A1****67"
    assert identity.mask_number("12345") == "1***5"
    assert identity.mask_number("12") == "**"


def test_hash_is_keyed_and_bound_to_the_type(tmp_path):
    key = identity.load_or_create_key(tmp_path)
    other = bytes(32)
    h = identity.id_hash(key, "ktp", NIK)
    assert len(h) == 64 and NIK not in h
    assert h == identity.id_hash(key, "ktp", NIK)
    assert h != identity.id_hash(other, "ktp", NIK)
    assert h != identity.id_hash(key, "lainnya", NIK)
    assert identity.matches(key, "ktp", "3271 0145 0690 0001", h)
    assert not identity.matches(key, "ktp", "3271014506900002", h)
    stored = identity.protect(key, "ktp", NIK)
    assert stored == identity.StoredId("ktp", "3271********0001", h)


def test_key_file_is_private_stable_and_checked(tmp_path):
    key = identity.load_or_create_key(tmp_path / "data")
    path = tmp_path / "data" / identity.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert identity.load_or_create_key(tmp_path / "data") == key
    assert len(key) == 32
    assert [p.name for p in path.parent.iterdir()] == [identity.KEY_FILE]   # no temp file left
    path.write_text("garbage\n")
    with pytest.raises(identity.KeyFileError, match="not a valid ID hash key"):
        identity.load_or_create_key(tmp_path / "data")


def _make_key(folder: str, out) -> None:
    out.put(identity.load_or_create_key(folder).hex())


def test_two_processes_creating_the_key_agree(tmp_path):
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_make_key, args=(str(tmp_path), out)) for _ in range(4)]
    for p in procs:
        p.start()
    keys = {out.get(timeout=20) for _ in procs}
    for p in procs:
        p.join(10)
    assert len(keys) == 1
    assert keys == {identity.load_or_create_key(tmp_path).hex()}


def test_kiosk_init_creates_the_key(config_path, capsys):
    from kiosk.cli import main as cli
    from kiosk.core import config as config_mod

    data = config_mod.load(config_path).storage.data_dir
    assert not (data / identity.KEY_FILE).exists()
    assert cli(["--config", str(config_path), "init"]) == 0
    key = identity.load_or_create_key(data)
    assert cli(["--config", str(config_path), "init"]) == 0          # a second init keeps it
    assert identity.load_or_create_key(data) == key
