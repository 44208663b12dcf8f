"""The ticket printer on real bytes, real loopback sockets, a real FIFO and a real pseudo-terminal.

The network "printer" is ``fake_printer.FakeNetworkPrinter``, a small ESC/POS server on 127.0.0.1.
"""
from __future__ import annotations

import dataclasses
import fcntl
import os
import platform
import re
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st
from PIL import Image

from fake_printer import DLE_EOT, STATUS_OK, FakeNetworkPrinter, free_closed_port
from kiosk.core import calls, queue
from kiosk.core.models import Ticket
from kiosk.devices import printer as printer_mod
from kiosk.devices.escpos_preview import preview_png
from kiosk.devices.printer import DummyPrinter, FilePrinter, NoPrinter, PrinterError, make_printer, render
from kiosk.devices.ticket_layout import ticket_job


@pytest.fixture
def fake_printer():
    servers = []

    def start(mode="ok", **kw):
        s = FakeNetworkPrinter(mode, **kw)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


def network_settings(runtime, port: int, **changes):
    return dataclasses.replace(runtime.settings.printer, kind="network", host="127.0.0.1", port=port,
                               timeout_s=0.5, **changes)


# --- layout on real bytes ---

def test_dummy_ticket_bytes_hold_number_service_time_qr_and_cut(runtime, tmp_path):
    printer = DummyPrinter(dataclasses.replace(runtime.settings.printer, folder=tmp_path / "out"))
    issued = queue.issue_ticket(runtime.settings, runtime.clock, "B")
    result = queue.print_ticket(runtime.settings, runtime.clock, printer, issued.ticket)
    assert result.printed
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["ticket-20261124-B-001.bin", "ticket-20261124-B-001.png"]
    data = files[0].read_bytes()
    assert data.startswith(b"\x1b@")                              # printer reset first
    assert b"B-001" in data
    assert re.search(rb"\x1d!\x55[^\n]*B-001\n", data)           # the number at 6x6
    assert b"Konsultasi Statistik" in data
    assert b"24-11-2026 09:00 WIB" in data                        # FakeClock 02:00 UTC, Asia/Jakarta
    assert b"Tidak ada antrean sebelum Anda" in data
    assert b"Silakan mengisi buku tamu" in data
    url = calls.phone_url(runtime.settings, issued.ticket)        # the phone page (issue 15.5)
    assert url.startswith("http://127.0.0.1:8080/q/")
    assert b"\x1d(k" + bytes([len(url) + 3, 0]) + b"1P0" + url.encode() in data
    assert b"\x1d(k\x03\x001Q0" in data                           # print the stored QR (native)
    assert b"GRATIS" in data and b"SP4N-LAPOR!" in data
    assert b"Pengaduan BPS: https://pengaduan.bps.go.id" in data and b"BPS complaints" not in data
    assert data.endswith(b"\x1bd\x06\x1dV\x00")                   # feed, then a full cut, last
    ticket = Ticket.get_by_id(issued.ticket.id)
    assert ticket.printed_at is not None and not ticket.print_failed
    with Image.open(files[1]) as img:
        assert img.format == "PNG" and img.width == 576 + 32 and img.height > 600


def test_english_ticket_and_waiting_ahead(runtime, tmp_path):
    printer = DummyPrinter(dataclasses.replace(runtime.settings.printer, folder=tmp_path))
    for _ in range(3):
        queue.issue_ticket(runtime.settings, runtime.clock, "A")
    issued = queue.issue_ticket(runtime.settings, runtime.clock, "A", language="en")
    assert issued.waiting_ahead == 3 and issued.ticket.number == "A-004"
    queue.print_ticket(runtime.settings, runtime.clock, printer, issued.ticket)
    data = (tmp_path / "ticket-20261124-A-004.bin").read_bytes()
    assert b"Library" in data and b"3 people are waiting ahead of you" in data
    assert b"Please fill in the guestbook" in data and b"Perpustakaan" not in data
    # complaint channels by their English name where the config gives one, else as written
    assert b"BPS complaints: https://pengaduan.bps.go.id" in data and b"Pengaduan BPS" not in data
    assert b"SP4N-LAPOR!: https://www.lapor.go.id" in data


def test_58mm_paper_keeps_the_number_on_one_line(runtime):
    text = queue.ticket_text(runtime.settings, queue.issue_ticket(runtime.settings, runtime.clock, "D").ticket, 0)
    data = render(ticket_job(text, paper_width_mm=58))
    assert re.search(rb"\x1d!\x33[^\n]*D-001\n", data)           # 4x4 on 32 columns
    assert all(len(line) <= 32 for line in data.split(b"\n") if b"\x1b" not in line and b"\x1d" not in line)


