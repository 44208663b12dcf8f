"""Library home: search as you type, subject chips and a grid of covers (newest first); while the keyboard is
up the same results as a list of one line each, so several show above the keyboard.

The search itself is ``kiosk.core.search.find`` (typos corrected, with a "Maksud Anda: …" chip); it runs in the worker a moment after the
last key (a fast typist does not queue one query per key) and only the answer to the latest
query is shown, so a slow answer never overwrites a newer one.
"""
from __future__ import annotations

import logging
from pathlib import Path

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.core import catalog, search
from kiosk.core.subjects import subject_name
from kiosk.core.text_fit import fit_lines
from kiosk.ui.i18n import _, current_language, ngettext
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.common import Pill
from kiosk.ui.widgets.reader import Cover

log = logging.getLogger(__name__)

SEARCH_DELAY_S = 0.15   # after the last key: one query per pause, not one per key
RESULT_LIMIT = 60


class FittedTitle:
    """A title cut by words to its label's lines, ending with "…" (Kivy's ``max_lines`` cuts without a sign,
    its ``shorten`` a single line only)."""
    title_lines = 1

    def fitted_title(self, title: str, width: float, font_size: float, font_name: str, bold: bool) -> str:
        if width < 2:
            return title
        font = CoreLabel(font_size=font_size, font_name=font_name, bold=bold)
        # a pixel to spare: a label sums its words' widths, which can round apart from a whole line's
        return fit_lines(title, self.title_lines, width - 2, lambda text: font.get_extents(text)[0])


class CoverCard(FittedTitle, ButtonBehavior, BoxLayout):
    """One publication in the grid: its cover, title and year."""
    publication = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    year = StringProperty("")
    cover = StringProperty("")      # thumbnail path; "" draws a plain placeholder
    location = StringProperty("")
    title_lines = 3         # as many as the card's title label shows (max_lines in library.kv)


class ResultRow(FittedTitle, ButtonBehavior, BoxLayout):
    """One publication on one line (title, year, shelf): the results while the keyboard is up."""
    publication = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    year = StringProperty("")
    location = StringProperty("")


_FADES: dict[bool, Texture] = {}


def fade_texture(rising: bool) -> Texture:
    """A white strip from transparent to opaque (``rising``: left to right), tinted by the canvas colour."""
    if rising not in _FADES:
        steps = 64
        alphas = [round(255 * (i / (steps - 1)) ** 0.8) for i in range(steps)]
        if not rising:
            alphas.reverse()
        texture = Texture.create(size=(steps, 1), colorfmt="rgba")
        texture.blit_buffer(bytes(v for a in alphas for v in (255, 255, 255, a)), colorfmt="rgba",
                            bufferfmt="ubyte")
        _FADES[rising] = texture
    return _FADES[rising]


class ChipFade(Widget):
    """The chips fading out where the strip cuts them off: there is more that way."""
    rising = BooleanProperty(True)
    texture = ObjectProperty(None, allownone=True)

    def on_kv_post(self, base_widget):
        self.on_rising()

    def on_rising(self, *args):
        self.texture = fade_texture(self.rising)


