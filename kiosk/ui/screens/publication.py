"""One publication: its cover, what it is, where the printed copy stands, and what the visitor
can do with it (read it here, ask for the softcopy)."""
from __future__ import annotations

from pathlib import Path

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.core import catalog, samples, softcopy
from kiosk.core.subjects import subject_name
from kiosk.ui.i18n import _, current_language
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.reader import Cover


def request_softcopy(app, pub) -> None:
    """The hand-over to the softcopy step (issue 6): the chosen publications live in the session."""
    chosen = app.session.chosen_publications
    if pub.id not in chosen:
        chosen.append(pub.id)
    app.go("softcopy")


def softcopy_refusal(pub) -> str:
    """Why no softcopy can be requested, in the visitor's language; "" when it can. The rule and its words
    are core's (``softcopy.refusal_reason``): the same as the softcopy form and the CLI say."""
    reason = softcopy.refusal_reason(pub)
    return _(reason) if reason else ""


class PublicationScreen(KioskScreen):
    screen_name = "publication"
    publication = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    subtitle = StringProperty("")
    cover = StringProperty("")
    location = StringProperty("")
    abstract = StringProperty("")
    can_request = BooleanProperty(False)
    refusal = StringProperty("")
    details = ListProperty([])     # [(label, value), …] in the visitor's language

    def show(self, pub) -> None:
        self.publication = pub
        self.title = pub.title
        self.subtitle = pub.subtitle
        self.cover = pub.thumbnail_path if pub.thumbnail_path and Path(pub.thumbnail_path).exists() else ""
        self.location = pub.hardcopy_location
        self.abstract = pub.abstract
        self._refresh_texts()

    def _refresh_texts(self) -> None:
        pub = self.publication
        if pub is None:
            self.details, self.refusal, self.can_request = [], "", False
            return
        self.refusal = softcopy_refusal(pub)
        self.can_request = not self.refusal
        numbers = " · ".join(n for n in (f"ISSN {pub.issn}" if pub.issn else "",
                                         f"ISBN {pub.isbn}" if pub.isbn else "") if n)
        rows = [
            (_("Year"), str(pub.year or "")),
            (_("Subject"), subject_name(pub.subject, current_language())),
            (_("Catalogue number"), pub.catalogue_number),
            (_("Publication number"), pub.publication_number),
            (_("ISSN / ISBN"), numbers),
            (_("Pages"), str(pub.page_count) if pub.page_count else ""),
        ]
        self.details = [(label, value) for label, value in rows if value]
        grid = self.ids.details
        grid.clear_widgets()
        for label, value in self.details:
            grid.add_widget(Factory.DetailLabel(text=label))
            grid.add_widget(Factory.DetailValue(text=value))

    def read(self) -> None:
        if self.publication is None:
            return
        self.app.manager.get_screen("reader").open(self.publication)
        self.app.go("reader")

    def request(self) -> None:
        if self.publication is None or not self.can_request:
            return
        request_softcopy(self.app, self.publication)

    def back(self) -> None:
        self.app.go("library")

    def on_language(self, lang: str) -> None:
        self._refresh_texts()

    def clear(self) -> None:
        super().clear()
        self.publication = None
        self.title = self.subtitle = self.cover = self.location = self.abstract = ""
        self._refresh_texts()

    # read_only: no softcopy, and the note saying why where the button was
    screenshot_states = ("read_only",)

    def screenshot_setup(self, state: str = "") -> None:
        pub = samples.publication_with_shelf()
        if state == "read_only":
            pub = next((p for p in map(catalog.get, samples.softcopy_choice()) if p.read_only), pub)
        pubs = [pub] if pub is not None else []
        if pubs:
            Cover.load_now(pubs[0].thumbnail_path if Path(pubs[0].thumbnail_path).exists() else "")
            self.show(pubs[0])