def test_the_ticket_says_to_rate_by_its_qr_after_service_wrapped_to_the_paper(runtime):
    """Issue 14.9: the rating is offered on the phone page after the desk serves the ticket; the paper
    says so under the QR, in the visitor's language, wrapped by words to 48 or 32 columns."""
    for lang, words, free in (("id", b"Setelah dilayani, pindai QR untuk menilai layanan.", b"GRATIS"),
                              ("en", b"After being served, scan the QR to rate the service.", b"FREE")):
        ticket = queue.issue_ticket(runtime.settings, runtime.clock, "A", language=lang).ticket
        text = queue.ticket_text(runtime.settings, ticket, 0)
        for paper, width in ((80, 48), (58, 32)):
            data = render(ticket_job(text, paper_width_mm=paper))
            lines = data.split(b"\n")
            assert words in b" ".join(line.strip() for line in lines)           # whole, wrapped by words
            assert all(len(line) <= width for line in lines if b"\x1b" not in line and b"\x1d" not in line)
            # under the QR it speaks of, above the free-of-charge line
            assert data.index(b"\x1d(k\x03\x001Q0") < data.index(words.split()[0]) < data.index(free)


def test_no_rate_line_without_a_qr(runtime):
    ticket = queue.issue_ticket(runtime.settings, runtime.clock, "A").ticket
    text = dataclasses.replace(queue.ticket_text(runtime.settings, ticket, 0), qr_data="", rate_line="")
    assert b"pindai QR" not in render(ticket_job(text))


def test_image_qr_for_profiles_without_native_qr(runtime):
    text = queue.ticket_text(runtime.settings, queue.issue_ticket(runtime.settings, runtime.clock, "A").ticket, 0)
    data = render(ticket_job(text, native_qr=False))
    assert b"1P0" not in data and b"\x1dv0" in data               # raster image instead


def test_preview_draws_the_bytes(tmp_path):
    def job(p):
        p.set(align="center", custom_size=True, width=4, height=4)
        p.textln("X-1")
        p.qr("hello", native=True)
        p.cut()

    out = preview_png(render(job), tmp_path / "p.png", 58)
    with Image.open(out) as img:
        assert img.width == 384 + 32
        assert img.convert("L").getextrema()[0] == 0              # something black was drawn


ESC_POS_PIECES = st.sampled_from([b"\x1b", b"\x1d", b"\x10\x04", b"\n", b"V", b"(k", b"v0", b"!", b"a", b"E",
                                   b"d", b"\x00", b"\x01", b"\x05\x00", b"P", b"Q", b"1", b"0", b"text", b"\xff"])


@hsettings(max_examples=150, deadline=None)
@given(st.lists(ESC_POS_PIECES, max_size=30).map(b"".join))
def test_preview_never_fails_on_any_bytes(data):
    # other capabilities (the locker slip) send their own jobs: the preview must draw or skip, never raise
    with tempfile.TemporaryDirectory() as folder:
        assert preview_png(data, Path(folder) / "p.png").exists()


