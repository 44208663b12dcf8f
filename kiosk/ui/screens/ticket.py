"""Step 2: the visitor's number, very large, while the ticket prints off the UI thread.

The number is on screen from the moment it was issued; printing goes through
``kiosk.core.queue.print_ticket`` in the worker, which records that the number was shown with the
printer's outcome. Whatever the printer or the database does after the commit, the number stays on
screen. On a printer failure the visitor is told to note the number (or ask staff) and can try
printing again.
"""
from __future__ import annotations

import enum
import logging

import qrcode
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, ObjectProperty, StringProperty

from kiosk.core import calls, queue
from kiosk.core.ports import PrintFault
from kiosk.ui import sounds
from kiosk.ui.i18n import _
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)


def qr_texture(data: str) -> Texture:
    """``data`` as a QR code texture, one texel per module (drawn scaled with "nearest": sharp edges)."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    rows = code.get_matrix()
    dark, light = b"\x00\x00\x00\xff", b"\xff\xff\xff\xff"
    pixels = b"".join(dark if cell else light for row in reversed(rows) for cell in row)  # GL rows start at the bottom
    texture = Texture.create(size=(len(rows), len(rows)), colorfmt="rgba")
    texture.mag_filter = texture.min_filter = "nearest"
    texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
    return texture


class PrintState(enum.StrEnum):
    """What the status box says (the kv compares ``root.state`` with these values)."""
    NONE = ""
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"
    OFF = "off"          # this kiosk prints no tickets


class TicketScreen(KioskScreen):
    screen_name = "ticket"
    # the number is the visitor's to take away: the next person must not find it (nor "continue" on it)
    returns_home_after = True
    number = StringProperty("")
    name_id = StringProperty("")
    name_en = StringProperty("")
    counter = StringProperty("")
    ahead = NumericProperty(0)
    state = StringProperty(PrintState.NONE)
    ticket_id = NumericProperty(0)
    qr = ObjectProperty(None, allownone=True)   # the phone page's QR texture; None: no QR (see calls.ticket_qr)
    _ticket = None          # the Ticket row on screen, for "print again"

    def show(self, issued: queue.Issued) -> None:
        """Show a just-issued ticket and start printing it."""
        t = issued.ticket
        service = queue.service_for(self.app.settings, t.service_code)
        self.ticket_id = t.id
        self.number, self.name_id, self.name_en = t.number, service.name_id, service.name_en
        self.counter = service.counter
        self.ahead = issued.waiting_ahead
        self.qr = None
        self._show_qr(t)
        self._print(t, reprint=False, ahead=issued.waiting_ahead)
        # [sound] speak_ticket, for visitors who cannot read the screen: next frame, so after the "done" notes
        # this screen plays on entering (the caller shows the ticket, then goes to this screen)
        Clock.schedule_once(lambda _dt: self._say(t.id, t.number))

    def _say(self, ticket_id: int, number: str) -> None:
        if ticket_id == self.ticket_id:       # not after the visitor has gone
            sounds.say_ticket(number)

    def _show_qr(self, ticket) -> None:
        """The same link as the paper's QR (stored once: the printer's job reads the same token)."""
        settings, ticket_id = self.app.settings, ticket.id

        def done(url: str) -> None:
            if ticket_id == self.ticket_id and url:
                self.qr = qr_texture(url)

        def failed(exc: BaseException) -> None:
            # the number is what matters: without the link the screen just shows no QR
            log.warning("ticket %s shown without its phone QR: %s", ticket.number, exc)

        self.app.worker.submit(lambda: calls.ticket_qr(settings, ticket), done, failed)

    def _print(self, ticket, reprint: bool, ahead: int | None = None) -> None:
        self.state = PrintState.PRINTING
        runtime, ticket_id = self.app.runtime, ticket.id

        def job():
            return queue.print_ticket(runtime.settings, runtime.clock, runtime.printer, ticket,
                                      ahead=ahead, reprint=reprint, shown=True)

        self.app.worker.submit(job, lambda result: self._printed(ticket_id, result),
                               lambda exc: self._print_crashed(ticket_id, exc))
        self._ticket = ticket

    def _printed(self, ticket_id: int, result: queue.PrintResult) -> None:
        if ticket_id != self.ticket_id:
            return              # the visitor left (idle reset) before the printer answered
        if result.printed:
            self.state = PrintState.PRINTED
        elif result.error is not None and result.error.reason == PrintFault.OFF:
            self.state = PrintState.OFF
        else:
            self.state = PrintState.FAILED

    def _print_crashed(self, ticket_id: int, exc: BaseException) -> None:
        # Not a printer error (those come back in the result): a reprint that could not read the
        # ticket, or a bug. Logged; the number stays on screen — never the failsafe screen here.
        log.error("printing ticket %s failed", ticket_id, exc_info=exc)
        if ticket_id == self.ticket_id:
            self.state = PrintState.FAILED

    def reprint(self) -> None:
        if self.state != PrintState.PRINTING and self._ticket is not None:
            self._print(self._ticket, reprint=True)

    def ahead_text(self, ahead: int, lang: str) -> str:
        return queue.ahead_line(lang, ahead)      # the same words as on the paper ticket

    def next_label(self, lang: str) -> str:
        if "guestbook" in self.app.available_screens:
            return _("Continue to the guestbook")
        return _("Done")

    def go_on(self) -> None:
        self.app.go_next(self.screen_name)

    def clear(self) -> None:
        self.ticket_id, self.number, self.state, self.ahead = 0, "", PrintState.NONE, 0
        self.name_id = self.name_en = self.counter = ""
        self._ticket = None
        self.qr = None

    screenshot_states = ("failed",)

    def screenshot_setup(self, state: str = "") -> None:
        service = self.app.settings.services[0]
        self.ticket_id = -1
        self.number = f"{service.prefix}-007"
        self.name_id, self.name_en, self.counter = service.name_id, service.name_en, service.counter
        self.ahead = 3
        self.state = state or PrintState.PRINTED
        self.qr = qr_texture(f"{self.app.settings.web.public_url.rstrip('/') or 'https://pst.example'}/q/"
                             "Xk2vQ9mR4tLw8ZpN1cHs7A")
