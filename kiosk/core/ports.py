"""What the domain asks of the outside world, and the errors the outside world may answer with.

``kiosk.devices`` implements these (a printer kind, a mail kind, chosen by config); ``kiosk.core``
only ever sees this module, so the domain never depends on a device library and the import
direction stays one way: devices → core.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Callable, Protocol

from kiosk.core.errors import KioskError, N_

# --- ticket printer ---


class PrintFault(StrEnum):
    """Why a printer did not print (a ``PrinterError``'s ``reason``), for screens and reports."""
    REFUSED = "refused"
    TIMEOUT = "timeout"
    DROPPED = "dropped"
    OFFLINE = "offline"
    NO_PAPER = "no_paper"
    NOT_ESCPOS = "not_escpos"       # something else answers on the printer's port (a web server…)
    UNAVAILABLE = "unavailable"
    OFF = "off"                     # [printer] kind = "none": not a failure


class PrinterError(KioskError):
    """The printer could not print. ``reason`` is a ``PrintFault``."""

    REASONS = tuple(PrintFault)

    def __init__(self, message: str, reason: str = PrintFault.UNAVAILABLE):
        super().__init__(message)
        self.reason = PrintFault(reason) if reason in self.REASONS else PrintFault.UNAVAILABLE


@dataclass(frozen=True)
class TicketText:
    """Everything printed on a queue ticket, already in the visitor's language."""
    office_name: str
    office_address: str
    number: str
    service_name: str
    counter_line: str               # "Loket 2" or ""
    when: str                       # local date and time with zone, "24-11-2026 09:15 WIB"
    waiting_line: str               # "3 orang menunggu sebelum Anda"
    instruction: str                # "Silakan mengisi buku tamu"
    free_line: str
    complaints_title: str
    complaint_channels: tuple[tuple[str, str], ...]
    qr_data: str
    rate_line: str = ""             # "rate the service by the QR after being served"; "" without a QR


@dataclass(frozen=True)
class LockerSlipText:
    """Everything printed on a locker slip, already in the visitor's language."""
    office_name: str
    title: str                      # "Loker Anda"
    label: str                      # "L07", printed very large
    ticket_number: str              # "A-007" or ""
    when: str                       # local date and time with zone
    notes: tuple[str, ...]          # where the ID card is and how to get it back


class TicketPrinting(Protocol):
    def print_ticket(self, text: TicketText, name: str) -> None:
        """Lay out and print one queue ticket or raise ``PrinterError``."""

    def print_locker_slip(self, slip: LockerSlipText, name: str) -> None:
        """Lay out and print one locker slip or raise ``PrinterError``."""


# --- outgoing mail ---


class MailError(KioskError):
    pass


class TemporaryMailError(MailError):
    """Connection refused or dropped, timeout, 4xx, login refused: keep the message, retry later.

    Raised only when the server certainly does not have the message; ``code`` is the server's 4xx
    reply when there was one (the outbox re-queues a message after DATA only on such a reply)."""

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code


class DeliveryUnknown(MailError):
    """The end of the message went out but no clear answer came back (timeout, connection closed):
    the server may have delivered it, so it must never be resent automatically (held for staff)."""


class MailDisabled(TemporaryMailError):
    """mail.enabled = false: messages stay in the outbox until staff turn it on."""


class PermanentMailError(MailError):
    """5xx for this message or recipient: sending it again will not help."""

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code


class MessageTooLarge(PermanentMailError):
    pass


class MailSender(Protocol):
    def send(self, raw: bytes, sender: str, recipient: str, before_data: Callable[[], None]) -> None:
        """Deliver ``raw`` (CRLF line ends) to one recipient or raise a ``MailError``."""


# --- the lobby's voice ---


class VoiceError(KioskError):
    """No speech could be made (synthesiser missing, failed or too slow): the display shows the call silently."""


class Voice(Protocol):
    def speak(self, text: str, lang: str = "id") -> bytes:
        """A WAV file of ``text`` said in ``lang`` (cached per phrase), or raise ``VoiceError``."""


# --- the kiosk's own sounds (issue 14.12) ---


class SoundError(KioskError):
    """The kiosk cannot make a sound (player missing, no sound card, device busy): it works on in silence."""


class Speaker(Protocol):
    def cue(self, name: str) -> None:
        """Play the cue ``name`` ("tap", "success", "error") in the background: never blocks, never raises."""

    def say(self, text: str, lang: str = "id") -> None:
        """Speak ``text`` in the background after what is already playing: never blocks, never raises."""

    def status(self) -> str:
        """One line for staff: what plays the sounds and that it works, or raise ``SoundError``."""

    def close(self) -> None:
        """Play what is queued, then stop (the runtime closes, or [sound] was changed)."""


# --- the printed library's scanner ---


class ScanFault(StrEnum):
    """Why no page came from the scanner (a ``ScannerError``'s ``reason``)."""
    NO_SCANNER = "no_scanner"       # none configured, not connected, not found, scanimage missing
    BUSY = "busy"
    COVER_OPEN = "cover_open"
    JAMMED = "jammed"
    NO_PAGE = "no_page"             # an empty feeder, or nothing new in the scan folder
    LOST = "lost"                   # the device stopped answering or vanished mid-page
    UNREADABLE = "unreadable"       # what came back is not an image we can read
    TOO_LARGE = "too_large"         # a file in the scan folder over the size / pixel limit


_SCAN_MESSAGES = {
    ScanFault.NO_SCANNER: N_("The scanner is not available. Please ask PST staff for help."),
    ScanFault.BUSY: N_("The scanner is busy. Please wait a moment and tap Scan again."),
    ScanFault.COVER_OPEN: N_("The scanner's cover is open. Close it and tap Scan again."),
    ScanFault.JAMMED: N_("The paper is jammed in the scanner. Please ask PST staff for help."),
    ScanFault.NO_PAGE: N_("No page was found. Place the page on the scanner glass and tap Scan again."),
    ScanFault.LOST: N_("The scanner stopped answering. Your earlier pages are kept; please tap Scan again or ask "
                       "PST staff."),
    ScanFault.UNREADABLE: N_("The scanned page could not be read. Your earlier pages are kept; please scan it again."),
    ScanFault.TOO_LARGE: N_("The scanned file is too large. Please ask PST staff for help."),
}


class ScannerError(KioskError):
    """No page came from the scanner; pages scanned before are untouched. ``reason`` is a ``ScanFault``."""

    def __init__(self, message: str, reason: str = ScanFault.LOST):
        self.reason = ScanFault(reason) if reason in tuple(ScanFault) else ScanFault.LOST
        super().__init__(message, _SCAN_MESSAGES[self.reason])


class Scanning(Protocol):
    def scan(self, work_dir: Path) -> list[Path]:
        """Scan (or take from the scan folder) and write the page image(s) into ``work_dir`` — whole files
        only, never a half-written one — or raise ``ScannerError`` leaving nothing behind."""

    def status(self) -> str:
        """One line for staff: what the scanner is and whether it answers (raise ``ScannerError`` if not)."""
