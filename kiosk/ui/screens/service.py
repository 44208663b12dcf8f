"""Step 1 of a lobby visit: choose a PST service and take a queue number.

The number is taken by ``kiosk.core.queue.issue_ticket`` in the worker (a database write may
wait on another kiosk's lock); the ticket screen then shows it and prints it.
"""
from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import DictProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.core import queue
from kiosk.ui.screens.base import KioskScreen

REFRESH_S = 10      # seconds between waiting-count updates while the tiles are shown


class ServiceTile(ButtonBehavior, BoxLayout):
    """One service: its ticket letter, its name in both languages, its counter and who waits."""
    code = StringProperty("")
    prefix = StringProperty("")
    name_id = StringProperty("")
    name_en = StringProperty("")
    counter = StringProperty("")
    waiting = NumericProperty(-1)      # -1: not known yet


class ServiceScreen(KioskScreen):
    screen_name = "service"
    waiting = DictProperty({})
    _sample_counts = False
    _refresh_event = None

    def on_kv_post(self, base_widget):
        self.build_tiles()

    def build_tiles(self) -> None:
        grid = self.ids.tiles
        grid.clear_widgets()
        for s in self.app.settings.services:
            tile = ServiceTile(code=s.code, prefix=s.prefix, name_id=s.name_id, name_en=s.name_en,
                               counter=s.counter)
            tile.bind(on_release=lambda t: self.choose(t.code))
            grid.add_widget(tile)

    def tiles(self) -> list[ServiceTile]:
        return [w for w in reversed(self.ids.tiles.children) if isinstance(w, ServiceTile)]

    def on_pre_enter(self, *args):
        self.message, self.busy = "", False
        if {t.code for t in self.tiles()} != {s.code for s in self.app.settings.services}:
            self.build_tiles()      # the config was reloaded with other services
        self.refresh_counts()

    def on_enter(self, *args):
        # Other kiosks and the staff desk change the queue while a visitor reads the tiles.
        self._refresh_event = Clock.schedule_interval(lambda dt: self.refresh_counts(), REFRESH_S)

    def on_leave(self, *args):
        if self._refresh_event is not None:
            self._refresh_event.cancel()
            self._refresh_event = None

    def refresh_counts(self) -> None:
        runtime = self.app.runtime

        def counts():
            result = queue.waiting_counts(runtime.settings, runtime.clock)
            runtime.printer   # noqa: B018  (made now, off the UI thread, so the first ticket prints sooner)
            return result

        self.app.worker.submit(counts, self._show_counts, lambda exc: None)

    def _show_counts(self, counts: dict[str, int]) -> None:
        if self._sample_counts:
            return      # a screenshot shows its sample figures, not the live database's
        self.waiting = counts
        for tile in self.tiles():
            tile.waiting = counts.get(tile.code, -1)

    def choose(self, code: str) -> None:
        if self.busy:
            return          # a second tap while the number is being taken
        self.message = ""
        runtime, lang = self.app.runtime, self.app.lang
        # a failure (database busy, full or out of reach) goes to the one handler: the message line
        self.in_background(lambda: queue.issue_ticket(runtime.settings, runtime.clock, code, lang), self._issued)

    def _issued(self, issued: queue.Issued) -> None:
        self.app.session.ticket_id = issued.ticket.id
        self.app.manager.get_screen("ticket").show(issued)
        self.app.go("ticket")

    def clear(self) -> None:
        self.message, self.busy = "", False

    def screenshot_setup(self, state: str = "") -> None:
        self._show_counts({"A": 3, "B": 1, "C": 0, "D": 2})
        self._sample_counts = True
