"""The ticket printer: ESC/POS through python-escpos, one connection kind chosen by config.

Every kind offers ``print_ticket`` / ``print_locker_slip`` (the ports core uses), ``print_test_page``,
``send(job, name)`` and ``status()``. A job (layouts in ``ticket_layout`` and ``locker_slip``) is first
rendered into bytes in memory (a ``Dummy`` with the configured profile), so a layout error never leaves
half a ticket behind; then the bytes go over a connection opened with the configured timeout (never the
library's 60 s) and closed again. Any refusal, timeout, drop, "offline", "no paper" or an answer that is
not ESC/POS becomes a :class:`PrinterError`. Only python-escpos's public API is used: its connection
classes open and close the device, their public ``device`` (socket, pyserial port, pyusb device) carries
the bytes through that library's own public calls, and ``query_status`` asks for the status.
The ``dummy`` kind writes ``<folder>/<name>.bin`` (the exact bytes) and a ``<name>.png`` preview
(``escpos_preview``): what the example config uses and what tests read.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import enum
import errno
import logging
import os
import re
import select
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from kiosk.core.config import PrinterSettings
from kiosk.core.ports import LockerSlipText, PrinterError, PrintFault, TicketText  # noqa: F401  (its interface)
from kiosk.devices.escpos_cache import load_escpos
from kiosk.devices.escpos_preview import preview_png
from kiosk.devices.locker_slip import locker_slip_job
from kiosk.devices.ticket_layout import Job, printer_test_job, ticket_job

if TYPE_CHECKING:  # escpos is imported lazily, at the first print (kiosk.devices.escpos_cache)
    from escpos.escpos import Escpos

log = logging.getLogger(__name__)

# A real-time status byte (DLE EOT 1 or 4) has bits 1 and 4 set, bits 0 and 7 clear; "HTTP/1.1 …" starts 0x48
_STATUS_FIXED_MASK, _STATUS_FIXED_BITS = 0x93, 0x12


class Paper(enum.StrEnum):
    OK = "ok"
    LOW = "low"
    OUT = "out"


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None          # None = this kind cannot tell
    paper: Paper | None          # None = cannot tell
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.online is not False and self.paper != Paper.OUT


def _profile(name: str):
    load_escpos()
    from escpos.capabilities import get_profile

    try:
        return get_profile(name)
    except KeyError:
        raise PrinterError(f"unknown printer profile {name!r} ([printer] profile; \"default\" if unsure)") from None


def render(job: Job, profile: str = "default") -> bytes:
    """The exact bytes ``job`` produces for ``profile``, without touching any device."""
    _profile(profile)               # escpos set up first; a clear PrinterError for a name it lacks
    from escpos.printer import Dummy

    dummy = Dummy(profile=profile)
    dummy.hw("INIT")
    job(dummy)
    return dummy.output


def supports_native_qr(profile: str) -> bool:
    return bool(_profile(profile).supports("qrCode"))


class TicketPrinter:
    """Base: render the job, then deliver the bytes. Kinds implement ``_deliver`` (and ``status``)."""

    kind = "base"

    def __init__(self, settings: PrinterSettings):
        self.settings = settings

    @property
    def profile(self) -> str:
        return self.settings.profile or "default"

    @property
    def paper_width_mm(self) -> int:
        return self.settings.paper_width_mm

    def print_ticket(self, text: TicketText, name: str) -> None:
        """The domain's port (kiosk.core.ports.TicketPrinting): lay out the ticket for this paper and profile."""
        self.send(ticket_job(text, self.paper_width_mm, native_qr=supports_native_qr(self.profile)), name)

    def print_locker_slip(self, slip: LockerSlipText, name: str) -> None:
        """The domain's port: lay out a locker slip (kiosk.devices.locker_slip) for this paper."""
        self.send(locker_slip_job(slip, self.paper_width_mm), name)

    def print_test_page(self, office_name: str, now: dt.datetime) -> None:
        """``kiosk printer test``: what this printer is, a full-size sample number and a QR."""
        description = f"{self.describe()}, profile {self.profile}, {self.paper_width_mm} mm"
        self.send(printer_test_job(office_name, description, now, self.paper_width_mm,
                                   native_qr=supports_native_qr(self.profile)), f"test-{now:%Y%m%dT%H%M%S}")

    def send(self, job: Job, name: str) -> None:
        data = render(job, self.profile)
        self._deliver(data, _safe_name(name))

    def status(self) -> PrinterStatus:
        return PrinterStatus(online=None, paper=None, detail=f"{self.kind}: status not available")

    def _deliver(self, data: bytes, name: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:
        return self.kind


class NoPrinter(TicketPrinter):
    """``kind = "none"``: this kiosk prints nothing; numbers are shown on screen only."""

    kind = "none"

    def _deliver(self, data: bytes, name: str) -> None:
        raise PrinterError("printing is turned off ([printer] kind = \"none\")", PrintFault.OFF)

    def status(self) -> PrinterStatus:
        return PrinterStatus(online=False, paper=None, detail="printing is turned off")


class DummyPrinter(TicketPrinter):
    """Writes each job's bytes and a PNG preview into a folder (set-up, demos, tests)."""

    kind = "dummy"

    @property
    def folder(self) -> Path:
        return self.settings.folder or Path("data/printer")

    def _deliver(self, data: bytes, name: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{name}.bin.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, self.folder / f"{name}.bin")
        except OSError as exc:
            raise PrinterError(f"dummy printer cannot write to {self.folder}: {exc.strerror}") from None
        try:
            preview_png(data, self.folder / f"{name}.png", self.paper_width_mm)
        except Exception:  # deliberate boundary: the .bin is the print; a preview that fails is only logged
            log.warning("preview %s not drawn", name, exc_info=True)

    def status(self) -> PrinterStatus:
        return PrinterStatus(online=True, paper=Paper.OK, detail=f"dummy: writes to {self.folder}")

    def describe(self) -> str:
        return f"dummy ({self.folder})"


class _EscposDevicePrinter(TicketPrinter):
    """Kinds that talk to the printer through a python-escpos connection that can also read back.

    A kind names its escpos connection (``_connection``) and how bytes go over its open ``device``
    (``_write``); the status is asked with escpos's ``query_status`` unless the kind says otherwise."""

    def _connection(self) -> "Escpos":  # pragma: no cover - interface
        raise NotImplementedError

    def _write(self, conn: "Escpos", data: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def _ask(self, conn: "Escpos", request: bytes) -> bytes:
        return conn.query_status(request)

    def _after_open(self, conn: "Escpos") -> None:   # what escpos does not set itself (serial write timeout)
        pass

    @contextlib.contextmanager
    def _opened(self) -> Iterator["Escpos"]:
        load_escpos()
        from escpos.exceptions import DeviceNotFoundError

        conn = self._connection()
        try:
            conn.open()
            self._after_open(conn)
        except (DeviceNotFoundError, OSError, RuntimeError) as exc:   # escpos's message ends with the cause
            raise PrinterError(f"{self.describe()}: cannot connect ({_last_line(exc)})",
                               _reason_of(exc, PrintFault.REFUSED)) from None
        try:
            yield conn
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _query(self, conn: "Escpos", request: bytes) -> int:
        """One real-time status byte (DLE EOT n); an answer proves the printer read all before it."""
        try:
            answer = self._ask(conn, request)
        except OSError as exc:       # TimeoutError is an OSError too
            raise _io_error(self.describe(), exc) from None
        if not answer:
            raise PrinterError(f"{self.describe()}: the printer closed the connection", PrintFault.DROPPED)
        if answer[0] & _STATUS_FIXED_MASK != _STATUS_FIXED_BITS:
            # Something answered, but not with a status byte: a web server, a terminal server's banner…
            # Saying "offline" or "paper out" here would send staff to the paper roll.
            what = "a web server (HTTP)" if answer.startswith(b"HTTP/") else f"{bytes(answer[:16])!r}"
            raise PrinterError(f"{self.describe()}: not an ESC/POS printer — it answered the status "
                               f"request with {what}; check the host and port", PrintFault.NOT_ESCPOS)
        return answer[0]

    def _check_ready(self, conn: "Escpos") -> None:
        from escpos.constants import RT_MASK_NOPAPER, RT_MASK_ONLINE, RT_STATUS_ONLINE, RT_STATUS_PAPER

        if self._query(conn, RT_STATUS_ONLINE) & RT_MASK_ONLINE:
            raise PrinterError(f"{self.describe()}: the printer is offline (cover open?)", PrintFault.OFFLINE)
        if self._query(conn, RT_STATUS_PAPER) & RT_MASK_NOPAPER == RT_MASK_NOPAPER:
            raise PrinterError(f"{self.describe()}: the printer is out of paper", PrintFault.NO_PAPER)

    def _deliver(self, data: bytes, name: str) -> None:
        with self._opened() as conn:
            if self.settings.status_check:
                self._check_ready(conn)
            try:
                self._write(conn, data)
            except OSError as exc:      # sockets, pyserial and pyusb (USBError) all raise OSError kinds
                raise _io_error(self.describe(), exc) from None
            if self.settings.status_check:
                # Status after the ticket: the answer comes only once the printer has taken every byte,
                # so a printer that accepts and never reads, or drops us mid-ticket, is noticed here.
                self._check_ready(conn)

    def status(self) -> PrinterStatus:
        from escpos.constants import (
            RT_MASK_LOWPAPER, RT_MASK_NOPAPER, RT_MASK_ONLINE, RT_STATUS_ONLINE, RT_STATUS_PAPER,
        )

        try:
            with self._opened() as conn:
                online = not (self._query(conn, RT_STATUS_ONLINE) & RT_MASK_ONLINE)
                paper_byte = self._query(conn, RT_STATUS_PAPER)
        except PrinterError as exc:
            return PrinterStatus(online=False, paper=None, detail=str(exc))
        if paper_byte & RT_MASK_NOPAPER == RT_MASK_NOPAPER:
            paper = Paper.OUT
        elif paper_byte & RT_MASK_LOWPAPER == RT_MASK_LOWPAPER:
            paper = Paper.LOW
        else:
            paper = Paper.OK
        return PrinterStatus(online=online, paper=paper, detail=self.describe())


class NetworkPrinter(_EscposDevicePrinter):
    kind = "network"

    def _connection(self) -> "Escpos":
        from escpos.printer import Network

        if not self.settings.host:
            raise PrinterError("[printer] host is empty: set the printer's IP address", PrintFault.UNAVAILABLE)
        return Network(self.settings.host, self.settings.port, timeout=self.settings.timeout_s,
                       profile=self.profile)

    def _write(self, conn: "Escpos", data: bytes) -> None:
        conn.device.sendall(data)        # a socket, with the configured timeout per send

    def describe(self) -> str:
        return f"network printer {self.settings.host}:{self.settings.port}"


class UsbPrinter(_EscposDevicePrinter):
    kind = "usb"

    def _connection(self) -> "Escpos":
        from escpos.printer import Usb
        from escpos.printer.usb import is_usable

        if not is_usable():
            raise PrinterError("the usb kind needs pyusb (pip install pyusb) and libusb", PrintFault.UNAVAILABLE)
        if not (self.settings.usb_vendor and self.settings.usb_product):
            raise PrinterError("[printer] usb_vendor and usb_product must be set for the usb kind")
        # pyusb counts its timeout in milliseconds
        return Usb(int(self.settings.usb_vendor, 16), int(self.settings.usb_product, 16),
                   timeout=int(self.settings.timeout_s * 1000), profile=self.profile)

    def _write(self, conn: "Escpos", data: bytes) -> None:
        conn.device.write(conn.out_ep, data, conn.timeout)      # pyusb: endpoint, data, timeout (ms)

    def describe(self) -> str:
        return f"usb printer {self.settings.usb_vendor}:{self.settings.usb_product}"


class SerialPrinter(_EscposDevicePrinter):
    kind = "serial"

    def _connection(self) -> "Escpos":
        from escpos.printer import Serial
        from escpos.printer.serial import is_usable

        if not is_usable():
            raise PrinterError("the serial kind needs pyserial (pip install pyserial)", PrintFault.UNAVAILABLE)
        if not self.settings.device:
            raise PrinterError("[printer] device must be set for the serial kind, e.g. /dev/ttyUSB0")
        return Serial(self.settings.device, baudrate=self.settings.baudrate, timeout=self.settings.timeout_s,
                      profile=self.profile)

    def _after_open(self, conn: "Escpos") -> None:
        conn.device.write_timeout = self.settings.timeout_s    # escpos sets only the read timeout

    def _write(self, conn: "Escpos", data: bytes) -> None:
        conn.device.write(data)         # pyserial: blocks at most the write timeout

    def _ask(self, conn: "Escpos", request: bytes) -> bytes:
        # escpos's query_status reads 16 bytes, which on a serial line waits out the whole timeout for
        # a printer's 1-byte answer: ask through the port itself
        conn.device.write(request)
        return conn.device.read(1)

    def describe(self) -> str:
        return f"serial printer {self.settings.device}"


class FilePrinter(TicketPrinter):
    """A device file such as /dev/usb/lp0, written without blocking so a stuck printer times out."""

    kind = "file"

    def _deliver(self, data: bytes, name: str) -> None:
        path = self.settings.device
        if not path:
            raise PrinterError("[printer] device must be set for the file kind, e.g. /dev/usb/lp0")
        flags = os.O_WRONLY | os.O_NONBLOCK | os.O_APPEND
        if not path.startswith("/dev/"):
            flags |= os.O_CREAT     # a plain file may be made; an unplugged /dev/usb/lp0 must not be
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as exc:
            gone = exc.errno in (errno.ENXIO, errno.ENOENT, errno.ENODEV, errno.EACCES)
            reason = PrintFault.REFUSED if gone else PrintFault.UNAVAILABLE
            raise PrinterError(f"file printer {path}: cannot open ({exc.strerror})", reason) from None
        deadline = time.monotonic() + self.settings.timeout_s
        view = memoryview(data)
        try:
            while view:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PrinterError(f"file printer {path}: no progress for {self.settings.timeout_s:g} s",
                                       PrintFault.TIMEOUT)
                _, ready, _ = select.select([], [fd], [], left)
                if not ready:
                    continue
                try:
                    view = view[os.write(fd, view):]
                except BlockingIOError:
                    continue
                except OSError as exc:
                    raise PrinterError(f"file printer {path}: {exc.strerror}", PrintFault.DROPPED) from None
        finally:
            os.close(fd)

    def describe(self) -> str:
        return f"file printer {self.settings.device}"


class CupsPrinter(TicketPrinter):
    """A CUPS queue, fed raw ESC/POS through ``lp -o raw`` (no pycups build needed)."""

    kind = "cups"

    def _deliver(self, data: bytes, name: str) -> None:
        lp = shutil.which("lp")
        if lp is None:
            raise PrinterError("the cups kind needs the `lp` command (Debian package cups-client)")
        cmd = [lp, "-o", "raw", "-t", name]
        if self.settings.cups_printer:
            cmd += ["-d", self.settings.cups_printer]
        try:
            run = subprocess.run(cmd, input=data, capture_output=True, timeout=self.settings.timeout_s)
        except subprocess.TimeoutExpired:
            raise PrinterError(f"CUPS took no job within {self.settings.timeout_s:g} s", PrintFault.TIMEOUT) from None
        if run.returncode != 0:
            raise PrinterError(f"CUPS refused the job: {run.stderr.decode(errors='replace').strip()}",
                               PrintFault.REFUSED)

    def status(self) -> PrinterStatus:
        lpstat = shutil.which("lpstat")
        if lpstat is None or not self.settings.cups_printer:
            return super().status()
        try:
            run = subprocess.run([lpstat, "-p", self.settings.cups_printer], capture_output=True, text=True,
                                 timeout=self.settings.timeout_s)
        except subprocess.TimeoutExpired:
            return PrinterStatus(online=False, paper=None, detail="lpstat timed out")
        text = (run.stdout + run.stderr).strip()
        return PrinterStatus(online=run.returncode == 0 and "disabled" not in text, paper=None, detail=text)

    def describe(self) -> str:
        return f"CUPS printer {self.settings.cups_printer or '(default)'}"


KINDS: dict[str, type[TicketPrinter]] = {
    "dummy": DummyPrinter, "network": NetworkPrinter, "usb": UsbPrinter, "serial": SerialPrinter,
    "file": FilePrinter, "cups": CupsPrinter, "none": NoPrinter,
}


def make_printer(settings: PrinterSettings) -> TicketPrinter:
    """The printer the config asks for. Nothing is opened until the first ``send``/``status``."""
    return KINDS[settings.kind](settings)


# --- helpers ---

def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")
    return cleaned[:80] or "job"


def _last_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1].strip() if text else type(exc).__name__


def _reason_of(exc: BaseException, default: PrintFault) -> PrintFault:
    return PrintFault.TIMEOUT if isinstance(exc, TimeoutError) or "timed out" in str(exc).lower() else default


def _io_error(what: str, exc: BaseException) -> PrinterError:
    if isinstance(exc, TimeoutError) or getattr(exc, "errno", None) == errno.ETIMEDOUT \
            or "Timeout" in type(exc).__name__:   # pyusb's USBTimeoutError, pyserial's SerialTimeoutException
        return PrinterError(f"{what}: no answer within the timeout", PrintFault.TIMEOUT)
    if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
        return PrinterError(f"{what}: the printer dropped the connection", PrintFault.DROPPED)
    return PrinterError(f"{what}: {getattr(exc, 'strerror', None) or exc}", PrintFault.DROPPED)
