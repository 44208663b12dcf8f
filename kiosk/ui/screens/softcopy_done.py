"""After a softcopy request: the request number, big, and what happens to the e-mail.

The status comes from the request as the submit left it (``app.session.scratch["softcopy"]``).
While it is still queued the screen listens to the app's ``on_mail_attempt`` event — the outbox
sender tells it after every attempt, on the UI thread — so "will be sent" turns into "sent" (or
"ask staff") the moment the sender knows, without asking the database every few seconds. One read on
entering covers an attempt that finished just before the screen started listening."""
from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.core import outbox, softcopy
from kiosk.core.statuses import MailStatus, RequestStatus
from kiosk.i18n import N_
from kiosk.ui.i18n import _
from kiosk.ui.screens.base import KioskScreen

STATUS_TEXT = {
    RequestStatus.SENT: N_("Sent to {email}"),
    # the outbox's backoff, said as it is: a first retry after {first} minute(s), then less often, never more
    # than {most} minutes apart, until the server takes it
    RequestStatus.QUEUED: N_("The mail server cannot be reached just now. Your softcopy is stored and is sent to "
                             "{email} automatically as soon as the server answers: the kiosk tries again after "
                             "{first} minute, then at longer intervals, at most {most} minutes apart."),
    # mail.enabled = false: kept in the outbox until staff send it
    "later": N_("Your softcopy is stored. This kiosk does not send e-mail itself: the PST desk staff send it to "
                "{email}. If it has not arrived by tomorrow, ask at the desk with your request "
                "number."),
    RequestStatus.TOO_LARGE: N_("The files are too large for e-mail. Please ask a staff member at the PST desk: "
                                "they will give them to you another way."),
    RequestStatus.FAILED: N_("The e-mail could not be delivered to {email}. Please ask a staff member at the PST "
                             "desk."),
    # the server may have it but did not say so: staff check before sending it again
    RequestStatus.HELD: N_("The e-mail to {email} may take a while. If it has not arrived by tomorrow, please ask "
                           "a staff member at the PST desk and show your request number."),
}
#: what a finished attempt means for the request shown
AFTER_ATTEMPT = {MailStatus.SENT: RequestStatus.SENT, MailStatus.FAILED: RequestStatus.FAILED,
                 MailStatus.TOO_LARGE: RequestStatus.TOO_LARGE, MailStatus.HELD: RequestStatus.HELD,
                 MailStatus.QUEUED: RequestStatus.QUEUED}


class SoftcopyDoneScreen(KioskScreen):
    screen_name = "softcopy_done"
    returns_home_after = True      # the request number and the e-mail address are this visitor's only
    number = StringProperty("")
    status = StringProperty("")
    email = StringProperty("")
    request_id = NumericProperty(0)
    tight = BooleanProperty(False)     # kv: the sizes of the 1,366×768 panel

    def on_pre_enter(self, *args):
        info = self.app.session.scratch.get("softcopy") or {}
        self.number = info.get("number", "")
        self.status = info.get("status", "")
        self.email = info.get("email", "")
        self.request_id = info.get("request_id") or 0
        self.app.bind(on_mail_attempt=self.on_mail_attempt)
        if self.status == RequestStatus.QUEUED and self.request_id:
            request_id = self.request_id
            self.look_up(lambda: softcopy.request_status(request_id),
                         lambda status: self._update(request_id, status), "reading the request's status")

    def on_leave(self, *args):
        self.app.unbind(on_mail_attempt=self.on_mail_attempt)

    def on_mail_attempt(self, app, attempt) -> None:
        """The outbox sender finished an attempt (delivered on the UI thread by the app)."""
        if attempt.request_id is not None:
            self._update(attempt.request_id, AFTER_ATTEMPT.get(attempt.status, ""))

    def _update(self, request_id: int, status: str) -> None:
        # only the request on screen, only while it is still waiting, only to a status we can explain
        if request_id == self.request_id and self.status == RequestStatus.QUEUED and status in STATUS_TEXT:
            self.status = status

    def status_text(self, lang: str, status: str, email: str) -> str:
        msgid = STATUS_TEXT.get(status)
        return _(msgid).format(email=email, first=outbox.BACKOFF_FIRST_S // 60,
                               most=outbox.BACKOFF_MAX_S // 60) if msgid else ""

    def status_icon(self, status: str) -> str:
        return {"sent": "check", "queued": "clock", "later": "clock", "held": "clock"}.get(status, "warning")

    def to_library(self) -> None:
        self.app.go("library")

    def next_step(self) -> None:
        self.app.go_next("library")

    def clear(self) -> None:
        super().clear()
        self.number = self.status = self.email = ""
        self.request_id = 0

    screenshot_states = ("queued", "held")

    def screenshot_setup(self, state: str = "") -> None:
        self.number, self.status, self.email = "SC-20261124-0007", state or "sent", "s***@gmail.com"


__all__ = ["SoftcopyDoneScreen", "softcopy"]
