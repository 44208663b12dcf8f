"""The small slip printed with a locker: the label, very large, and where the ID card is.

Only the layout lives here: the words come from core (``kiosk.core.lockers.slip_text``, already in the
visitor's language) and the connection is the printer device's (``TicketPrinter.print_locker_slip``).
"""
from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Callable

from kiosk.core.ports import LockerSlipText

if TYPE_CHECKING:   # escpos itself is imported by the printer device, with its capabilities cache set
    from escpos.escpos import Escpos

# font A (12 × 24 dots) on the usual 203 dpi heads
_CHARS_PER_LINE = {58: 32, 80: 48}


def locker_slip_job(slip: LockerSlipText, paper_width_mm: int = 80) -> Callable[["Escpos"], None]:
    """A print job for ``printer.send(job, name)``."""
    width = _CHARS_PER_LINE.get(paper_width_mm, 48)
    # the label 6× on 80 mm paper, 4× on 58 mm, so "L120" stays on one line
    scale = 6 if paper_width_mm >= 80 else 4

    def job(p: "Escpos") -> None:
        p.set(align="center", bold=True, normal_textsize=True)
        p.textln(slip.office_name[:width])
        p.set(align="center", bold=False, normal_textsize=True)
        p.textln(slip.title)
        p.set(align="center", bold=True, custom_size=True, width=scale, height=scale)
        p.textln(slip.label)
        p.set(align="center", bold=False, normal_textsize=True)
        if slip.ticket_number:
            p.textln(slip.ticket_number)
        p.textln(slip.when)
        p.ln()
        p.set(align="left", normal_textsize=True)
        for note in slip.notes:
            for line in textwrap.wrap(note, width) or [""]:
                p.textln(line)
        p.cut()
    return job
