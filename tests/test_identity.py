"""ID numbers: validation per card type, masking, the keyed hash and its key file."""
from __future__ import annotations

import multiprocessing
import stat

import pytest
from hypothesis import given, settings, strategies as st

from kiosk.core import identity, lockers
from kiosk.core.clock import to_utc_naive
from kiosk.core.errors import ValidationError
from kiosk.core.models import IdentityKey, Visit

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


def test_hash_is_keyed_and_bound_to_the_type(runtime):
    key = identity.load_or_create_key(runtime.settings.storage.data_dir)
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


def test_key_file_is_private_stable_and_checked(runtime, tmp_path):
    data = tmp_path / "fresh"
    IdentityKey.delete().execute()          # the runtime's own key aside: a kiosk that has none yet
    key = identity.load_or_create_key(data)
    path = data / identity.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert identity.load_or_create_key(data) == key == identity.load_key(data)
    assert len(key) == 32
    assert [p.name for p in path.parent.iterdir()] == [identity.KEY_FILE]   # no temp file left
    assert [r.fingerprint for r in IdentityKey.select()] == [identity.fingerprint(key)]
    assert key.hex() not in identity.fingerprint(key)
    path.write_text("garbage\n")
    with pytest.raises(identity.KeyFileError, match="not a valid ID hash key"):
        identity.load_or_create_key(data)


def _make_key(folder: str, config: str, out) -> None:
    from kiosk.runtime import open_runtime

    rt = open_runtime(config)
    try:
        out.put(identity.load_or_create_key(folder).hex())
    finally:
        rt.close()


def test_two_processes_creating_the_key_agree(runtime, tmp_path):
    IdentityKey.delete().execute()
    runtime.db.close()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    folder = tmp_path / "fresh"
    procs = [ctx.Process(target=_make_key, args=(str(folder), str(runtime.config_path), out)) for _ in range(4)]
    for p in procs:
        p.start()
    keys = {out.get(timeout=60) for _ in procs}
    for p in procs:
        p.join(10)
    assert len(keys) == 1
    assert keys == {identity.load_key(folder).hex()}
    assert IdentityKey.select().count() == 1


def test_kiosk_init_creates_the_key(tmp_path, config_path, capsys):
    from kiosk.cli import main as cli
    from kiosk.core import config as config_mod

    data = config_mod.load(config_path).storage.data_dir
    assert not (data / identity.KEY_FILE).exists()
    assert cli(["--config", str(config_path), "init"]) == 0
    key = identity.load_key(data)
    assert stat.S_IMODE((data / identity.KEY_FILE).stat().st_mode) == 0o600
    assert cli(["--config", str(config_path), "init"]) == 0          # a second init keeps it
    assert identity.load_key(data) == key


# --- a lost or swapped key (issue 11.9) ---

def _hold_a_card(runtime) -> bytes:
    key = identity.load_key(runtime.settings.storage.data_dir)
    now = to_utc_naive(runtime.clock.now())
    visit = Visit.create(kiosk="k", started_at=now).id
    lockers.assign(runtime.db, runtime.clock, visit, identity.protect(key, "ktp", NIK))
    return key


def test_a_lost_key_is_not_replaced_while_cards_are_held(runtime, capsys):
    from kiosk.cli import main as cli

    data = runtime.settings.storage.data_dir
    key = _hold_a_card(runtime)
    saved = (data / identity.KEY_FILE).read_bytes()
    (data / identity.KEY_FILE).unlink()
    config = str(runtime.config_path)
    runtime.close()
    assert cli(["--config", config, "init"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "identity.key" in err and "restore" in err and "1 visit(s)" in err
    assert not (data / identity.KEY_FILE).exists()              # nothing made in its place
    with pytest.raises(identity.KeyMissing, match="restore"):
        identity.load_key(data)
    (data / identity.KEY_FILE).write_bytes(saved)               # restored from the backup: all is well
    assert cli(["--config", config, "init"]) == 0
    assert identity.load_key(data) == key


def test_a_key_the_database_does_not_know_is_a_typed_error(runtime):
    data = runtime.settings.storage.data_dir
    _hold_a_card(runtime)
    (data / identity.KEY_FILE).write_text("ab" * 32 + "\n")      # another kiosk's key, a wrong copy
    for load in (identity.load_key, identity.load_or_create_key):
        with pytest.raises(identity.KeyMismatch, match="identity key does not match") as err:
            load(data)
        assert "restore" in str(err.value) and "\n" not in str(err.value)
        assert err.value.visitor_message == identity.MSG_KEY


def test_a_database_that_knows_a_key_never_gets_a_second_one(runtime):
    # no card held yet, but another kiosk sharing the database made the key: copy it, don't make one
    data = runtime.settings.storage.data_dir
    (data / identity.KEY_FILE).unlink()
    with pytest.raises(identity.KeyMissing):
        identity.load_or_create_key(data)
    assert not (data / identity.KEY_FILE).exists()


def test_hashes_made_before_fingerprints_still_refuse_a_new_key(runtime):
    # a database from before the fingerprint was kept: the ID hashes alone say a key existed
    data = runtime.settings.storage.data_dir
    _hold_a_card(runtime)
    IdentityKey.delete().execute()
    (data / identity.KEY_FILE).unlink()
    with pytest.raises(identity.KeyMissing, match="1 visit"):
        identity.load_or_create_key(data)


def test_a_kiosk_starting_at_the_same_moment_is_not_taken_for_a_lost_key(runtime, tmp_path, monkeypatch):
    """The interleaving that failed CI once (4 processes, one KeyMissing): this kiosk finds no file, then the other
    kiosk links its file and records its fingerprint, then this one reads the fingerprints. Its key is the one to
    use — not "the database has a key but the file is missing"."""
    IdentityKey.delete().execute()
    folder = tmp_path / "fresh"
    seen = identity._known_fingerprints
    other = []

    def the_other_kiosk_finishes_first():
        if not other:
            other.append(1)
            monkeypatch.setattr(identity, "_known_fingerprints", seen)
            identity.load_or_create_key(folder)         # the other kiosk, between our two looks
        return seen()

    monkeypatch.setattr(identity, "_known_fingerprints", the_other_kiosk_finishes_first)
    key = identity.load_or_create_key(folder)
    assert key == identity.load_key(folder) and IdentityKey.select().count() == 1
