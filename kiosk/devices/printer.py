"""The ticket printer: ESC/POS through python-escpos, one connection kind chosen by config.

Every kind offers the same two calls:

* ``send(job, name)`` — ``job`` writes text / qr / cut on an ``escpos.escpos.Escpos`` object. The job
  is first rendered into bytes in memory (a ``Dummy`` with the configured profile), so a slow or
  broken printer never leaves half a layout behind, then the bytes go to the printer over a
  connection opened with the configured timeout (never the library's 60 s) and closed again.
  Any refusal, timeout, drop, "offline" or "no paper" becomes a :class:`PrinterError`.
* ``status()`` — online / paper, where the connection can read the printer's answer.

The ``dummy`` kind writes ``<folder>/<name>.bin`` (the exact bytes) and ``<name>.png`` (a
preview drawn from those bytes), which is what the example config uses and what tests read.
"""
from __future__ import annotations

import contextlib
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
from typing import TYPE_CHECKING, Callable, Iterator

from kiosk.core.config import PrinterSettings
from kiosk.core.ports import LockerSlipText, PrinterError, TicketText  # noqa: F401  (part of this device's interface)
from kiosk.devices import escpos_cache_dir
from kiosk.devices.locker_slip import locker_slip_job

if TYPE_CHECKING:  # escpos is imported lazily: see _escpos()
    from escpos.escpos import Escpos

log = logging.getLogger(__name__)

Job = Callable[["Escpos"], None]

# Dots per line of the usual 203 dpi thermal heads.
PAPER_DOTS = {58: 384, 80: 576}
CHARS_PER_LINE = {58: 32, 80: 48}     # font A (12 × 24 dots)


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None          # None = this kind cannot tell
    paper: str | None            # "ok" | "low" | "out" | None (cannot tell)
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.online is not False and self.paper != "out"


# --- escpos, imported once with its capabilities cache in a fixed folder ---

_ESCPOS_READY = False


def _escpos() -> None:
    """Import escpos with its cache folder set (see kiosk.devices); several kiosk processes may start
    at once, so the first writes the cache under a lock while the others wait instead of reading
    half a file."""
    global _ESCPOS_READY
    if _ESCPOS_READY:
        return
    folder = escpos_cache_dir()
    import fcntl

    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            import escpos.capabilities  # noqa: F401  (parses or unpickles the printer database)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    _ESCPOS_READY = True


def _profile(name: str):
    _escpos()
    from escpos.capabilities import get_profile

    try:
        return get_profile(name)
    except KeyError:
        raise PrinterError(f"unknown printer profile {name!r} ([printer] profile; \"default\" if unsure)") from None


def render(job: Job, profile: str = "default") -> bytes:
    """The exact bytes ``job`` produces for ``profile``, without touching any device."""
    from escpos.printer import Dummy

    _profile(profile)               # a clear PrinterError for a name the database lacks
    dummy = Dummy(profile=profile)
    dummy.hw("INIT")
    job(dummy)
    return dummy.output


def supports_native_qr(profile: str) -> bool:
    return bool(_profile(profile).supports("qrCode"))


# --- the kinds ---

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
        raise PrinterError("printing is turned off ([printer] kind = \"none\")", "off")

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
        return PrinterStatus(online=True, paper="ok", detail=f"dummy: writes to {self.folder}")

    def describe(self) -> str:
        return f"dummy ({self.folder})"


class _EscposDevicePrinter(TicketPrinter):
    """Kinds that talk to the printer through a python-escpos connection that can also read back."""

    def _connection(self):  # pragma: no cover - interface
        raise NotImplementedError

    @contextlib.contextmanager
    def _opened(self) -> Iterator["Escpos"]:
        _escpos()
        from escpos.exceptions import DeviceNotFoundError

        conn = self._connection()
        try:
            conn.open()
        except DeviceNotFoundError as exc:
            raise PrinterError(f"{self.describe()}: cannot connect ({_first_line(exc)})",
                               _reason_of(exc, "refused")) from None
        except (OSError, RuntimeError) as exc:
            raise PrinterError(f"{self.describe()}: cannot connect ({exc})", _reason_of(exc, "refused")) from None
        try:
            yield conn
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _query(self, conn: "Escpos", request: bytes) -> int:
        """One real-time status byte (DLE EOT n); an answer proves the printer read all before it."""
        try:
            conn._raw(request)
            answer = conn._read()
        except OSError as exc:       # TimeoutError is an OSError too
            raise _io_error(self.describe(), exc) from None
        if not answer:
            raise PrinterError(f"{self.describe()}: the printer closed the connection", "dropped")
        return answer[0]

    def _check_ready(self, conn: "Escpos") -> None:
        from escpos.constants import RT_MASK_NOPAPER, RT_MASK_ONLINE, RT_STATUS_ONLINE, RT_STATUS_PAPER

        if self._query(conn, RT_STATUS_ONLINE) & RT_MASK_ONLINE:
            raise PrinterError(f"{self.describe()}: the printer is offline (cover open or paper out?)", "offline")
        if self._query(conn, RT_STATUS_PAPER) & RT_MASK_NOPAPER == RT_MASK_NOPAPER:
            raise PrinterError(f"{self.describe()}: the printer is out of paper", "no_paper")

    def _deliver(self, data: bytes, name: str) -> None:
        with self._opened() as conn:
            if self.settings.status_check:
                self._check_ready(conn)
            try:
                conn._raw(data)
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
            paper = "out"
        elif paper_byte & RT_MASK_LOWPAPER == RT_MASK_LOWPAPER:
            paper = "low"
        else:
            paper = "ok"
        return PrinterStatus(online=online, paper=paper, detail=self.describe())


