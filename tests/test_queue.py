"""Queue numbering, calling and the service-standard figures (SQLite file database)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from kiosk import cli
from kiosk.commands.queue import format_status
from kiosk.core import db as db_mod
from kiosk.core import queue
from kiosk.core.clock import UTC, FakeClock
from kiosk.core.config import sqlite_path
from kiosk.core.errors import DatabaseReadOnly, NotFound
from kiosk.core.models import Ticket, Visit
from kiosk.devices.printer import make_printer
from helpers import make_runtime, write_config
from fake_printer import FakeNetworkPrinter, free_closed_port
from queue_bursts import run_bursts


def issue(rt, code="A", **kw):
    return queue.issue_ticket(rt.settings, rt.clock, code, **kw).ticket


# --- numbering ---

def test_numbers_count_per_service_from_001(runtime):
    got = [issue(runtime, c).number for c in "AABAC"]
    assert got == ["A-001", "A-002", "B-001", "A-003", "C-001"]
    t = Ticket.get(Ticket.number == "A-003")
    assert (t.service_code, t.seq, t.status, t.kiosk, str(t.day)) == ("A", 3, "waiting", "kiosk-1", "2026-11-24")
    assert t.issued_at == dt.datetime(2026, 11, 24, 2, 0)          # naive UTC


def test_waiting_ahead_counts_only_waiting_of_the_same_service(runtime):
    issue(runtime, "A"), issue(runtime, "A"), issue(runtime, "B")
    queue.call_next(runtime.settings, runtime.clock, "A")
    issued = queue.issue_ticket(runtime.settings, runtime.clock, "A")
    assert issued.ticket.number == "A-003" and issued.waiting_ahead == 1
    assert queue.waiting_counts(runtime.settings, runtime.clock) == {"A": 2, "B": 1, "C": 0, "D": 0}


def test_daily_reset_at_local_midnight_not_utc(runtime, clock):
    clock.set(dt.datetime(2026, 11, 24, 16, 59, 58, tzinfo=UTC))    # 23:59:58 WIB
    assert issue(runtime).number == "A-001"
    assert issue(runtime).number == "A-002"
    clock.advance(3)                                               # 00:00:01 WIB, still 17:00 UTC on the 24th
    t = issue(runtime)
    assert t.number == "A-001" and str(t.day) == "2026-11-25"
    clock.set(dt.datetime(2026, 11, 25, 23, 0, tzinfo=UTC))        # 06:00 WIB on the 26th
    assert issue(runtime).number == "A-001"


def test_daily_reset_follows_the_configured_zone(tmp_path):
    clock = FakeClock(dt.datetime(2026, 11, 24, 15, 59, 59, tzinfo=UTC))    # 23:59:59 WITA
    rt = make_runtime(tmp_path, clock=clock, replace={'timezone = "Asia/Jakarta"': 'timezone = "Asia/Makassar"'})
    try:
        assert issue(rt).number == "A-001"
        clock.advance(2)
        t = issue(rt)
        assert t.number == "A-001" and str(t.day) == "2026-11-25"
    finally:
        rt.close()


def test_unknown_service_names_the_known_ones(runtime):
    with pytest.raises(queue.QueueError, match=r"unknown service 'Z'.*A \(Library\)"):
        issue(runtime, "Z")
    assert Ticket.select().count() == 0
    assert issue(runtime, "b").number == "B-001"                   # codes are case-insensitive


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.integers(0, 8 * 3600)), min_size=1, max_size=25))
def test_numbers_are_consecutive_per_service_and_day(runtime, steps):
    Ticket.delete().execute()
    runtime.clock.set(dt.datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    for code, seconds in steps:
        runtime.clock.advance(seconds)
        issue(runtime, code)
    by_key: dict = {}
    for t in Ticket.select().order_by(Ticket.id):
        by_key.setdefault((t.service_code, t.day), []).append(t)
    for (code, _), tickets in by_key.items():
        assert [t.seq for t in tickets] == list(range(1, len(tickets) + 1))
        assert [t.number for t in tickets] == [f"{code}-{n:03d}" for n in range(1, len(tickets) + 1)]


# --- several processes at the same instant ---

def test_four_processes_issue_200_distinct_consecutive_numbers(runtime):
    numbers = run_bursts(runtime.settings.source)
    assert len(numbers) == 200 and len(set(numbers)) == 200
    assert sorted(numbers) == [f"A-{n:03d}" for n in range(1, 201)]
    # each process saw its own numbers rising
    rows = list(Ticket.select().where(Ticket.service_code == "A").order_by(Ticket.seq))
    assert [t.seq for t in rows] == list(range(1, 201))
    assert len({t.kiosk for t in rows}) == 4


# --- calling, done, no-show ---

def test_call_next_takes_the_lowest_waiting_number(runtime):
    for _ in range(3):
        issue(runtime, "B")
    runtime.clock.advance(60)
    first = queue.call_next(runtime.settings, runtime.clock, "B", counter="2")
    assert first.number == "B-001" and first.status == "called" and first.counter == "2"
    assert first.called_at == dt.datetime(2026, 11, 24, 2, 1)
    second = queue.call_next(runtime.settings, runtime.clock, "B")
    assert second.number == "B-002" and second.counter == "2"      # the service's own counter from config
    queue.mark_no_show(runtime.settings, runtime.clock, "B-002")
    assert queue.call_next(runtime.settings, runtime.clock, "B").number == "B-003"
    assert queue.call_next(runtime.settings, runtime.clock, "B") is None


def test_done_and_no_show_follow_the_rules(runtime):
    issue(runtime, "C"), issue(runtime, "C")
    queue.call_next(runtime.settings, runtime.clock, "C")
    runtime.clock.advance(300)
    done = queue.mark_served(runtime.settings, runtime.clock, "c-1")
    assert done.status == "served" and done.served_at == dt.datetime(2026, 11, 24, 2, 5)
    with pytest.raises(queue.QueueError, match="C-001 is already served"):
        queue.mark_no_show(runtime.settings, runtime.clock, "C-001")
    gone = queue.mark_no_show(runtime.settings, runtime.clock, "C002")
    assert gone.status == "no_show" and gone.no_show_at is not None and gone.called_at is not None
    with pytest.raises(NotFound, match="no ticket C-009 today"):
        queue.mark_served(runtime.settings, runtime.clock, "C-009")
    with pytest.raises(queue.QueueError, match="not a ticket number"):
        queue.mark_served(runtime.settings, runtime.clock, "hello")
    with pytest.raises(queue.QueueError, match="no service has the prefix 'Q'"):
        queue.mark_served(runtime.settings, runtime.clock, "Q-001")


def test_yesterdays_waiting_tickets_are_not_called_today(runtime, clock):
    issue(runtime, "A")
    clock.advance(24 * 3600)
    assert queue.call_next(runtime.settings, runtime.clock, "A") is None
    with pytest.raises(NotFound):
        queue.mark_served(runtime.settings, runtime.clock, "A-001")


# --- the 5-minute standard ---

def test_status_counts_from_the_guestbook_when_a_visit_links_the_ticket(runtime, clock):
    s = runtime.settings
    a1 = issue(runtime, "A")                       # 09:00 WIB
    a2 = issue(runtime, "A")
    b1 = issue(runtime, "B")
    Visit.create(ticket=a2, kiosk="k", started_at=a2.issued_at,
                 guestbook_completed_at=a2.issued_at + dt.timedelta(minutes=6))
    clock.advance(4 * 60)
    queue.call_next(s, clock, "A")                 # 4 min after issue → within
    clock.advance(6 * 60)                          # 09:10
    queue.call_next(s, clock, "A")                 # 4 min after its guestbook (09:06) → within
    st_ = queue.queue_status(s, clock)
    assert (st_.within_standard, st_.decided) == (2, 3)         # B-001 has waited 10 min: late
    assert [(t.number, round(t.waited_min), t.from_guestbook) for t in st_.late] == [("B-001", 10, False)]
    assert st_.late[0].since.strftime("%H:%M") == "09:00"
    a = st_.services[0]
    assert (a.code, a.issued, a.waiting, a.called, a.median_wait_min) == ("A", 2, 0, 2, 4.0)
    b = st_.services[1]
    assert (b.waiting, b.called, b.median_wait_min) == (1, 0, None)
    clock.advance(2 * 60)
    queue.call_next(s, clock, "B")                 # 12 min: called late
    queue.mark_served(s, clock, "A-001")
    st_ = queue.queue_status(s, clock)
    assert (st_.within_standard, st_.decided, st_.late) == (2, 3, [])
    assert st_.share_within == pytest.approx(2 / 3)
    assert st_.services[0].served == 1 and st_.services[1].median_wait_min == 12.0
    del a1, b1


def test_status_of_an_empty_day(runtime):
    st_ = queue.queue_status(runtime.settings, runtime.clock)
    assert st_.share_within is None and st_.late == [] and all(s.issued == 0 for s in st_.services)


# --- the CLI, same code path ---

def test_cli_ticket_prints_the_number_and_exit_codes(tmp_path, capsys):
    path = write_config(tmp_path)
    assert cli.main(["--config", str(path), "init"]) == 0
    capsys.readouterr()
    assert cli.main(["--config", str(path), "ticket", "A"]) == 0
    assert capsys.readouterr().out == "A-001\n"
    assert cli.main(["--config", str(path), "ticket", "a", "--lang", "en"]) == 0
    assert capsys.readouterr().out == "A-002\n"
    assert b"Library" in next((tmp_path / "data" / "printer").glob("*A-002.bin")).read_bytes()
    assert cli.main(["--config", str(path), "ticket", "Z"]) == 1
    assert "unknown service 'Z'" in capsys.readouterr().err


def test_cli_ticket_exit_3_when_not_printed_then_reprint(tmp_path, capsys):
    bad = write_config(tmp_path, replace={'kind = "dummy"': 'kind = "network"', 'host = ""': 'host = "127.0.0.1"',
                                          "port = 9100": f"port = {free_closed_port()}", "timeout_s = 5.0": "timeout_s = 1.0"})
    assert cli.main(["--config", str(bad), "init"]) == 0
    capsys.readouterr()
    assert cli.main(["--config", str(bad), "ticket", "D"]) == 3
    out = capsys.readouterr()
    assert out.out == "D-001\n"
    assert "D-001 issued but not printed" in out.err and "kiosk ticket --reprint D-001" in out.err
    good = write_config(tmp_path)                  # same folder, same database, dummy printer
    assert cli.main(["--config", str(good), "ticket", "--reprint", "d-001"]) == 0
    assert capsys.readouterr().out == "D-001\n"
    assert list((tmp_path / "data" / "printer").glob("ticket-*-D-001-reprint1.bin"))
    assert cli.main(["--config", str(good), "ticket"]) == 1


def test_cli_queue_call_done_no_show_status(tmp_path, capsys):
    path = str(write_config(tmp_path))
    assert cli.main(["--config", path, "init"]) == 0
    for code in "AAB":
        cli.main(["--config", path, "ticket", code])
    capsys.readouterr()
    assert cli.main(["--config", path, "queue", "call", "A", "--counter", "3"]) == 0
    assert capsys.readouterr().out.strip() == "A-001  → counter 3"
    assert cli.main(["--config", path, "queue", "done", "A-001"]) == 0
    assert capsys.readouterr().out.strip() == "A-001 served"
    assert cli.main(["--config", path, "queue", "no-show", "A-002"]) == 0
    assert cli.main(["--config", path, "queue", "done", "A-002"]) == 1
    assert "A-002 is already marked no-show" in capsys.readouterr().err
    assert cli.main(["--config", path, "queue", "call", "C"]) == 0
    assert "nobody is waiting for C" in capsys.readouterr().err
    assert cli.main(["--config", path, "queue", "status"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"A\s+Perpustakaan\s+2\s+0\s+0\s+1\s+1\s+0\.0 min", out), out
    assert re.search(r"B\s+Konsultasi Statistik\s+1\s+1\s+0\s+0\s+0\s+- min", out), out
    assert "Within 5 min: 2 of 2 (100.0 %)" in out and "1 waiting, not late yet" in out
    assert "Printer (dummy" in out and "online, paper ok" in out


# --- a committed number always reaches the visitor (issue 11.5) ---

def test_an_outcome_the_database_refuses_is_reported_not_raised(runtime, tmp_path):
    # The ticket is committed; then the database becomes read-only (a read-only remount, a lost
    # server). Printing still happens and print_ticket returns instead of raising.
    issued = queue.issue_ticket(runtime.settings, runtime.clock, "A")
    runtime.db.close()
    read_only = db_mod.open_sqlite(sqlite_path(runtime.settings), read_only=True)
    db_mod.bind(read_only)
    try:
        result = queue.print_ticket(runtime.settings, runtime.clock, runtime.printer, issued.ticket,
                                    ahead=issued.waiting_ahead, shown=True)
    finally:
        read_only.close()
        db_mod.bind(runtime.db)
    assert result.printed and result.error is None
    assert isinstance(result.not_recorded, DatabaseReadOnly)
    assert (tmp_path / "data" / "printer" / "ticket-20261124-A-001.bin").exists()
    ticket = Ticket.get_by_id(issued.ticket.id)
    assert ticket.printed_at is None and ticket.shown_at is None      # nothing recorded: staff see it
    assert [u.number for u in queue.queue_status(runtime.settings, runtime.clock).undelivered] == ["A-001"]


def test_status_lists_numbers_never_shown_or_printed(runtime, clock):
    s = runtime.settings
    refused = make_printer(dataclasses.replace(s.printer, kind="network", host="127.0.0.1",
                                               port=free_closed_port(), timeout_s=0.5))
    queue.take_ticket(s, clock, runtime.printer, "A")                    # printed
    queue.take_ticket(s, clock, refused, "A", shown=True)                # on screen, printer failed
    queue.issue_ticket(s, clock, "B")                                    # committed, then the kiosk died
    queue.take_ticket(s, clock, make_printer(dataclasses.replace(s.printer, kind="none")), "C", shown=True)
    st = queue.queue_status(s, clock)
    assert [(u.number, u.kiosk, f"{u.issued:%H:%M}") for u in st.undelivered] == [("B-001", "kiosk-1", "09:00")]
    assert st.not_printed == ["A-002"]
    text = format_status(st, s.office.timezone)
    assert "Issued but never shown or printed" in text and re.search(r"B-001\s+issued 09:00 WIB on kiosk-1", text)
    assert "Shown but not printed: A-002" in text
    queue.call_next(s, clock, "B")                                       # the visitor came anyway
    assert queue.queue_status(s, clock).undelivered == []


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (root only, as in CI): the database lives there and a test can fill it."""
    if os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root (CI runs the suite as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, bytes(65536))
    except OSError:                 # ENOSPC: the disk is full
        pass
    finally:
        os.close(fd)


