"""What goes on the paper: the queue ticket and the printer's test page, as python-escpos jobs.

A job is a function that writes text / QR / cut on an ``escpos.escpos.Escpos`` object; the printer
(``kiosk.devices.printer``) renders it into bytes for its profile and delivers them. The words come
from core already translated (``kiosk.core.ports.TicketText``); only the layout lives here.
"""
from __future__ import annotations

import datetime as dt
import textwrap
from typing import TYPE_CHECKING, Callable

from kiosk.core.ports import TicketText

if TYPE_CHECKING:   # escpos itself is imported by the printer device, with its capabilities cache set
    from escpos.escpos import Escpos

Job = Callable[["Escpos"], None]

# Dots per line of the usual 203 dpi thermal heads, and characters per line in font A (12 × 24 dots).
PAPER_DOTS = {58: 384, 80: 576}
CHARS_PER_LINE = {58: 32, 80: 48}


def chars_per_line(paper_width_mm: int) -> int:
    return CHARS_PER_LINE.get(paper_width_mm, 48)


def number_scale(paper_width_mm: int) -> int:
    """Character scale of the big number: 6× on 80 mm paper, 4× on 58 mm, so it stays on one line."""
    return 6 if paper_width_mm >= 80 else 4


def ticket_job(t: TicketText, paper_width_mm: int = 80, native_qr: bool = True) -> Job:
    """The queue ticket: office, the number very large, service, time, waiting, guestbook line,
    QR (native where the profile can) with the line to rate the service by it, free-of-charge line,
    complaint channels, cut."""
    width = chars_per_line(paper_width_mm)
    scale = number_scale(paper_width_mm)

    def job(p: "Escpos") -> None:
        p.set(align="center", bold=True, normal_textsize=True)
        p.textln(fit(t.office_name, width))
        p.set(bold=False)
        if t.office_address:
            p.textln(fit(t.office_address, width))
        p.textln("-" * width)
        p.set(bold=True)
        p.textln(fit(t.service_name, width))
        if t.counter_line:
            p.set(bold=False)
            p.textln(t.counter_line)
        p.ln()
        p.set(align="center", bold=True, custom_size=True, width=scale, height=scale)
        p.textln(t.number)
        p.set(normal_textsize=True, bold=False, align="center")
        p.ln()
        p.textln(t.when)
        p.textln(t.waiting_line)
        p.ln()
        p.set(bold=True)
        p.textln(fit(t.instruction, width))
        p.set(bold=False)
        p.ln()
        if t.qr_data:           # empty when the office has no public address for the phone page
            _qr(p, t.qr_data, native_qr)
            if t.rate_line:
                for line in wrap(t.rate_line, width):
                    p.textln(line)
                p.ln()
        p.set(align="center", bold=True)
        for line in wrap(t.free_line, width):
            p.textln(line)
        p.set(bold=False)
        if t.complaint_channels:
            p.textln("-" * width)
            p.textln(t.complaints_title)
            for name, contact in t.complaint_channels:
                for line in wrap(f"{name}: {contact}", width):
                    p.textln(line)
        p.cut()

    return job


def printer_test_job(office_name: str, description: str, when: dt.datetime, paper_width_mm: int = 80,
                  native_qr: bool = True) -> Job:
    """``kiosk printer test``: the office, what this printer is, a sample number at full size, a QR."""
    width = chars_per_line(paper_width_mm)
    scale = number_scale(paper_width_mm)

    def job(p: "Escpos") -> None:
        p.set(align="center", bold=True, normal_textsize=True)
        p.textln(fit(office_name, width))
        p.set(bold=False)
        p.textln(f"Test page / Halaman uji  {when:%Y-%m-%d %H:%M} UTC")
        for line in wrap(description, width):
            p.textln(line)
        p.set(align="center", bold=True, custom_size=True, width=scale, height=scale)
        p.textln("A-000")
        p.set(normal_textsize=True, bold=False, align="center")
        _qr(p, "PST-TEST", native_qr)
        p.cut()

    return job


def _qr(p: "Escpos", data: str, native: bool) -> None:
    if native:
        p.qr(data, size=6, native=True)
    else:       # drawn as an image by escpos, centred like the native one
        p.qr(data, size=6, native=False, center=True)


def fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "."


def wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
