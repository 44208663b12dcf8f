"""The reader in a real window at 1920×1080 (issue 14.7): a table page fills the width by default and is
legible; + / − / fit beside the page arrows; a double tap zooms into the touched point; a zoomed page is
dragged but never past its edges. In portrait the page fills the width and the controls are one row at the
bottom; at each size the reader with a page open passes the layout rules (issue 14.5). PDFs are made here
with reportlab."""
from __future__ import annotations

from kivy.metrics import dp
from kivy.tests.common import UnitTestTouch

from kiosk.core import catalog_import
from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT
from kiosk.ui.widgets.reader import PAGE_MARGIN_DP
from pdf_helpers import make_titled_pdf
from ui.kiosk_ui import KioskUITest, dp_size


class ReaderUITest(KioskUITest):
    wait_s = 5.0

    def open_reader(self, size=(1920, 1080)):
        app = self.start(size=size)
        src = self.tmp_path / "incoming"
        src.mkdir()
        pub = catalog_import.import_file(self.runtime.settings, self.runtime.clock,
                                         make_titled_pdf(src / "tabel.pdf", "Statistik Daerah 2024", 3),
                                         {"subject": "Sosial", "year": 2024})[0]
        app.go("reader")
        reader = self.screen("reader")
        reader.open(pub)
        view = reader.ids.page_view
        self.wait_for(lambda: view.texture is not None, what="the first page")
        self.advance_frames(2)
        return app, reader, view

    def page_bbox(self, view):
        (x, y), (w, h) = view.ids.scatter.bbox
        return x, y, w, h

    def double_tap(self, x: float, y: float) -> None:
        """Two taps; the second marked as Kivy's double-tap post-processor marks it (UnitTestTouch posts
        straight to the widgets, past the post-processors)."""
        for second in (False, True):
            touch = UnitTestTouch(x, y)
            touch.is_double_tap = second
            touch.touch_down()
            touch.touch_up()
        self.advance_frames(2)

    def test_a_table_page_fills_the_width_and_is_drawn_sharp_enough_to_read(self):
        app, reader, view = self.open_reader()
        assert not view.zoomed
        x, y, w, h = self.page_bbox(view)
        # 1920 minus the arrow columns and paddings is the room for the page
        assert view.width >= 1920 - 2 * 132 - 2 * 28 - 2 * 24 - 1
        assert w >= view.width - 2 * dp(PAGE_MARGIN_DP) - 1
        assert y + h >= view.top - 1                                # its top in view, the rest below
        assert view.texture.width >= 0.85 * w                       # not a small bitmap blown up
        # before: fitted to the height the page was about 560 px wide (issue 14.7)
        assert w > 2.5 * 560

    def test_a_double_tap_zooms_into_the_touched_point(self):
        app, reader, view = self.open_reader()
        scatter = view.ids.scatter
        x, y = view.x + view.width * .25, view.y + view.height * .7      # away from the centre
        before = scatter.to_local(x, y)
        self.double_tap(x, y)
        assert view.zoomed and scatter.scale > 1.5
        after = scatter.to_local(x, y)
        assert abs(after[0] - before[0]) < 2 and abs(after[1] - before[1]) < 2   # the same spot of the page
        self.double_tap(x, y)                                        # and back to the fit
        assert not view.zoomed and scatter.scale == 1

    def test_plus_minus_and_fit_buttons(self):
        app, reader, view = self.open_reader()
        scatter = view.ids.scatter
        for button in (reader.ids.zoom_in, reader.ids.zoom_out, reader.ids.zoom_fit, reader.ids.next):
            assert button.width >= 80 and button.height >= 80
        self.tap(reader.ids.zoom_in)
        self.tap(reader.ids.zoom_in)
        assert view.zoomed and scatter.scale > 1.5
        self.tap(reader.ids.zoom_out)
        assert 1.2 < scatter.scale < 1.3
        self.tap(reader.ids.zoom_fit)
        assert not view.zoomed and scatter.scale == 1
        for _ in range(8):                                           # − down to the whole page, no further
            self.tap(reader.ids.zoom_out)
        x, y, w, h = self.page_bbox(view)
        assert h <= view.height + 1 and abs((y + h / 2) - view.center_y) < 2

    def test_dragging_pans_a_zoomed_page_but_not_past_its_edges(self):
        app, reader, view = self.open_reader()
        self.tap(reader.ids.zoom_in)
        self.tap(reader.ids.zoom_in)
        x0, y0, w, h = self.page_bbox(view)
        cx, cy = view.center
        touch = UnitTestTouch(cx, cy)
        touch.touch_down()
        for step in range(1, 6):
            touch.touch_move(cx + 40 * step, cy + 30 * step)
            self.advance_frames(1)
        touch.touch_up()
        self.advance_frames(2)
        x1, y1, _, _ = self.page_bbox(view)
        assert x1 > x0 and y1 > y0                                   # it moved with the finger
        assert reader.page_index == 0                                # a zoomed drag never turns the page
        touch = UnitTestTouch(cx, cy)                                # far to the right: stops at the edge
        touch.touch_down()
        for step in range(1, 11):
            touch.touch_move(cx + 300 * step, cy)
            self.advance_frames(1)
        touch.touch_up()
        self.advance_frames(2)
        x2, y2, w2, h2 = self.page_bbox(view)
        assert abs(x2 - view.x) < 1                                  # the page's left edge, no grey beyond

    def test_in_portrait_the_page_fills_the_width_and_every_control_is_in_one_row_at_the_bottom(self):
        """The portrait stand (1080×1920) is the best reader there is: the page takes the whole width (it sat
        between two 132 px arrow columns, 700 px wide) and ← − fit + → and "Request softcopy" are in reach."""
        app, reader, view = self.open_reader(size=dp_size(PORTRAIT))
        ids = reader.ids
        width, height = dp_size(PORTRAIT)
        assert view.width >= width - 2 * 16 - 1
        x, y, w, h = self.page_bbox(view)
        assert w >= view.width - 2 * dp(PAGE_MARGIN_DP) - 1 and y + h >= view.top - 1
        row = [ids.previous, ids.zoom_out, ids.zoom_fit, ids.zoom_in, ids.next, ids.request]
        lefts = [b.to_window(b.x, b.y)[0] for b in row]
        assert lefts == sorted(lefts)                                # one row, in this order
        for button in row:
            bx, by = button.to_window(*button.center)
            assert by < height / 4 and button.width >= 80 and button.height >= 80, button
        assert ids.previous.to_window(*ids.previous.pos)[1] + ids.previous.height <= view.to_window(*view.pos)[1]
        self.tap(ids.next)
        assert reader.page_index == 1
        self.tap(ids.zoom_in)
        assert view.zoomed

    def test_with_a_page_open_the_reader_passes_the_layout_rules_at_each_size(self):
        """Landscape, compact and portrait in turn (the controls move when the window turns): nothing outside
        the window or cut, targets of 80 px, and the filled "Request softcopy" in reach, not in the top third
        of the window as in the first wave's top bar."""
        from ui.screen_rules import screen_problems

        app, reader, view = self.open_reader()
        for layout in (LANDSCAPE, COMPACT, PORTRAIT, LANDSCAPE):
            size = dp_size(layout)
            self.Window.size = size
            self.advance_frames(4)
            assert app.layout == layout
            problems = screen_problems(app.root, size)
            assert not problems, (layout, problems)
            assert reader.ids.request.to_window(*reader.ids.request.center)[1] < size[1] * 2 / 3

    def test_the_publication_page_passes_the_layout_rules_at_each_size(self):
        """Its cover, details and actions at each size: in portrait the cover above and the details across
        the width (beside a 500 dp cover they broke one digit per line, and "Read" was off the window),
        "Read" and "Request softcopy" in the lower two thirds."""
        from ui.screen_rules import screen_problems

        app, reader, view = self.open_reader()
        page = self.screen("publication")
        page.show(reader.publication)
        app.go("publication")
        for layout in (LANDSCAPE, COMPACT, PORTRAIT):
            size = dp_size(layout)
            self.Window.size = size
            self.advance_frames(4)
            problems = screen_problems(app.root, size)
            assert not problems, (layout, problems)
            for button in (page.ids.read, page.ids.request):
                assert 0 <= button.to_window(*button.center)[1] < size[1] * 2 / 3
