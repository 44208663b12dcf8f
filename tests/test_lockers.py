"""Lockers: assign / release, all full, several processes at once, the staff commands, the slip."""
from __future__ import annotations

import dataclasses
import multiprocessing
import re
import time
from pathlib import Path

import pytest

from helpers import make_runtime
from pg_server import on_postgres, postgres_server, postgres_url  # noqa: F401  (fixtures)
from kiosk.cli import main as cli
from kiosk.core import identity, lockers
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import Locker, LockerAssignment, Ticket, Visit, Visitor

NIK = "3271014506900001"


def new_visit(clock, name: str = "Budi Santoso", ticket: str = "") -> int:
    now = to_utc_naive(clock.now())
    person = Visitor.create(full_name=name, email="b@example.com", phone="+6281234567890",
                            created_at=now, last_visit_at=now)
    t = None
    if ticket:
        t = Ticket.create(service_code=ticket[0], day=clock.now().date(), seq=int(ticket[2:]), number=ticket,
                          kiosk="k", issued_at=now)
    return Visit.create(visitor=person, ticket=t, kiosk="k", started_at=now).id


@pytest.fixture
def small(tmp_path, clock):
    rt = make_runtime(tmp_path, clock=clock, replace={"count = 20": "count = 3"})
    yield rt
    rt.close()


def test_assign_next_free_then_full_then_release(small, clock):
    key = identity.load_key(small.settings.storage.data_dir)
    cards = [identity.protect(key, "ktp", NIK[:-1] + str(n)) for n in range(1, 5)]
    card = cards[0]
    visits = [new_visit(clock) for _ in range(4)]
    assert [lockers.assign(small.db, clock, v, c) for v, c in zip(visits[:3], cards)] == ["L01", "L02", "L03"]
    assert lockers.free_count() == 0
    with pytest.raises(lockers.LockersFull) as err:
        lockers.assign(small.db, clock, visits[3], cards[3])
    assert err.value.visitor_message == "All lockers are taken, please contact the staff"
    v = Visit.get_by_id(visits[0])
    assert (v.id_type, v.id_number_masked, v.id_number_hash) == ("ktp", "3271********0001", card.hash)
    # a double tap does not take a second locker
    assert lockers.assign(small.db, clock, visits[0], card) == "L01"
    clock.advance(600)
    released = lockers.release(small.db, clock, "l02")
    assert released.released_at == to_utc_naive(clock.now()) == released.id_card_returned_at
    assert lockers.assign(small.db, clock, visits[3], None) == "L02"
    a = lockers.open_assignment_of(visits[3])
    assert a.id_card_held is False
    with pytest.raises(lockers.NotInUse):
        lockers.release(small.db, clock, "L02") and lockers.release(small.db, clock, "L02")
    with pytest.raises(lockers.NotFound):
        lockers.release(small.db, clock, "L99")


def test_the_database_refuses_two_open_assignments(small, clock):
    from peewee import IntegrityError

    v1, v2 = new_visit(clock), new_visit(clock)
    lockers.assign(small.db, clock, v1, None)
    with pytest.raises(IntegrityError):
        LockerAssignment.create(locker=Locker.get(Locker.label == "L01"), visit=v2,
                                assigned_at=to_utc_naive(clock.now()))


def test_inactive_lockers_are_not_given(tmp_path, clock):
    rt = make_runtime(tmp_path, clock=clock, replace={"count = 20": "count = 2"})
    try:
        Locker.update(active=False).where(Locker.label == "L01").execute()
        assert lockers.assign(rt.db, clock, new_visit(clock), None) == "L02"
        with pytest.raises(lockers.LockersFull):
            lockers.assign(rt.db, clock, new_visit(clock), None)
    finally:
        rt.close()


# --- four processes at once ---

