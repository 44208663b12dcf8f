"""After a softcopy request: the request number, big, and what happens to the e-mail.

The status comes from the request as the submit left it (``app.session.scratch["softcopy"]``);
while it is still queued the screen asks the database again every few seconds (on the worker),
so "will be sent" turns into "sent" when the background sender gets through."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import StringProperty

from kiosk.core import softcopy
from kiosk.core.models import SoftcopyRequest
from kiosk.i18n import N_
from kiosk.ui.i18n import _
from kiosk.ui.screens.base import KioskScreen

STATUS_TEXT = {
    "sent": N_("Sent to {email}"),
    "queued": N_("It will be sent to {email} as soon as the connection is back."),
    # mail.enabled = false: kept in the outbox until staff send it
    "later": N_("Your softcopy is saved and will be sent to {email} later."),
    "too_large": N_("The files are too large for e-mail. Please ask a staff member at the PST desk: they "
                    "will give them to you another way."),
    "failed": N_("The e-mail could not be delivered to {email}. Please ask a staff member at the PST desk."),
}
POLL_S = 5


class SoftcopyDoneScreen(KioskScreen):
    screen_name = "softcopy_done"
    number = StringProperty("")
    status = StringProperty("")
    email = StringProperty("")
    _poll = None

    def on_pre_enter(self, *args):
        info = self.app.session.scratch.get("softcopy") or {}
        self.number = info.get("number", "")
        self.status = info.get("status", "")
        self.email = info.get("email", "")
        self._poll = Clock.schedule_interval(lambda dt: self.refresh(), POLL_S)

    def on_leave(self, *args):
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None

    def refresh(self) -> None:
        if self.status != "queued" or not self.number:
            return
        number = self.number

        def read():
            return SoftcopyRequest.get(SoftcopyRequest.number == number).status

        self.app.worker.submit(read, lambda status: self._update(number, status), lambda exc: None)

    def _update(self, number: str, status: str) -> None:
        if number == self.number and status in STATUS_TEXT:
            self.status = status

    def status_text(self, lang: str, status: str, email: str) -> str:
        msgid = STATUS_TEXT.get(status)
        return _(msgid).format(email=email) if msgid else ""

    def status_icon(self, status: str) -> str:
        return {"sent": "check", "queued": "clock", "later": "clock"}.get(status, "warning")

    def to_library(self) -> None:
        self.app.go("library")

    def next_step(self) -> None:
        self.app.go_next("library")

    def clear(self) -> None:
        super().clear()
        self.number = self.status = self.email = ""

    def screenshot_setup(self, state: str = "") -> None:
        self.number, self.status, self.email = "SC-20261124-0007", "sent", "s***@gmail.com"


__all__ = ["SoftcopyDoneScreen", "softcopy"]
