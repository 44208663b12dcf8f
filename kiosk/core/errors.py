"""Typed errors: one sentence for staff and one for the visitor, decided where the fault is known.

Every ``KioskError`` carries two messages:

* ``str(exc)`` — the staff's one line (the CLI prints ``kiosk: <it>`` and exits 1; the log keeps it);
* ``visitor_message`` — a msgid (English source text, translated by the UI) for the touchscreen.

Faces never look inside an error to decide what to say: the CLI (``kiosk.cli.main``), the screen base
class (``KioskScreen.show_failure``) and later the web error handler each have ONE handler that prints
or shows these two messages. Driver exceptions never travel up: the database layer
(``kiosk.core.db``) turns them into the ``StorageError`` family below.
"""
from __future__ import annotations


def N_(msgid: str) -> str:
    """Marks a msgid for extraction; translated later by the face that shows it."""
    return msgid


TRY_AGAIN = N_("Sorry, that did not work. Please try again, or ask PST staff for help.")


class KioskError(Exception):
    """Anything staff or a visitor can be told about in one sentence."""

    #: msgid shown to the visitor; subclasses (or instances) narrow it
    visitor_message: str = TRY_AGAIN

    def __init__(self, message: str = "", visitor_message: str | None = None):
        super().__init__(message)
        if visitor_message is not None:
            self.visitor_message = visitor_message


class ValidationError(KioskError):
    """Visitor input that cannot be accepted.

    ``errors`` maps a field name to a msgid (English source text, translated by the UI),
    so each message can be shown next to its field in the visitor's language.
    """

    visitor_message = N_("Please check the marked fields.")

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class NotFound(KioskError):
    """A record named by the visitor or staff does not exist."""

    visitor_message = N_("Sorry, that could not be found. Please ask PST staff.")


class LimitReached(KioskError):
    """A per-visit / per-address / per-minute limit protecting the service from one hostile user."""

    visitor_message = N_("This limit has been reached. Please ask PST staff if you need more.")


# --- storage -----------------------------------------------------------------------------------
# Raised by kiosk.core.db instead of driver exceptions. The staff line names the cause and what to
# do; the visitor is asked to try again or to ask staff, and nothing already saved is lost.

class StorageError(KioskError):
    """The database or the data folder cannot do what was asked."""

    visitor_message = TRY_AGAIN


class DatabaseMissing(StorageError):
    """No database file where the config says: `kiosk init` creates it."""


class DatabaseDamaged(StorageError):
    """The file is not a database, is empty, or fails its integrity check; never replaced silently."""

    visitor_message = N_("Sorry, the kiosk cannot save right now. Please ask PST staff for help.")


class DatabaseFull(StorageError):
    """The disk holding the database (or its journal) is full."""

    visitor_message = N_("Sorry, the kiosk cannot save right now. Please ask PST staff for help.")


class DatabaseReadOnly(StorageError):
    """The database or its folder cannot be written (read-only disk, permissions)."""

    visitor_message = N_("Sorry, the kiosk cannot save right now. Please ask PST staff for help.")


class DatabaseBusy(StorageError):
    """Another process held the write lock longer than the busy timeout."""


class DatabaseUnreachable(StorageError):
    """The database server cannot be reached (PostgreSQL down, network lost)."""


class SchemaOutOfDate(StorageError):
    """The schema is older (or newer) than this program: `kiosk init` upgrades it."""

    visitor_message = N_("Sorry, the kiosk cannot save right now. Please ask PST staff for help.")
