"""The small slip printed with a locker: the label, very large, and where the ID card is.

Only the layout lives here: the words come from core (``kiosk.core.lockers.slip_text``, already in the
visitor's language) and the connection is the printer device's (``TicketPrinter.print_locker_slip``).
"""
from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Callable

from kiosk.core.ports import LockerSlipText
from kiosk.devices.ticket_layout import chars_per_line, number_scale

if TYPE_CHECKING:   # escpos itself is imported by the printer device, with its capabilities cache set
    from escpos.escpos import Escpos


def wrapped(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words (a printer breaks a line
    that runs off the paper mid-word); only a single word longer than the paper is split."""
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def locker_slip_job(slip: LockerSlipText, paper_width_mm: int = 80) -> Callable[["Escpos"], None]:
    """A print job for ``printer.send(job, name)``: every line fits the paper (48 columns on 80 mm,
    32 on 58 mm)."""
    width = chars_per_line(paper_width_mm)
    # the label 6× on 80 mm paper, 4× on 58 mm, so "L120" stays on one line
    scale = number_scale(paper_width_mm)

    def lines(p: "Escpos", text: str) -> None:
        for line in wrapped(text, width):
            p.textln(line)

    def job(p: "Escpos") -> None:
        p.set(align="center", bold=True, normal_textsize=True)
        lines(p, slip.office_name)
        p.set(align="center", bold=False, normal_textsize=True)
        lines(p, slip.title)
        p.set(align="center", bold=True, custom_size=True, width=scale, height=scale)
        p.textln(slip.label)
        p.set(align="center", bold=False, normal_textsize=True)
        if slip.ticket_number:
            p.textln(slip.ticket_number)
        lines(p, slip.when)
        p.ln()
        p.set(align="left", normal_textsize=True)
        for note in slip.notes:
            lines(p, note)
        p.cut()
    return job