def churn(config_path: str, visit_ids: list[int], rounds: int, release: bool, start_at: float, out) -> None:
    """Child process (a second kiosk): assign and release as fast as it can."""
    from kiosk.core import lockers as lk
    from kiosk.runtime import open_runtime

    rt = open_runtime(config_path)
    try:
        while time.time() < start_at:
            time.sleep(0.001)
        got, full = [], 0
        for n in range(rounds):
            visit = visit_ids[n % len(visit_ids)]
            try:
                got.append(lk.assign(rt.db, rt.clock, visit, None))
            except lk.LockersFull:
                full += 1
                continue
            if release:
                lk.release(rt.db, rt.clock, got[-1])
        out.put((got, full))
    except BaseException as exc:  # report to the parent rather than hang it
        out.put(repr(exc))
    finally:
        rt.close()


def run_processes(config_path: Path, visits: list[list[int]], rounds: int,
                  release: bool) -> list[tuple[list[str], int]]:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 2.0
    procs = [ctx.Process(target=churn, args=(str(config_path), v, rounds, release, start_at, out)) for v in visits]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    errors = [r for r in results if isinstance(r, str)]
    assert not errors, errors
    return results


def test_four_processes_never_share_a_locker(runtime, clock):
    visits = [[new_visit(clock) for _ in range(8)] for _ in range(4)]   # 32 visitors, 20 lockers
    results = run_processes(runtime.settings.source, visits, rounds=8, release=False)
    labels = [label for got, _ in results for label in got]
    assert len(labels) == 20 and len(set(labels)) == 20
    assert sum(full for _, full in results) == 12
    assert LockerAssignment.select().where(LockerAssignment.released_at.is_null()).count() == 20


def test_four_processes_assigning_and_releasing_never_overlap(small, clock):
    visits = [[new_visit(clock)] for _ in range(4)]
    results = run_processes(small.settings.source, visits, rounds=25, release=True)
    assert sum(len(got) for got, _ in results) + sum(full for _, full in results) == 100
    assert sum(len(got) for got, _ in results) >= 25
    for locker in Locker.select():
        rows = list(LockerAssignment.select().where(LockerAssignment.locker == locker)
                    .order_by(LockerAssignment.assigned_at, LockerAssignment.id))
        for before, after in zip(rows, rows[1:]):
            assert before.released_at is not None and before.released_at <= after.assigned_at, locker.label
    assert lockers.free_count() == 3


# --- staff commands ---

def test_cli_list_release_closing(runtime, clock, capsys, monkeypatch):
    key = identity.load_key(runtime.settings.storage.data_dir)
    v1 = new_visit(clock, "Siti Aminah", ticket="A-007")
    v2 = new_visit(clock, "Budi Santoso")
    lockers.assign(runtime.db, clock, v1, identity.protect(key, "ktp", NIK))
    lockers.assign(runtime.db, clock, v2, None)
    config = str(runtime.config_path)
    runtime.close()

    assert cli(["--config", config, "lockers", "list"]) == 0
    out = capsys.readouterr().out
    l01 = next(line for line in out.splitlines() if line.startswith("L01"))
    assert "occupied" in l01 and "09:00 WIB" in l01 and "A-007" in l01 and "held ktp 3271********0001" in l01
    assert "Siti Aminah" in l01 and NIK not in out
    assert "not held" in next(line for line in out.splitlines() if line.startswith("L02"))
    assert "L03     free" in out and "2 occupied, 18 free" in out

    assert cli(["--config", config, "lockers", "closing"]) == 2
    out = capsys.readouterr().out
    assert "2 locker(s) still occupied, 1 ID card(s) held" in out and "L03" not in out

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "3271014506900002")
    assert cli(["--config", config, "lockers", "release", "L01", "--verify-id"]) == 1
    assert "NOT the card held for L01" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "3271 0145 0690 0001")
    assert cli(["--config", config, "lockers", "release", "l01", "--verify-id"]) == 0
    assert "locker L01 released; ID card handed back" in capsys.readouterr().out
    assert cli(["--config", config, "lockers", "release", "L01"]) == 1
    assert capsys.readouterr().err.strip() == "kiosk: locker L01 is not in use"
    assert cli(["--config", config, "lockers", "release", "X9"]) == 1
    assert "no locker 'X9'" in capsys.readouterr().err
    assert cli(["--config", config, "lockers", "release", "L02", "--verify-id"]) == 1
    assert capsys.readouterr().err.strip() == "kiosk: no ID card is held for locker L02"
    assert cli(["--config", config, "lockers", "release", "L02"]) == 0
    assert "no ID card was held" in capsys.readouterr().out
    assert cli(["--config", config, "lockers", "closing"]) == 0
    assert "all lockers are free" in capsys.readouterr().out


