"""What the kiosk remembers about the visitor at the screen, and nothing longer.

The UI holds exactly one ``VisitorSession``; the idle reset and "finish" replace it with a
fresh one, so no name, e-mail or choice of the previous visitor survives in memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class VisitorSession:
    language: str = "id"
    ticket_id: int | None = None
    visit_id: int | None = None
    visitor_name: str = ""
    visitor_email: str = ""
    locker_label: str = ""
    chosen_publications: list[int] = field(default_factory=list)
    # screens that need to remember a choice between steps keep it here, by key
    scratch: dict[str, object] = field(default_factory=dict)