def test_cli_ticket_on_a_disk_that_fills_while_printing_still_gives_the_number(tmp_path, small_disk, capsys):
    # Seen before: on a nearly full disk A-026 was printed but `kiosk ticket` crashed without showing it.
    # The printer takes the ticket, the disk fills before it answers: the number is committed and printed,
    # only recording that fails.
    server = FakeNetworkPrinter("ok", after_ticket=lambda: fill(small_disk))
    try:
        path = write_config(tmp_path, replace={
            'url = "sqlite:///data/kiosk.db"': f'url = "sqlite:///{small_disk}/kiosk.db"',
            'kind = "dummy"': 'kind = "network"', 'host = ""': 'host = "127.0.0.1"',
            "port = 9100": f"port = {server.port}", "timeout_s = 5.0": "timeout_s = 2.0"})
        assert cli.main(["--config", str(path), "init"]) == 0
        capsys.readouterr()
        assert cli.main(["--config", str(path), "ticket", "A"]) == 3
        out = capsys.readouterr()
        assert out.out == "A-001\n"
        assert "A-001 printed, but the database did not record it" in out.err and "disk is full" in out.err
        assert "Traceback" not in out.err
        assert b"A-001" in server.received
    finally:
        server.close()
    (small_disk / "filler").unlink()
    assert cli.main(["--config", str(path), "queue", "status"]) == 0
    assert re.search(r"never shown or printed.*\n\s+A-001\s+issued", capsys.readouterr().out)


