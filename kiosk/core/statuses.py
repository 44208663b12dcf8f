"""The statuses of the kiosk's records, as plain enums: core stores them, screens, commands and pages
compare with them — without importing the ORM models."""
from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVED = "served"
    NO_SHOW = "no_show"


class RequestStatus(StrEnum):
    """A softcopy request's state (``kiosk.core.softcopy``)."""
    PREPARING = "preparing"      # numbered, files being stamped (``preparer`` holds "host:pid")
    QUEUED = "queued"
    SENT = "sent"
    TOO_LARGE = "too_large"
    FAILED = "failed"
    HELD = "held"                # its message may have been delivered: staff decide (kiosk mail retry)
    HANDED_OVER = "handed_over"  # staff wrote it to a file (--out)


class MailStatus(StrEnum):
    """An outbox message's state (see ``kiosk.core.outbox`` for the transitions)."""
    QUEUED = "queued"
    SENDING = "sending"
    COMMITTING = "committing"
    SENT = "sent"
    HELD = "held"
    FAILED = "failed"
    TOO_LARGE = "too_large"


class ResponseSource(StrEnum):
    """What a survey response belongs to (``kiosk.core.survey``): only one per visit or ticket counts."""
    VISIT = "visit"          # a guestbook visit: in the official IKM, once per visit
    TICKET = "ticket"        # a queue ticket without a guestbook: in the official IKM, once per ticket
    WALK_UP = "walk_up"      # neither: stored and reported apart, never in the official IKM
    ONLINE = "online"        # a library account on the web: in the official IKM, once per account per period


class ComplaintStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
