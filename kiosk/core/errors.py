"""Typed errors. The CLI turns a KioskError into one line and exit code 1; screens show
``visitor_message`` (a msgid, translated by the UI) next to the field or on the screen."""
from __future__ import annotations


class KioskError(Exception):
    """Anything staff or a visitor can be told about in one sentence."""


class ValidationError(KioskError):
    """Visitor input that cannot be accepted.

    ``errors`` maps a field name to a msgid (English source text, translated by the UI),
    so each message can be shown next to its field in the visitor's language.
    """

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class NotFound(KioskError):
    """A record named by the visitor or staff does not exist."""