class LibraryScreen(KioskScreen):
    screen_name = "library"
    subject = StringProperty("")          # "" = all subjects
    status = StringProperty("")           # "loading" | "results" | "empty" | "error"
    result_count = NumericProperty(0)
    searched_text = StringProperty("")    # the query the shown results answer
    suggestion = StringProperty("")       # the query as the catalogue spells it, when a typo was corrected
    keyboard_open = BooleanProperty(False)
    in_visit = BooleanProperty(False)     # lobby journey: show the "next step" button
    chips_overflow = BooleanProperty(False)     # more subjects than the strip shows: an arrow beside it
    chips_more_left = BooleanProperty(False)    # chips cut off on that side (a fade there)
    chips_more_right = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        self._search_trigger = Clock.create_trigger(lambda dt: self.search_now(), SEARCH_DELAY_S)
        self._serial = 0
        self._subjects: list[str] = []
        self._found: list = []          # the publications shown, as cards or (keyboard up) as rows
        self._filled = {"grid": -1, "list": -1}     # which answer (serial) each view holds
        self.ids.search.bind(text=lambda *a: self._search_trigger(), focus=self._on_search_focus)
        self.ids.search.bind(on_text_validate=lambda *a: self.close_keyboard())

    # --- entering ---

    def on_pre_enter(self, *args):
        session = self.app.session
        self.in_visit = session.visit_id is not None or session.ticket_id is not None
        self.load_subjects()
        if not self.status or self.status == "error":
            self.search_now()   # back from a publication, the visitor finds the grid as they left it

    def load_subjects(self) -> None:
        self.app.worker.submit(catalog.subjects, self._show_subjects, lambda exc: None)

    def _show_subjects(self, subjects: list[str]) -> None:
        if subjects == self._subjects and self.ids.subjects.children:
            return
        self._subjects = subjects
        self._build_pills()

    def _build_pills(self) -> None:
        box = self.ids.subjects
        box.clear_widgets()
        lang = current_language()
        for code, label in [("", _("All subjects"))] + [(s, subject_name(s, lang)) for s in self._subjects]:
            pill = Pill(text=label, selected=code == self.subject)
            pill.code = code
            pill.bind(on_release=lambda p: self.choose_subject(p.code))
            box.add_widget(pill)

    def choose_subject(self, subject: str) -> None:
        self.subject = subject
        for pill in self.ids.subjects.children:
            pill.selected = pill.code == subject
        self.search_now()

    # --- searching ---

    def search_now(self) -> None:
        self._search_trigger.cancel()
        self._serial += 1
        serial, text, subject = self._serial, self.ids.search.text, self.subject
        if not self.status:
            self.status = "loading"   # first search only: later ones keep the last answer until the next
        db = self.app.runtime.db

        def run() -> search.Found:
            return search.find(db, text, subject=subject, limit=RESULT_LIMIT)

        self.app.worker.submit(run, lambda found: self._show(serial, text, found.publications, found.suggestion),
                               lambda exc: self._failed(serial, exc))

    def _show(self, serial: int, text: str, pubs: list, suggestion: str = "") -> None:
        if serial != self._serial:
            return      # the visitor typed on; a newer answer is coming
        self.searched_text = text.strip()
        self.suggestion = suggestion
        self.result_count = len(pubs)
        self.status = "results" if pubs else "empty"
        self._found = pubs
        self._filled = {"grid": -1, "list": -1}
        self._fill()

    def on_keyboard_open(self, *args) -> None:
        self._fill()

    def _fill(self) -> None:
        """Build the view in use only: cards with the keyboard closed, rows while typing (the other is
        built when the keyboard opens or closes, from the same answer)."""
        view = "list" if self.keyboard_open else "grid"
        if self._filled[view] == self._serial:
            return
        self._filled[view] = self._serial
        box = self.ids.result_list if view == "list" else self.ids.grid
        box.clear_widgets()
        for pub in self._found:
            year, location = str(pub.year or ""), pub.hardcopy_location
            if view == "list":
                item = ResultRow(publication=pub, title=pub.title, year=year, location=location)
            else:
                cover = pub.thumbnail_path if pub.thumbnail_path and Path(pub.thumbnail_path).exists() else ""
                item = CoverCard(publication=pub, title=pub.title, year=year, cover=cover, location=location)
            item.bind(on_release=self.open_card)
            box.add_widget(item)
        (self.ids.list_scroll if view == "list" else self.ids.results_scroll).scroll_y = 1

    def _failed(self, serial: int, exc: BaseException) -> None:
        if serial != self._serial:
            return
        log.error("catalogue search failed", exc_info=exc)
        self._found = []
        self._filled = {"grid": -1, "list": -1}
        self.ids.grid.clear_widgets()
        self.ids.result_list.clear_widgets()
        self.suggestion = ""
        self.status = "error"

    def cards(self) -> list[CoverCard]:
        return [w for w in reversed(self.ids.grid.children) if isinstance(w, CoverCard)]

    def rows(self) -> list[ResultRow]:
        return [w for w in reversed(self.ids.result_list.children) if isinstance(w, ResultRow)]

    # --- subject chips ---

    def update_chip_hints(self, *args) -> None:
        scroll, chips, strip = self.ids.chips_scroll, self.ids.subjects, self.ids.chip_strip
        room_without_arrow = strip.width - strip.padding[0] - strip.padding[2] - strip.spacing
        self.chips_overflow = chips.width > room_without_arrow + 1
        hidden = chips.width - scroll.width
        self.chips_more_left = hidden > 1 and scroll.scroll_x > .01
        self.chips_more_right = hidden > 1 and scroll.scroll_x < .99

    def scroll_chips(self) -> None:
        """The arrow beside the chips: most of a strip's width on, or back to the first at their end."""
        scroll = self.ids.chips_scroll
        step, _ = scroll.convert_distance_to_scroll(scroll.width * .8, 0)
        target = min(1.0, scroll.scroll_x + step) if self.chips_more_right else 0.0
        Animation.cancel_all(scroll, "scroll_x")
        Animation(scroll_x=target, d=.25, t="out_quad").start(scroll)

    # --- leaving ---

    def open_card(self, card: CoverCard) -> None:
        self.close_keyboard()
        self.app.manager.get_screen("publication").show(card.publication)
        self.app.go("publication")

    def next_step(self) -> None:
        self.app.go_next(self.screen_name)

    # --- keyboard ---

    def _on_search_focus(self, field, focused: bool) -> None:
        if focused:
            self.keyboard_open = True

    def open_keyboard(self) -> None:
        self.keyboard_open = True
        self.ids.search.focus = True

    def close_keyboard(self) -> None:
        self.keyboard_open = False
        self.ids.search.focus = False

    def clear_search(self) -> None:
        self.ids.search.text = ""
        self.search_now()

    def use_suggestion(self) -> None:
        """The visitor accepts "Maksud Anda: …": the field says what the results are for."""
        words, self.suggestion = self.suggestion, ""
        self.ids.search.text = words
        self.ids.search.cursor = (len(words), 0)
        self.search_now()

    def show_all(self) -> None:
        self.close_keyboard()       # to browse: the cards, not the typing list
        self.ids.search.text = ""
        self.choose_subject("")

    def status_text(self, lang: str, status: str, count: int, text: str, subject: str, typing: bool = False) -> str:
        """The line above the grid: what the visitor is looking at (while typing, also that nothing was found)."""
        if status == "loading":
            return _("Searching…")
        if typing and status == "empty":
            return _("No publications found")
        if typing and status == "error":
            return _("The catalogue cannot be searched right now. Please ask the staff.")
        if status != "results":
            return ""
        if not text:
            return (_("Newest publications: {subject}").format(subject=subject_name(subject, lang)) if subject
                    else _("Newest publications"))
        return ngettext("{count} publication found for “{query}”", "{count} publications found for “{query}”",
                        count).format(count=count, query=text)

    # --- visitor state ---

    def clear(self) -> None:
        super().clear()
        self._search_trigger.cancel()
        self._serial += 1        # an answer still on its way is for the previous visitor
        self.subject, self.status, self.searched_text, self.result_count = "", "", "", 0
        self.suggestion = ""
        self.keyboard_open = False
        self._found = []
        self._filled = {"grid": -1, "list": -1}
        self.ids.grid.clear_widgets()
        self.ids.result_list.clear_widgets()
        self.ids.chips_scroll.scroll_x = 0
        for pill in self.ids.subjects.children:
            pill.selected = pill.code == ""

    def on_language(self, lang: str) -> None:
        if self._subjects or self.ids.subjects.children:
            self._build_pills()     # "All subjects" is set from Python

    screenshot_states = ("typo", "typing", "visit")

    def screenshot_setup(self, state: str = "") -> None:
        # what a visitor sees first: the newest publications, every subject, the keyboard closed;
        # "typo": a mistyped word answered with its results and the "Maksud Anda" chip; "typing": the
        # keyboard up, the results as a list above it; "visit": a lobby visit's next step, bottom right
        self._serial += 1       # answered here and now, covers included: the capture comes soon
        self._show_subjects(catalog.subjects())
        self.ids.chips_scroll.scroll_x = 0
        self.in_visit = state == "visit"
        text = {"typing": "kota"}.get(state, "")
        if state == "typo":
            word = next((w for p in search.search(self.app.runtime.db, "", limit=20)
                         for w in search.query_terms(p.title) if len(w) >= 8 and w.isalpha()), "statistik")
            text = word[:-3] + word[-2:]        # one letter left out, as typed in a hurry
        found = search.find(self.app.runtime.db, text)
        for pub in found.publications:
            if pub.thumbnail_path and Path(pub.thumbnail_path).exists():
                Cover.load_now(pub.thumbnail_path)
        if state == "typing":
            self.open_keyboard()
        else:
            self.close_keyboard()
        self.ids.search.text = text
        self._search_trigger.cancel()
        self._show(self._serial, text, found.publications, found.suggestion)