def test_cli_ticket_gives_the_number_whatever_fails_after_the_commit(tmp_path, capsys):
    # A database whose second write fails, by a trigger: not a storage error the core expects, so it
    # reaches the command's last-resort boundary; the number is on stdout all the same, exit 3.
    path = write_config(tmp_path)
    assert cli.main(["--config", str(path), "init"]) == 0
    rt = make_runtime(tmp_path)
    rt.db.execute_sql("CREATE TRIGGER second_write_fails BEFORE UPDATE ON ticket "
                      "BEGIN SELECT RAISE(ABORT, 'the second write fails'); END")
    rt.close()
    capsys.readouterr()
    assert cli.main(["--config", str(path), "ticket", "B"]) == 3
    out = capsys.readouterr()
    assert out.out == "B-001\n"
    assert "B-001 issued but not printed" in out.err and "second write fails" in out.err
    assert "Traceback" not in out.err


# --- the ticket's QR: the phone page (issue 15.5) ---

def _printed(rt, tmp_path, code="A"):
    from kiosk.devices.printer import DummyPrinter

    printer = DummyPrinter(dataclasses.replace(rt.settings.printer, folder=tmp_path / "out"))
    issued = queue.issue_ticket(rt.settings, rt.clock, code)
    assert queue.print_ticket(rt.settings, rt.clock, printer, issued.ticket).printed
    return issued.ticket, next((tmp_path / "out").glob("*.bin")).read_bytes()


