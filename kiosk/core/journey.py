"""The order of the steps of a visit, by the office's service standard.

A screen asks ``next_step`` where to go; the UI skips steps whose screens this build lacks.
"""
from __future__ import annotations

from dataclasses import dataclass

from kiosk.i18n import N_


@dataclass(frozen=True)
class Journey:
    key: str            # the first screen of the journey
    role: str           # which kiosk role offers it (config kiosk.roles)
    title: str          # msgid
    subtitle: str       # msgid
    icon: str           # Font Awesome codepoint name, see kiosk.ui.icons
    needs: str = ""     # a device the office must have configured: "scanner" ([scanner] kind)


# What the welcome screen offers, in order.
JOURNEYS: tuple[Journey, ...] = (
    Journey("service", "lobby", N_("Take a queue number"), N_("Start your visit here"), "ticket"),
    Journey("library", "library", N_("Digital library"), N_("Search, read and request publications"), "book"),
    Journey("scan", "library", N_("Scan from a book"), N_("Pages of a printed publication, by e-mail"), "book-open",
            needs="scanner"),
    Journey("survey", "lobby", N_("Rate our service"), N_("Satisfaction survey"), "star"),
    Journey("complaint", "lobby", N_("Complaints and suggestions"), N_("Tell us what to improve"), "comment"),
)

# The lobby visit, step by step (service standard: ticket → guestbook → locker → library → rating).
LOBBY_STEPS: tuple[str, ...] = ("service", "ticket", "consent", "guestbook", "locker", "library", "survey", "thanks")


def journeys_for(roles: tuple[str, ...] | list[str], settings=None) -> list[Journey]:
    """The journeys of these roles; one that needs a device only with ``settings`` that configure it."""
    have = {"scanner"} if settings is not None and settings.scanner.kind != "none" else set()
    return [j for j in JOURNEYS if j.role in roles and (not j.needs or j.needs in have)]


def next_step(current: str, available: set[str]) -> str:
    """The step after ``current`` that this build has a screen for; "welcome" at the end."""
    if current in LOBBY_STEPS:
        for step in LOBBY_STEPS[LOBBY_STEPS.index(current) + 1:]:
            if step in available:
                return step
    return "welcome"
