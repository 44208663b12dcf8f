"""The ``sane`` scanner kind against SANE's built-in ``test`` device (Debian sane-utils + libsane1), enabled
only for these tests through a private SANE_CONFIG_DIR; faults are the test backend's own options
(``read-status-code``, ``read-delay``) written into that folder's test.conf, so each is real scanimage
behaviour: an exit status, a half-read page, a hang."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from PIL import Image

from kiosk.core.config_scanner import ScannerSettings
from kiosk.core.ports import ScanFault, ScannerError
from kiosk.devices.scanner import SaneScanner
from sane_helpers import sane_test_device

pytestmark = pytest.mark.skipif(shutil.which("scanimage") is None,
                                reason="scanimage missing: apt-get install sane-utils libsane1")


def scanner(**changes) -> SaneScanner:
    settings = ScannerSettings(kind="sane", device="test:0", folder=Path("/nonexistent"))
    return SaneScanner(dataclasses.replace(settings, **changes))


def test_a_page_is_one_whole_png_at_the_resolution(tmp_path, monkeypatch):
    sane_test_device(tmp_path / "sane", monkeypatch, test_picture='"Grid"')
    work = tmp_path / "work"
    [page] = scanner(resolution=150).scan(work)
    with Image.open(page) as im:
        im.load()
        # the test device's glass is 200 mm square: A4 is clamped to it, 200 mm at 150 dpi = 1181 px
        assert im.size == (1181, 1181) and im.mode == "L"
    assert [p.name for p in work.iterdir()] == [page.name]      # no temporary file left


def test_status_names_the_device(tmp_path, monkeypatch):
    sane_test_device(tmp_path / "sane", monkeypatch)
    assert scanner().status().startswith("sane test:0: ready, Gray 150 dpi")


@pytest.mark.parametrize("status, fault", [
    ("SANE_STATUS_DEVICE_BUSY", ScanFault.BUSY),
    ("SANE_STATUS_JAMMED", ScanFault.JAMMED),
    ("SANE_STATUS_COVER_OPEN", ScanFault.COVER_OPEN),
    ("SANE_STATUS_NO_DOCS", ScanFault.NO_PAGE),
    ("SANE_STATUS_IO_ERROR", ScanFault.LOST),        # the device went away while the page was being read
])
@pytest.mark.parametrize("picture", ["Solid black", "Grid"])
def test_a_fault_while_reading_is_typed_and_leaves_no_file(tmp_path, monkeypatch, status, fault, picture):
    # with a grid, scanimage has begun writing the PNG when sane_read fails and then exits 0 (SIGPIPE):
    # only its words on stderr and the cut-short image tell the fault
    sane_test_device(tmp_path / "sane", monkeypatch, read_status_code=f'"{status}"', test_picture=f'"{picture}"')
    work = tmp_path / "work"
    with pytest.raises(ScannerError) as err:
        scanner().scan(work)
    assert err.value.reason == fault
    assert "test:0" in str(err.value)                 # the staff line names the device
    assert err.value.visitor_message                   # and the visitor gets a sentence
    assert list(work.iterdir()) == []


def test_no_such_scanner(tmp_path, monkeypatch):
    sane_test_device(tmp_path / "sane", monkeypatch)
    with pytest.raises(ScannerError) as err:
        scanner(device="epson2:net:192.0.2.7").scan(tmp_path / "work")
    assert err.value.reason == ScanFault.NO_SCANNER
    with pytest.raises(ScannerError) as err:
        scanner(device="test:7").status()
    assert err.value.reason == ScanFault.NO_SCANNER


def test_scanimage_not_installed(tmp_path):
    s = scanner()
    s.scanimage = str(tmp_path / "no-scanimage")
    with pytest.raises(ScannerError) as err:
        s.scan(tmp_path / "work")
    assert err.value.reason == ScanFault.NO_SCANNER and "sane-utils" in str(err.value)


def test_a_scanner_that_stops_answering_is_killed_at_the_timeout(tmp_path, monkeypatch):
    # 200 ms after every buffer: a page takes far longer than the 1 s allowed here
    sane_test_device(tmp_path / "sane", monkeypatch, test_picture='"Grid"', read_delay="true",
                     read_delay_duration="200000")
    work = tmp_path / "work"
    with pytest.raises(ScannerError) as err:
        scanner(timeout_s=1.0).scan(work)
    assert err.value.reason == ScanFault.LOST and "no answer within 1 s" in str(err.value)
    assert list(work.iterdir()) == []                 # the half-written page is gone


def test_a_fault_is_told_the_same_way_every_time(tmp_path, monkeypatch):
    # scanimage exits 0 now and then after a failed sane_read (it dies of SIGPIPE when the test backend's reader
    # stops), and that reader may outlive it holding scanimage's pipes: over 20 scans every one must still say
    # "cover open", promptly, and leave nothing behind
    sane_test_device(tmp_path / "sane", monkeypatch, read_status_code='"SANE_STATUS_COVER_OPEN"', test_picture='"Grid"')
    s, work = scanner(timeout_s=20.0), tmp_path / "work"
    reasons = []
    for _ in range(20):
        with pytest.raises(ScannerError) as err:
            s.scan(work)
        reasons.append(err.value.reason)
    assert reasons == [ScanFault.COVER_OPEN] * 20
    assert list(work.iterdir()) == []