class NetworkPrinter(_EscposDevicePrinter):
    kind = "network"

    def _connection(self):
        from escpos.printer import Network

        if not self.settings.host:
            raise PrinterError("[printer] host is empty: set the printer's IP address", "unavailable")
        return Network(self.settings.host, self.settings.port, timeout=self.settings.timeout_s,
                       profile=self.profile)

    def describe(self) -> str:
        return f"network printer {self.settings.host}:{self.settings.port}"


class UsbPrinter(_EscposDevicePrinter):
    kind = "usb"

    def _connection(self):
        from escpos.printer import Usb
        from escpos.printer.usb import is_usable

        if not is_usable():
            raise PrinterError("the usb kind needs pyusb (pip install pyusb) and libusb", "unavailable")
        if not (self.settings.usb_vendor and self.settings.usb_product):
            raise PrinterError("[printer] usb_vendor and usb_product must be set for the usb kind")
        # pyusb counts its timeout in milliseconds
        return Usb(int(self.settings.usb_vendor, 16), int(self.settings.usb_product, 16),
                   timeout=int(self.settings.timeout_s * 1000), profile=self.profile)

    def describe(self) -> str:
        return f"usb printer {self.settings.usb_vendor}:{self.settings.usb_product}"


class SerialPrinter(_EscposDevicePrinter):
    kind = "serial"

    def _connection(self):
        from escpos.printer import Serial
        from escpos.printer.serial import is_usable

        if not is_usable():
            raise PrinterError("the serial kind needs pyserial (pip install pyserial)", "unavailable")
        if not self.settings.device:
            raise PrinterError("[printer] device must be set for the serial kind, e.g. /dev/ttyUSB0")
        printer = Serial(self.settings.device, baudrate=self.settings.baudrate, timeout=self.settings.timeout_s,
                         profile=self.profile)
        opened = printer.open

        def open_with_write_timeout(raise_not_found: bool = True) -> None:
            opened(raise_not_found)
            if printer.device is not None:   # escpos sets only the read timeout
                printer.device.write_timeout = self.settings.timeout_s

        printer.open = open_with_write_timeout  # type: ignore[method-assign]
        # escpos reads 16 bytes, which on a serial line waits out the whole timeout for a 1-byte status
        printer._read = lambda: printer.device.read(1)  # type: ignore[method-assign]
        return printer

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
            reason = "refused" if exc.errno in (errno.ENXIO, errno.ENOENT, errno.ENODEV, errno.EACCES) else "unavailable"
            raise PrinterError(f"file printer {path}: cannot open ({exc.strerror})", reason) from None
        deadline = time.monotonic() + self.settings.timeout_s
        view = memoryview(data)
        try:
            while view:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PrinterError(f"file printer {path}: no progress for {self.settings.timeout_s:g} s",
                                       "timeout")
                _, ready, _ = select.select([], [fd], [], left)
                if not ready:
                    continue
                try:
                    view = view[os.write(fd, view):]
                except BlockingIOError:
                    continue
                except OSError as exc:
                    raise PrinterError(f"file printer {path}: {exc.strerror}", "dropped") from None
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
            raise PrinterError(f"CUPS did not take the job within {self.settings.timeout_s:g} s", "timeout") from None
        if run.returncode != 0:
            raise PrinterError(f"CUPS refused the job: {run.stderr.decode(errors='replace').strip()}", "refused")

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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1].strip() if text else type(exc).__name__


def _reason_of(exc: BaseException, default: str) -> str:
    text = str(exc).lower()
    if "timed out" in text or isinstance(exc, TimeoutError):
        return "timeout"
    return default


