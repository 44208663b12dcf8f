"""Sample records for ``kiosk screenshot``: each screen's picture shows realistic content from the
catalogue, picked here so screens never query the database themselves."""
from __future__ import annotations

from kiosk.core.models import Publication


def publication_with_shelf() -> Publication | None:
    """The longest publication that also stands on a shelf (the publication page shows its shelf), else any."""
    return (Publication.select().where(Publication.hardcopy_location != "")
            .order_by(Publication.page_count.desc()).first()
            or Publication.select().first())


def publication_to_read() -> Publication | None:
    """A publication of 20 pages or more that may be sent as a softcopy (the reader shows a page of tables)."""
    return (Publication.select()
            .where((Publication.page_count >= 20) & ~Publication.read_only & Publication.softcopy_allowed)
            .order_by(Publication.id).first())


def softcopy_choice() -> list[int]:
    """Two publications that may be sent and one read-only one (the softcopy form shows a refusal too)."""
    p = Publication
    sendable = list(p.select().where(~p.read_only & p.softcopy_allowed).order_by(p.id).limit(2))
    readonly = list(p.select().where(p.read_only).order_by(p.id).limit(1))
    return [x.id for x in sendable + readonly]
