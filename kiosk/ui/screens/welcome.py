from __future__ import annotations

from kivy.properties import ListProperty

from kiosk.ui.i18n import _
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.common import Tile

TINTS = {"service": "primary", "library": "success", "survey": "accent", "complaint": "danger"}


class WelcomeScreen(KioskScreen):
    screen_name = "welcome"
    journeys = ListProperty([])

    def on_pre_enter(self, *args):
        self.build_tiles()

    def on_language(self, lang: str) -> None:
        self.build_tiles()

    def build_tiles(self) -> None:
        grid = self.ids.tiles
        grid.clear_widgets()
        for journey in self.app.journeys():
            tile = Tile(title=_(journey.title), subtitle=_(journey.subtitle), icon=journey.icon,
                        tint=self.app.colors[TINTS.get(journey.key, "primary")])
            tile.journey = journey.key
            tile.bind(on_release=self.open_journey)
            grid.add_widget(tile)

    def open_journey(self, tile: Tile) -> None:
        self.app.go(tile.journey)