def test_escpos_capabilities_cache_is_a_fixed_folder():
    render(lambda p: p.textln("x"))
    folder = Path(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"])
    assert folder.is_dir() and any(folder.glob("*.capabilities.pickle"))


def test_kiosk_processes_starting_together_never_read_a_half_written_escpos_cache(tmp_path):
    # python-escpos writes its cache in place; 7 of 8 bare `import escpos.printer` racing on an empty
    # folder died with EOFError when this was written. Through the kiosk's printer none may fail.
    env = dict(os.environ, ESCPOS_CAPABILITIES_PICKLE_DIR=str(tmp_path))
    code = "from kiosk.devices.printer import render; render(lambda p: p.textln('x'))"
    starts = [subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
              for _ in range(6)]
    failures = [p.communicate()[1] for p in starts if p.wait(timeout=120) != 0]
    assert failures == []
    assert [p.name for p in tmp_path.iterdir()] == [f"{platform.python_version()}.capabilities.pickle"]


def test_escpos_is_set_up_once_at_the_first_print_not_at_import(tmp_path):
    # one mechanism (kiosk.devices.escpos_cache): importing the devices costs no escpos, and the
    # first print publishes the cache into the configured folder
    env = dict(os.environ, ESCPOS_CAPABILITIES_PICKLE_DIR=str(tmp_path / "cache"))
    code = ("import sys, kiosk.devices, kiosk.devices.mail, kiosk.devices.printer\n"
            "assert not [m for m in sys.modules if m.startswith('escpos')], 'escpos imported early'\n"
            "kiosk.devices.printer.render(lambda p: p.textln('x'))\n"
            "assert 'escpos.capabilities' in sys.modules\n")
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert any((tmp_path / "cache").glob("*.capabilities.pickle"))


def test_devices_use_no_private_attribute_of_another_object():
    # python-escpos's _raw/_read and a patched Serial instance were used here (issue 12.6): only our own
    # privates (self._x) may be touched
    import ast

    offenders = []
    for path in sorted(Path(printer_mod.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                    offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert offenders == []


def test_make_printer_picks_the_kind(runtime):
    p = runtime.settings.printer
    assert isinstance(runtime.printer, DummyPrinter)
    assert isinstance(make_printer(dataclasses.replace(p, kind="none")), NoPrinter)
    assert type(make_printer(dataclasses.replace(p, kind="network"))).__name__ == "NetworkPrinter"
    assert make_printer(dataclasses.replace(p, kind="dummy")).status().ready


def test_unknown_profile_is_a_printer_error(runtime):
    with pytest.raises(PrinterError, match="profile"):
        render(lambda p: p.textln("x"), profile="No-Such-Printer-9000")


# --- network kind against loopback servers ---

def test_network_bytes_arrive(runtime, fake_printer):
    server = fake_printer("ok")
    runtime.printer = make_printer(network_settings(runtime, server.port))
    issued, result = queue.take_ticket(runtime.settings, runtime.clock, runtime.printer, "C")
    assert result.printed, result.error
    assert b"C-001" in server.received and server.received.rstrip(b"\x10\x04\x01").endswith(b"\x1dV\x00")
    assert runtime.printer.status() == printer_mod.PrinterStatus(True, "ok", runtime.printer.describe())


def test_network_refused_keeps_number_and_reprint_works(runtime, fake_printer):
    refused = make_printer(network_settings(runtime, free_closed_port()))
    issued, result = queue.take_ticket(runtime.settings, runtime.clock, refused, "A")
    assert not result.printed and result.error.reason == "refused"
    ticket = Ticket.get_by_id(issued.ticket.id)
    assert ticket.number == "A-001" and ticket.print_failed and "cannot connect" in ticket.print_error
    assert ticket.printed_at is None

    server = fake_printer("ok")
    good = make_printer(network_settings(runtime, server.port))
    again, result = queue.reprint_ticket(runtime.settings, runtime.clock, good, "A-001")
    assert result.printed and b"A-001" in server.received
    ticket = Ticket.get_by_id(issued.ticket.id)
    assert not ticket.print_failed and ticket.print_error == "" and ticket.reprints == 1
    assert ticket.printed_at is not None
    # the next visitor still gets the next number
    assert queue.issue_ticket(runtime.settings, runtime.clock, "A").ticket.number == "A-002"


def test_network_printer_that_never_reads_times_out(runtime, fake_printer):
    server = fake_printer("silent")
    printer = make_printer(network_settings(runtime, server.port))
    start = time.monotonic()
    issued, result = queue.take_ticket(runtime.settings, runtime.clock, printer, "B")
    elapsed = time.monotonic() - start
    assert not result.printed and result.error.reason == "timeout"
    assert elapsed < 2.0                                          # the 0.5 s timeout, not the library's 60 s
    assert Ticket.get_by_id(issued.ticket.id).print_failed


def test_network_printer_that_hangs_up_mid_ticket(runtime, fake_printer):
    server = fake_printer("drop", drop_after=60)
    printer = make_printer(network_settings(runtime, server.port))
    issued, result = queue.take_ticket(runtime.settings, runtime.clock, printer, "D")
    assert not result.printed and result.error.reason in ("dropped", "timeout")
    assert 0 < len(server.received) <= 60
    ticket = Ticket.get_by_id(issued.ticket.id)
    assert ticket.print_failed and ticket.number == "D-001" and ticket.status == "waiting"


@pytest.mark.parametrize("mode,reason", [("offline", "offline"), ("no_paper", "no_paper")])
def test_network_printer_offline_or_without_paper_is_not_sent_the_ticket(runtime, fake_printer, mode, reason):
    server = fake_printer(mode)
    printer = make_printer(network_settings(runtime, server.port))
    with pytest.raises(PrinterError) as err:
        printer.send(lambda p: p.textln("A-001"), "t")
    assert err.value.reason == reason and b"A-001" not in server.received


def test_a_web_server_on_the_printer_port_is_not_an_escpos_printer(runtime, fake_printer):
    # it used to be reported as "offline (cover open or paper out?)": 'H' of "HTTP/1.1" has bit 3 set
    server = fake_printer("http")
    printer = make_printer(network_settings(runtime, server.port))
    issued, result = queue.take_ticket(runtime.settings, runtime.clock, printer, "A")
    assert not result.printed and result.error.reason == "not_escpos"
    message = str(result.error)
    assert "not an ESC/POS printer" in message and "web server (HTTP)" in message
    assert "paper" not in message and "offline" not in message
    assert bytes(server.received) == DLE_EOT + b"\x01"          # asked for its status, sent no ticket
    assert Ticket.get_by_id(issued.ticket.id).print_failed
    status = printer.status()
    assert status.online is False and "not an ESC/POS printer" in status.detail and not status.ready


def test_status_check_off_sends_without_asking(runtime, fake_printer):
    server = fake_printer("silent")
    printer = make_printer(network_settings(runtime, server.port, status_check=False))
    printer.send(lambda p: p.textln("A-009"), "t")                # kernel buffers take it; no answer needed


# --- file and none kinds ---

def test_file_kind_appends_bytes_and_refuses_a_fifo_without_reader(runtime, tmp_path):
    target = tmp_path / "lp0"
    FilePrinter(dataclasses.replace(runtime.settings.printer, kind="file", device=str(target))) \
        .send(lambda p: p.textln("A-001"), "t")
    assert b"A-001" in target.read_bytes()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)                 # nobody at the other end, as an unplugged printer's device
    with pytest.raises(PrinterError) as err:
        FilePrinter(dataclasses.replace(runtime.settings.printer, kind="file", device=str(fifo), timeout_s=0.5)) \
            .send(lambda p: p.textln("A-001"), "t")
    assert err.value.reason == "refused"


def test_file_kind_times_out_when_the_printer_stops_taking_bytes(runtime, tmp_path):
    # A real FIFO with a reader that never reads and a one-page buffer: the first 4 KB go in, then the
    # printer "jams"; the write loop must give up after timeout_s instead of blocking the kiosk.
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        buffer = fcntl.fcntl(reader, fcntl.F_SETPIPE_SZ, 4096)
        printer = FilePrinter(dataclasses.replace(runtime.settings.printer, kind="file", device=str(fifo),
                                                  timeout_s=0.3))
        with pytest.raises(PrinterError) as err:
            printer.send(lambda p: p.text("x" * (8 * buffer)), "t")
        assert err.value.reason == "timeout" and "no progress for 0.3 s" in str(err.value)
        taken = os.read(reader, 16 * buffer)
        assert 0 < len(taken) <= buffer             # it got what fitted, no more
    finally:
        os.close(reader)


def test_no_printer_kind_is_not_a_failure(runtime):
    issued, result = queue.take_ticket(runtime.settings, runtime.clock,
                                       make_printer(dataclasses.replace(runtime.settings.printer, kind="none")), "A")
    assert not result.printed and result.error.reason == "off"
    assert not Ticket.get_by_id(issued.ticket.id).print_failed


# --- serial kind over a pseudo-terminal (a real tty device, as /dev/ttyUSB0 would be) ---

def test_serial_kind_over_a_pty(runtime):
    master, slave = os.openpty()
    received = bytearray()
    stop = threading.Event()

    def printer_side() -> None:
        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            chunk = os.read(master, 4096)
            received.extend(chunk)
            for _ in range(chunk.count(DLE_EOT)):
                os.write(master, STATUS_OK)

    thread = threading.Thread(target=printer_side, daemon=True)
    thread.start()
    try:
        printer = make_printer(dataclasses.replace(runtime.settings.printer, kind="serial",
                                                   device=os.ttyname(slave), timeout_s=1.0))
        issued, result = queue.take_ticket(runtime.settings, runtime.clock, printer, "B")
        assert result.printed, result.error
        assert b"B-001" in received and b"\x1dV\x00" in received
        assert printer.status().online is True
    finally:
        stop.set()
        thread.join(2)
        os.close(master)
        os.close(slave)


def test_serial_kind_without_a_device_says_so(runtime, tmp_path):
    printer = make_printer(dataclasses.replace(runtime.settings.printer, kind="serial",
                                               device=str(tmp_path / "ttyNONE"), timeout_s=0.5))
    with pytest.raises(PrinterError) as err:
        printer.send(lambda p: p.textln("x"), "t")
    assert err.value.reason == "refused" and "ttyNONE" in str(err.value)


def test_cli_printer_status_and_test_page(tmp_path, capsys):
    from kiosk import cli
    from helpers import write_config

    path = str(write_config(tmp_path))
    assert cli.main(["--config", path, "init"]) == 0
    assert cli.main(["--config", path, "printer", "status"]) == 0
    assert "online, paper ok" in capsys.readouterr().out
    assert cli.main(["--config", path, "printer", "test"]) == 0
    page = next((tmp_path / "data" / "printer").glob("test-*.bin")).read_bytes()
    assert b"Test page / Halaman uji" in page and b"A-000" in page and page.endswith(b"\x1dV\x00")
    assert b"dummy (" in page and b"80 mm" in page           # which printer this is (wrapped to the paper)
    off = str(write_config(tmp_path, replace={'kind = "dummy"': 'kind = "none"'}))
    assert cli.main(["--config", off, "printer", "test"]) == 3
    assert "printing is turned off" in capsys.readouterr().err