# --- the slip: made in core, printed through the runtime's printer port (issue 12.4) ---

def test_slip_is_made_in_core_and_printed_through_the_port(runtime, clock):
    ticket = Ticket.create(service_code="A", day=clock.now().date(), seq=7, number="A-007", kiosk="k",
                           issued_at=to_utc_naive(clock.now()))
    slip = lockers.slip_text(runtime.settings, clock, "L07", ticket.id, "id")
    assert (slip.label, slip.ticket_number, slip.when) == ("L07", "A-007", "24-11-2026 09:00 WIB")
    assert slip.notes[0] == "Kartu identitas Anda disimpan di front office selama tas Anda ada di loker."
    assert runtime.settings.printer.kind == "dummy"
    lockers.print_slip(runtime.printer, runtime.settings, clock, "L07", ticket.id, "id")
    out = (runtime.settings.printer.folder / "locker-L07.bin").read_bytes()
    assert b"L07\n" in out and b"A-007\n" in out and b"24-11-2026 09:00 WIB" in out
    assert runtime.settings.office.name.encode() in out
    assert b"\x1d!\x55" in out                    # 6x6 characters for the label
    # wrapped to the 48 characters of 80 mm paper instead of running off it
    assert b"Kartu identitas Anda disimpan di front office\nselama tas Anda ada di loker.\n" in out
    assert out.endswith(b"\x1dV\x00")             # cut
    en = lockers.slip_text(runtime.settings, clock, "L07", None, "en")
    assert en.ticket_number == "" and en.notes[0] == ("Your ID card stays at the front office while your bag is "
                                                      "in the locker.")


def test_no_screen_or_command_builds_the_slip_itself():
    import ast

    from helpers import REPO

    for path in [*(REPO / "kiosk" / "ui").rglob("*.py"), *(REPO / "kiosk" / "commands").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.startswith("kiosk.devices.locker_slip") for n in names), path


# --- one locker per visit and per ID card at a time (issue 11.11) ---

def test_one_id_card_holds_one_locker_at_a_time(runtime, clock):
    key = identity.load_key(runtime.settings.storage.data_dir)
    passport = identity.protect(key, "paspor", "C01X00T47")
    visits = [new_visit(clock) for _ in range(20)]
    assert lockers.assign(runtime.db, clock, visits[0], passport) == "L01"
    for visit in visits[1:]:
        with pytest.raises(lockers.CardHoldsALocker) as err:
            lockers.assign(runtime.db, clock, visit, passport)
    assert err.value.visitor_message == lockers.MSG_CARD_HOLDS_ONE and "L01" in str(err.value)
    assert lockers.free_count() == 19                        # one passport, one locker
    assert lockers.assign(runtime.db, clock, visits[0], passport) == "L01"     # the same visit: its own
    # another card is fine; once the key is back, the card may take a locker again
    assert lockers.assign(runtime.db, clock, visits[1], identity.protect(key, "ktp", NIK)) == "L02"
    lockers.release(runtime.db, clock, "L01")
    assert lockers.assign(runtime.db, clock, visits[2], passport) == "L01"


def test_take_loads_the_key_and_refuses_without_it(runtime, clock):
    data = runtime.settings.storage.data_dir
    visit = new_visit(clock)
    assert lockers.take(runtime.db, clock, data, visit, "ktp", "3271 0145 0690 0001") == "L01"
    assert Visit.get_by_id(visit).id_number_masked == "3271********0001"
    (data / identity.KEY_FILE).rename(data / "elsewhere.key")
    with pytest.raises(identity.KeyMissing):
        lockers.take(runtime.db, clock, data, new_visit(clock), "ktp", "3578010101000002")
    assert lockers.free_count() == 19


# --- the same on PostgreSQL, where two kiosks really can pick the same free locker at once ---