def _io_error(what: str, exc: BaseException) -> PrinterError:
    if isinstance(exc, TimeoutError) or getattr(exc, "errno", None) == errno.ETIMEDOUT \
            or "Timeout" in type(exc).__name__:   # pyusb's USBTimeoutError, pyserial's SerialTimeoutException
        return PrinterError(f"{what}: no answer within the timeout", "timeout")
    if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
        return PrinterError(f"{what}: the printer dropped the connection", "dropped")
    return PrinterError(f"{what}: {getattr(exc, 'strerror', None) or exc}", "dropped")


# --- the ticket layout ---

def ticket_job(t: TicketText, paper_width_mm: int = 80, native_qr: bool = True) -> Job:
    """The queue ticket: office, the number very large, service, time, waiting, guestbook line,
    QR (native where the profile can), free-of-charge line, complaint channels, cut."""
    width = CHARS_PER_LINE.get(paper_width_mm, 48)

    def job(p: "Escpos") -> None:
        p.set(align="center", bold=True, normal_textsize=True)
        p.textln(_fit(t.office_name, width))
        p.set(bold=False)
        if t.office_address:
            p.textln(_fit(t.office_address, width))
        p.textln("-" * width)
        p.set(bold=True)
        p.textln(_fit(t.service_name, width))
        if t.counter_line:
            p.set(bold=False)
            p.textln(t.counter_line)
        p.ln()
        # The number: 6× on 80 mm paper, 4× on 58 mm, so it stays on one line.
        scale = 6 if paper_width_mm >= 80 else 4
        p.set(align="center", bold=True, custom_size=True, width=scale, height=scale)
        p.textln(t.number)
        p.set(normal_textsize=True, bold=False, align="center")
        p.ln()
        p.textln(t.when)
        p.textln(t.waiting_line)
        p.ln()
        p.set(bold=True)
        p.textln(_fit(t.instruction, width))
        p.set(bold=False)
        p.ln()
        if native_qr:
            p.qr(t.qr_data, size=6, native=True)
        else:
            p.qr(t.qr_data, size=6, native=False, center=True)
        p.set(align="center", bold=True)
        for line in _wrap(t.free_line, width):
            p.textln(line)
        p.set(bold=False)
        if t.complaint_channels:
            p.textln("-" * width)
            p.textln(t.complaints_title)
            for name, contact in t.complaint_channels:
                for line in _wrap(f"{name}: {contact}", width):
                    p.textln(line)
        p.cut()

    return job


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "."


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


# --- the PNG preview: a small ESC/POS reader for the commands our jobs use ---

def _font_paths() -> tuple[str | None, str | None]:
    candidates = [("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
                   "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")]
    try:
        import importlib.util

        spec = importlib.util.find_spec("kivy")
        if spec is not None and spec.origin:
            fonts = Path(spec.origin).parent / "data" / "fonts"
            candidates.append((str(fonts / "RobotoMono-Regular.ttf"), str(fonts / "RobotoMono-Regular.ttf")))
            candidates.append((str(fonts / "Roboto-Regular.ttf"), str(fonts / "Roboto-Bold.ttf")))
    except ImportError:   # kivy absent or blocked: the preview uses Pillow's own font
        pass
    for regular, bold in candidates:
        if Path(regular).exists():
            return regular, bold if Path(bold).exists() else regular
    return None, None