def test_the_printed_qr_carries_the_phone_page_of_the_ticket(tmp_path, clock):
    from kiosk.core import calls
    from kiosk.core.models import TicketLink

    rt = make_runtime(tmp_path, clock=clock, replace={'public_url = "http://127.0.0.1:8080"':
                                                      'public_url = "https://pst.example/kiosk"'})
    ticket, data = _printed(rt, tmp_path)
    url = f"https://pst.example/kiosk/q/{TicketLink.get(TicketLink.ticket == ticket.id).token}"
    store = b"\x1d(k" + (len(url) + 3).to_bytes(2, "little") + b"1P0" + url.encode()
    assert store in data and b"\x1d(k\x03\x001Q0" in data            # stored, then printed (native QR)
    assert calls.phone_url(rt.settings, ticket) == url                # the screen shows the same link
    assert calls.phone_status(rt.settings, clock, url.rsplit("/", 1)[1]).number == ticket.number
    rt.close()


def test_no_public_url_prints_no_qr(tmp_path, clock):
    """Without an address phones can reach, a QR would lead nowhere: none is printed, the rest is."""
    rt = make_runtime(tmp_path, clock=clock, replace={'public_url = "http://127.0.0.1:8080"': 'public_url = ""'})
    ticket, data = _printed(rt, tmp_path)
    assert b"\x1d(k" not in data and ticket.number.encode() in data and b"GRATIS" in data
    # nor the line that sends the visitor to the QR to rate the service (issue 14.9)
    assert queue.ticket_text(rt.settings, ticket, 0).rate_line == "" and b"pindai QR" not in data
    rt.close()


def test_ticket_text_tells_to_rate_the_service_by_the_qr_after_being_served(runtime):
    ticket = queue.issue_ticket(runtime.settings, runtime.clock, "A").ticket
    assert queue.ticket_text(runtime.settings, ticket, 0).rate_line == (
        "Setelah dilayani, pindai QR untuk menilai layanan.")
    english = queue.issue_ticket(runtime.settings, runtime.clock, "A", language="en").ticket
    assert queue.ticket_text(runtime.settings, english, 0).rate_line == (
        "After being served, scan the QR to rate the service.")