@pytest.fixture
def pg_lockers(tmp_path, postgres_url, clock):  # noqa: F811
    rt = make_runtime(tmp_path, clock=clock, replace={**on_postgres(postgres_url), "count = 20": "count = 3"})
    assert rt.db.__class__.__name__ == "KioskPostgresqlDatabase"
    yield rt
    rt.close()


@pytest.mark.postgres
def test_four_processes_on_postgres_never_share_a_locker(pg_lockers, clock):
    visits = [[new_visit(clock) for _ in range(2)] for _ in range(4)]     # 8 visitors, 3 lockers
    results = run_processes(pg_lockers.settings.source, visits, rounds=2, release=False)
    labels = [label for got, _ in results for label in got]
    assert sorted(labels) == ["L01", "L02", "L03"]
    assert sum(full for _, full in results) == 5


@pytest.mark.postgres
def test_four_processes_on_postgres_assigning_and_releasing_never_overlap(pg_lockers, clock):
    visits = [[new_visit(clock)] for _ in range(4)]
    results = run_processes(pg_lockers.settings.source, visits, rounds=25, release=True)
    assert sum(len(got) for got, _ in results) >= 25
    for locker in Locker.select():
        rows = list(LockerAssignment.select().where(LockerAssignment.locker == locker)
                    .order_by(LockerAssignment.assigned_at, LockerAssignment.id))
        for before, after in zip(rows, rows[1:]):
            assert before.released_at is not None and before.released_at <= after.assigned_at, locker.label
    assert lockers.free_count() == 3


# --- the slip fits the paper (issue 14.10) ---

ESCPOS_COMMAND = re.compile(rb"\x1b@|[\x1b\x1d][^@].")     # ESC/GS + letter + one parameter byte


def printed_lines(out: bytes) -> list[tuple[int, str]]:
    """The text lines of a slip's bytes with the character width each was printed at (1 normal, 6 for 6x)."""
    lines, scale = [], 1
    for raw in out.split(b"\n"):
        for command in ESCPOS_COMMAND.findall(raw):
            if command[:2] == b"\x1d!":                        # GS ! n: character size
                scale = (command[2] >> 4) + 1
            elif command[:2] == b"\x1b!":                      # ESC ! n: back to the normal size
                scale = 1
        text = ESCPOS_COMMAND.sub(b"", raw).decode("cp437", "replace")
        if text.strip():
            lines.append((scale, text))
    return lines


@pytest.mark.parametrize("paper, columns", [(80, 48), (58, 32)])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_slip_line_fits_the_paper_and_no_word_is_broken(tmp_path, clock, paper, columns, lang):
    office = "Badan Pusat Statistik Kabupaten Kepulauan Seribu Utara"      # longer than 48 columns
    rt = make_runtime(tmp_path, clock=clock, replace={"paper_width_mm = 80": f"paper_width_mm = {paper}"})
    settings = dataclasses.replace(rt.settings, office=dataclasses.replace(rt.settings.office, name=office))
    try:
        assert settings.printer.paper_width_mm == paper and settings.printer.kind == "dummy"
        ticket = Ticket.create(service_code="A", day=clock.now().date(), seq=7, number="A-007", kiosk="k",
                               issued_at=to_utc_naive(clock.now()))
        slip = lockers.slip_text(settings, clock, "L120", ticket.id, lang)
        lockers.print_slip(rt.printer, settings, clock, "L120", ticket.id, lang)
        out = (rt.settings.printer.folder / "locker-L120.bin").read_bytes()
    finally:
        rt.close()
    lines = printed_lines(out)
    assert (paper == 80 and (6, "L120") in lines) or (paper == 58 and (4, "L120") in lines)
    too_long = [(scale, text) for scale, text in lines if len(text) * scale > columns]
    assert not too_long, too_long
    # every text is printed word by word in order, each word whole (a broken word would be two tokens)
    printed = " " + " ".join(" ".join(text.split()) for _scale, text in lines) + " "
    for whole in (office, *slip.notes, slip.when):
        assert f" {' '.join(whole.split())} " in printed, whole
