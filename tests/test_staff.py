"""Staff PIN: the strength rule, `kiosk hash-pin`, and a lockout that survives a restart (issue 11.10)."""
from __future__ import annotations

import pytest

from kiosk.cli import main as cli
from kiosk.core.models import StaffEvent
from kiosk.core.staff import PinGate, WeakPin, check_pin_strength, hash_pin, verify_pin

GOOD_PIN = "846302"


@pytest.mark.parametrize("pin", [
    "0000", "1234", "12345",                   # too short (a 4-digit PIN fell to an offline search in 197 s)
    "1234567890123", "12a456", "１２３４５６",     # too long, not digits, not ASCII digits
    "000000", "999999999",                     # one digit
    "121212", "123123", "12341234", "909090",  # a block repeated
    "123456", "654321", "901234", "3456789", "876543210",   # runs, also across 9 → 0
    "170845", "450817", "290200",              # DDMMYY, YYMMDD (and 29-02-00)
    "17081945", "19450817", "01012000",        # DDMMYYYY, YYYYMMDD
    "112233", "159753", "147258",              # common ones
])
def test_trivial_pins_are_refused(pin):
    with pytest.raises(WeakPin):
        check_pin_strength(pin)
    with pytest.raises(WeakPin):
        hash_pin(pin)


@pytest.mark.parametrize("pin", [GOOD_PIN, "583071", "7392046", "29461038", "940572318365"])
def test_good_pins_are_accepted(pin):
    check_pin_strength(pin)
    stored = hash_pin(pin)
    assert pin not in stored and stored.startswith("scrypt$")
    assert verify_pin(pin, stored) and not verify_pin(pin[:-1] + str((int(pin[-1]) + 1) % 10), stored)
    assert not verify_pin(pin, "garbage")


def test_hash_pin_command_refuses_a_weak_pin(config_path, monkeypatch, capsys):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "1234")
    assert cli(["--config", str(config_path), "hash-pin"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "6 to 12 digits" in err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "123456")
    assert cli(["--config", str(config_path), "hash-pin"]) == 1
    assert "run of digits" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": GOOD_PIN)
    assert cli(["--config", str(config_path), "hash-pin"]) == 0
    assert verify_pin(GOOD_PIN, capsys.readouterr().out.strip())


def test_lockout_backs_off_and_survives_a_restart(runtime, clock):
    stored = hash_pin(GOOD_PIN)
    gate = PinGate(stored, clock)
    assert [gate.attempt("000000", "kiosk-1").locked_for_s for _ in range(2)] == [0, 0]
    assert gate.attempt("000000", "kiosk-1").locked_for_s == 30
    assert gate.attempt(GOOD_PIN, "kiosk-1").ok is False          # locked: not even checked
    # systemd restarts the kiosk: a new gate (nothing in memory) is still locked
    restarted = PinGate(stored, clock)
    assert restarted.locked_for("kiosk-1") == 30
    assert restarted.attempt(GOOD_PIN, "kiosk-1").ok is False
    assert restarted.locked_for("kiosk-2") == 0                  # another kiosk's pad is not locked
    clock.advance(30)
    assert PinGate(stored, clock).attempt("000000", "kiosk-1").locked_for_s == 60     # doubles
    clock.advance(60)
    assert PinGate(stored, clock).attempt(GOOD_PIN, "kiosk-1").ok
    assert PinGate(stored, clock).locked_for("kiosk-1") == 0      # a right PIN starts the count again
    kinds = [e.kind for e in StaffEvent.select().order_by(StaffEvent.id)]
    assert kinds == ["pin_failed"] * 3 + ["pin_refused"] * 2 + ["pin_failed", "pin_ok"]


def test_old_wrong_tries_stop_counting_after_a_day(runtime, clock):
    gate = PinGate(hash_pin(GOOD_PIN), clock)
    assert [gate.attempt("000000", "k").locked_for_s for _ in range(3)] == [0, 0, 30]
    clock.advance(25 * 3600)
    assert gate.attempt("000000", "k").locked_for_s == 0         # not 60: yesterday's tries are forgotten


def test_no_pin_set_never_opens(runtime, clock):
    result = PinGate("", clock).attempt("", "k")
    assert not result.ok and result.no_pin_set
