"""``_`` for kv rules and screens: the running app's language.

In kv, write ``_("Text", app.lang)``: naming ``app.lang`` makes Kivy re-evaluate the rule
when the visitor switches language, so the whole screen re-renders in place.
"""
from __future__ import annotations

from kivy.app import App

from kiosk.i18n import DEFAULT_LANGUAGE, gettext_for, ngettext_for


def current_language() -> str:
    app = App.get_running_app()
    return getattr(app, "lang", DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def _(msgid: str, *bound_to: object) -> str:
    return gettext_for(current_language(), msgid)


def ngettext(singular: str, plural: str, n: int, *bound_to: object) -> str:
    """The plural form for ``n`` in the app's language (see ``kiosk.i18n.ngettext_for``)."""
    return ngettext_for(current_language(), singular, plural, n)


def pick(text_id: str, text_en: str, *bound_to: object) -> str:
    """For texts that come from the config in both languages (service names, choices)."""
    return text_en if current_language() == "en" else text_id
