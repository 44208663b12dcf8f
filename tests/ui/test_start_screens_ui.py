"""The first screens a visitor sees, on a 1080×1920 portrait stand (issue 14.5): the welcome uses the height
(the welcome text above, big tiles stacked the full width below it, not a third of the width with the rest
empty) and the service tiles get the full width (their names were squeezed to a word a line)."""
from __future__ import annotations

from kiosk.core.form_factor import PORTRAIT, TESTED_SIZES, form_factor
from ui.kiosk_ui import KioskUITest


class PortraitStartTest(KioskUITest):

    def start_portrait(self, screen: str):
        width, height = TESTED_SIZES[PORTRAIT]
        app = self.start(screen, size=form_factor(width, height).dp_size(width, height))
        assert app.portrait
        self.advance_frames(2)
        return app

    def box(self, widget):
        x, y = widget.to_window(widget.x, widget.y)
        return x, y, x + widget.width, y + widget.height

    def test_welcome_stacks_big_tiles_under_the_welcome_text(self):
        app = self.start_portrait("welcome")
        width = self.Window.size[0]
        title = self.find_text("Selamat datang")
        tiles = list(reversed(self.screen("welcome").ids.tiles.children))
        assert len(tiles) == 4
        title_bottom = self.box(title)[1]
        for tile in tiles:
            x1, y1, x2, y2 = self.box(tile)
            assert y2 <= title_bottom, "a tile beside or over the welcome text"
            assert x2 - x1 >= 0.85 * width, f"a tile {x2 - x1:.0f} dp wide on a {width:.0f} dp screen"
            assert y2 - y1 >= 200, f"a tile {y2 - y1:.0f} dp high: the height is there to use"
        tops = [self.box(t)[3] for t in tiles]
        assert tops == sorted(tops, reverse=True), "the tiles are one column, first on top"

    def test_service_tiles_get_the_full_width(self):
        self.start_portrait("service")
        width = self.Window.size[0]
        screen = self.screen("service")
        tiles = screen.tiles()
        assert len(tiles) == 4 and screen.ids.tiles.cols == 1
        for tile in tiles:
            x1, _y1, x2, _y2 = self.box(tile)
            assert x2 - x1 >= 0.85 * width
        name = self.find_text("Rekomendasi Kegiatan Statistik")
        assert name.texture_size[1] < 2.5 * name.font_size, "the longest name on at most two lines"
