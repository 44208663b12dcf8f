"""The ticket's link for the visitor's phone: an unguessable token per ticket and the address its QR code
carries (paper ticket, kiosk screen, desk). Below ``calls`` and ``queue``, which both use it."""
from __future__ import annotations

import secrets

from kiosk.core import models
from kiosk.core.config import Settings
from kiosk.core.db import write_transaction
from kiosk.core.models import Ticket, TicketLink


def phone_token(ticket: Ticket) -> str:
    """The ticket's unguessable token (128 random bits), made at the first ask and kept. The printer
    and the ticket screen ask at the same moment from two threads (or kiosks on PostgreSQL): the insert
    that comes second is ignored and both read the one stored token."""
    link = TicketLink.get_or_none(TicketLink.ticket == ticket.id)
    if link is None:
        with write_transaction(models.database.obj):
            TicketLink.insert(ticket=ticket.id, token=secrets.token_urlsafe(16)).on_conflict_ignore().execute()
        link = TicketLink.get(TicketLink.ticket == ticket.id)
    return link.token


def phone_url(settings: Settings, ticket: Ticket) -> str:
    """What the ticket's QR code carries: ``public_url/q/<token>`` (for the ticket layout and screen)."""
    return f"{settings.web.public_url.rstrip('/')}/q/{phone_token(ticket)}"


def ticket_qr(settings: Settings, ticket: Ticket) -> str:
    """What the ticket's QR code (paper and screen) carries: the phone page, or "" — no QR — when
    ``[web] public_url`` is empty: without an address phones can reach, a code would lead nowhere,
    and an internal id in it would only tell a visitor's phone nothing."""
    if not settings.web.public_url.strip():
        return ""
    return phone_url(settings, ticket)