def preview_png(data: bytes, out: Path, paper_width_mm: int = 80) -> Path:
    """Draw what a thermal printer would print for ``data`` (text sizes, bold, alignment, QR, cut)."""
    from PIL import Image, ImageDraw, ImageFont

    width = PAPER_DOTS.get(paper_width_mm, 576)
    char_w = width / CHARS_PER_LINE.get(paper_width_mm, 48)
    regular, bold = _font_paths()

    def font(size: int, is_bold: bool):
        path = bold if is_bold else regular
        if path:
            return ImageFont.truetype(path, size)
        return ImageFont.load_default(size=size)

    blocks: list[Image.Image] = []
    state = {"align": 0, "bold": False, "w": 1, "h": 1}
    line: list[tuple[str, bool, int, int]] = []
    qr_data = b""

    def flush_line() -> None:
        nonlocal line
        if not line:
            blocks.append(Image.new("L", (width, 24), 255))
            return
        h = max(seg[3] for seg in line) * 24
        parts = []
        for text, is_bold, w_mul, h_mul in line:
            f = font(int(20 * h_mul), is_bold)
            tw = max(1, int(round(char_w * w_mul * len(text))))
            img = Image.new("L", (max(1, int(f.getlength(text)) + 2), 24 * h_mul), 255)
            ImageDraw.Draw(img).text((0, 1 * h_mul), text, font=f, fill=0)
            parts.append(img.resize((tw, 24 * h_mul)))
        total = sum(p.width for p in parts)
        row = Image.new("L", (width, h), 255)
        x = {0: 0, 1: (width - total) // 2, 2: width - total}.get(state["align"], 0)
        for p in parts:
            row.paste(p, (max(0, x), h - p.height))
            x += p.width
        blocks.append(row)
        line = []

    i, n = 0, len(data)
    text_buf = bytearray()

    def at(k: int) -> int:
        return data[k] if k < n else 0

    def qr_block(content: bytes) -> None:
        import qrcode
        from qrcode.exceptions import DataOverflowError

        qr = qrcode.QRCode(border=1, box_size=6)
        try:
            qr.add_data(content.decode("utf-8", errors="replace"))
            img = qr.make_image().get_image().convert("L")
        except (DataOverflowError, ValueError):
            return
        row = Image.new("L", (width, img.height + 8), 255)
        row.paste(img, ((width - img.width) // 2, 4))
        blocks.append(row)

    def flush_text() -> None:
        if text_buf:
            line.append((text_buf.decode("cp437", errors="replace"), state["bold"], state["w"], state["h"]))
            text_buf.clear()

    while i < n:
        b = data[i]
        if b == 0x0A:                              # LF
            flush_text()
            flush_line()
            i += 1
        elif b == 0x1B and i + 1 < n:             # ESC
            cmd = data[i + 1]
            arg = data[i + 2] if i + 2 < n else 0
            flush_text()
            if cmd == ord("@"):
                state.update(align=0, bold=False, w=1, h=1)
                i += 2
            elif cmd == ord("!"):
                state.update(bold=bool(arg & 0x08), h=2 if arg & 0x10 else 1, w=2 if arg & 0x20 else 1)
                i += 3
            elif cmd == ord("E"):
                state["bold"] = bool(arg & 1)
                i += 3
            elif cmd == ord("a"):
                state["align"] = arg - 48 if arg >= 48 else arg
                i += 3
            elif cmd == ord("d"):
                for _ in range(max(1, min(arg, 12))):
                    flush_line()
                i += 3
            elif cmd in (ord("2"),):
                i += 2
            else:                                  # ESC x n: one argument (t, -, G, M, {, 3, J, SP …)
                i += 3
        elif b == 0x1D and i + 1 < n:             # GS
            cmd = data[i + 1]
            flush_text()
            if cmd == ord("!"):
                arg = at(i + 2)
                state.update(w=(arg >> 4) + 1, h=(arg & 0x0F) + 1)
                i += 3
            elif cmd == ord("V"):
                if line:
                    flush_line()
                cut = Image.new("L", (width, 24), 255)
                ImageDraw.Draw(cut).line([(0, 12), (width, 12)], fill=128, width=2)
                blocks.append(cut)
                i += 3 if at(i + 2) in (0, 1, 48, 49) else 4
            elif cmd == ord("(") and at(i + 2) == ord("k"):
                size = at(i + 3) | (at(i + 4) << 8)
                body = data[i + 5:i + 5 + size]
                if len(body) >= 2 and body[1] == 80:          # store QR data
                    qr_data = body[3:]
                elif len(body) >= 2 and body[1] == 81 and qr_data:   # print it
                    qr_block(qr_data)
                i += 5 + size
            elif cmd == ord("v"):                            # GS v 0: raster image
                xb, yd = at(i + 4) | (at(i + 5) << 8), at(i + 6) | (at(i + 7) << 8)
                raw = data[i + 8:i + 8 + xb * yd]
                if 0 < xb <= 256 and 0 < yd <= 4000 and len(raw) == xb * yd:
                    img = Image.eval(Image.frombytes("1", (xb * 8, yd), bytes(raw)).convert("L"), lambda v: 255 - v)
                    row = Image.new("L", (width, yd), 255)
                    row.paste(img.crop((0, 0, min(width, img.width), yd)), ((width - min(width, img.width)) // 2, 0))
                    blocks.append(row)
                i += 8 + xb * yd
            else:
                i += 3
        elif b == 0x10 and i + 2 < n and data[i + 1] == 0x04:   # DLE EOT n (status request)
            i += 3
        elif b < 0x20 and b not in (0x09,):
            i += 1
        else:
            text_buf.append(b)
            i += 1
    flush_text()
    if line:
        flush_line()
    margin = 16
    height = sum(b.height for b in blocks) + 2 * margin
    page = Image.new("L", (width + 2 * margin, max(height, 1)), 255)
    y = margin
    for block in blocks:
        page.paste(block, (margin, y))
        y += block.height
    out = Path(out)
    page.save(out, format="PNG")
    return out
