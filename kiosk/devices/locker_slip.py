"""The small slip printed with a locker: the label, very large, and where the ID card is.

Only the layout lives here; the connection is the printer device's (``runtime.printer.send``),
which calls the job with an ``escpos`` printer object.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from kiosk.i18n import N_, gettext_for

if TYPE_CHECKING:   # escpos itself is imported by the printer device, with its capabilities cache set
    from escpos.escpos import Escpos

TITLE = N_("Your locker")
CUSTODY = N_("Your ID card is held by the front office.")
RETURN = N_("Return the locker key at the front office to get your ID card back.")


def locker_slip_job(label: str, office: str, when_text: str, lang: str,
                    ticket_number: str = "") -> Callable[["Escpos"], None]:
    """A print job for ``printer.send(job, name)``; ``when_text`` is the local time shown."""
    def job(p: "Escpos") -> None:
        p.set(align="center", bold=True, normal_textsize=True)
        p.textln(office)
        p.set(align="center", bold=False, normal_textsize=True)
        p.textln(gettext_for(lang, TITLE))
        p.set(align="center", bold=True, custom_size=True, width=6, height=6)
        p.textln(label)
        p.set(align="center", bold=False, normal_textsize=True)
        if ticket_number:
            p.textln(ticket_number)
        p.textln(when_text)
        p.ln()
        p.set(align="left", normal_textsize=True)
        p.textln(gettext_for(lang, CUSTODY))
        p.textln(gettext_for(lang, RETURN))
        p.cut()
    return job
