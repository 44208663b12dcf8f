"""The page of the on-screen reader: a rendered PDF page fitted to the width, with a light mark over it;
+ / − / fit buttons, pinch or double-tap to zoom, drag to pan, and a horizontal swipe to turn the page."""
from __future__ import annotations

from collections import OrderedDict

from kivy.app import App
from kivy.graphics.texture import Texture
from kivy.graphics.transformation import Matrix
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.image import Image
from kivy.uix.stencilview import StencilView

from kiosk.core.pdfrender import RenderedPage, read_thumbnail
from kiosk.ui.widgets.common import Card

ZOOM_STEP = 2.0        # a double tap
BUTTON_ZOOM = 1.25     # + and −
SWIPE_MIN_DP = 90
PAGE_MARGIN_DP = 12    # beside a page that fills the width


def texture_from(page: RenderedPage) -> Texture:
    """On the UI thread only (GL). Top-down RGB rows → a texture drawn the right way up."""
    texture = Texture.create(size=(page.width, page.height), colorfmt="rgb")
    texture.blit_buffer(page.rgb, colorfmt="rgb", bufferfmt="ubyte")
    texture.flip_vertical()
    return texture


class Hideable:
    """A message or dialog laid over other widgets. Hidden, touches pass through it to what is
    below; a ``disabled`` widget would swallow them instead (Kivy 2.3)."""
    shown = BooleanProperty(False)

    def on_touch_down(self, touch):
        return super().on_touch_down(touch) if self.shown else False

    def on_touch_move(self, touch):
        return super().on_touch_move(touch) if self.shown else False

    def on_touch_up(self, touch):
        return super().on_touch_up(touch) if self.shown else False


class OverlayCard(Hideable, Card):
    pass


class OverlayLayer(Hideable, FloatLayout):
    pass


class Cover(Image):
    """A publication's cover thumbnail, decoded in the app's worker (a grid of 60 covers would
    stall the touchscreen if decoded on the UI thread); ``ready`` once it is shown, so the
    screen draws its own placeholder until then. Recent textures are shared between cards."""
    path = StringProperty("")
    ready = BooleanProperty(False)
    _cache: OrderedDict[str, Texture] = OrderedDict()
    # the library grid shows at most 60 (library.RESULT_LIMIT); a cover is ~0.5 MB of texture, in process
    # memory under software GL, and stays alive behind the reader: 150 of them were up to ~75 MB
    CACHE_SIZE = 60

    def on_path(self, *args) -> None:
        path = self.path
        self.texture, self.ready = None, False
        if not path:
            return
        cached = self._cache.get(path)
        if cached is not None:
            self._cache.move_to_end(path)
            self.texture, self.ready = cached, True
            return
        app = App.get_running_app()
        app.worker.submit(lambda: read_thumbnail(path), lambda page: self._decoded(path, page),
                          lambda exc: None)     # an unreadable cover keeps the placeholder

    def _decoded(self, path: str, page: RenderedPage) -> None:
        texture = self._cache.get(path) or self.remember(path, texture_from(page))
        if path == self.path:
            self.texture, self.ready = texture, True

    @classmethod
    def remember(cls, path: str, texture: Texture) -> Texture:
        cls._cache[path] = texture
        while len(cls._cache) > cls.CACHE_SIZE:
            cls._cache.popitem(last=False)
        return texture

    @classmethod
    def load_now(cls, path: str) -> None:
        """Decode on the calling (UI) thread: for ``kiosk screenshot`` only, where nobody waits."""
        if path and path not in cls._cache:
            cls.remember(path, texture_from(read_thumbnail(path)))


class PageView(StencilView):
    """One page. It fills the width (a table page is legible at once; on a portrait stand nearly the whole
    page shows so) and the visitor drags it up and down. +, − and fit buttons, a double tap or a
    pinch zoom in, and a zoomed page is dragged in every direction, never past its edges. A
    horizontal swipe turns the page while it is not zoomed.

    The page is a Scatter: its transform is applied in the coordinates of this view's parent, so
    zooming around a finger uses the finger's position there (the touch's own), not the Scatter's
    local one — that mix-up zoomed double taps around the wrong point."""
    texture = ObjectProperty(None, allownone=True)
    mark = StringProperty("")           # "Dibaca di kiosk PST — …", drawn over the page
    zoomed = BooleanProperty(False)     # larger than the default fit
    page_size = ListProperty([0, 0])    # the page at the default fit, in pixels
    __events__ = ("on_swipe", "on_zoom")

    def on_kv_post(self, base_widget):
        self.bind(size=self._fit, pos=self._fit, texture=self._fit)
        scatter = self.ids.scatter
        scatter.bind(scale=self._on_scale)
        scatter.bind(on_transform_with_touch=lambda *a: self.keep_in_view())

    def _fit(self, *args) -> None:
        tex = self.texture
        if tex is None or not self.width or not self.height:
            self.page_size = [0, 0]
        else:
            w = self.width - 2 * dp(PAGE_MARGIN_DP)
            self.page_size = [w, w * tex.height / tex.width]
        scatter = self.ids.scatter
        # below the default fit only as far as the whole page shows (−)
        whole = min(1.0, self.height / self.page_size[1]) if self.page_size[1] else 1.0
        scatter.scale_min = whole
        if not self.zoomed:
            self.reset_zoom()

    def reset_zoom(self) -> None:
        """The default fit, the top of the page at the top of the view."""
        scatter = self.ids.scatter
        scatter.transform = Matrix()
        scatter.size = self.page_size
        w, h = self.page_size
        top = self.top if h > self.height else self.center_y + h / 2
        scatter.pos = (self.center_x - w / 2, top - h)
        self.zoomed = False

    def zoom_at(self, x: float, y: float, factor: float = ZOOM_STEP) -> None:
        """Zoom by ``factor`` keeping the page's point under (x, y) — coordinates of this view's parent,
        as a touch gives them — where it is."""
        scatter = self.ids.scatter
        target = min(max(scatter.scale * factor, scatter.scale_min), scatter.scale_max)
        if abs(target - scatter.scale) < 1e-6:
            return
        step = target / scatter.scale
        scatter.apply_transform(Matrix().scale(step, step, step), anchor=(x, y))
        self.keep_in_view()

    def double_tap(self, x: float, y: float) -> None:
        """Zoom in around the finger, or back to the default fit."""
        if self.zoomed:
            self.reset_zoom()
        else:
            self.zoom_at(x, y)

    def zoom_in(self) -> None:
        self.zoom_at(*self.center, factor=BUTTON_ZOOM)

    def zoom_out(self) -> None:
        self.zoom_at(*self.center, factor=1 / BUTTON_ZOOM)

    def keep_in_view(self) -> None:
        """No empty margin where there is more page to see: a page smaller than the view is centred, a
        larger one covers it (dragging stops at its edges)."""
        scatter = self.ids.scatter
        (x, y), (w, h) = scatter.bbox
        dx = self._shift(x, w, self.x, self.width)
        dy = self._shift(y, h, self.y, self.height)
        if dx or dy:
            scatter.apply_transform(Matrix().translate(dx, dy, 0))

    @staticmethod
    def _shift(start: float, size: float, view_start: float, view_size: float) -> float:
        if size <= view_size:
            return view_start + (view_size - size) / 2 - start
        if start > view_start:
            return view_start - start
        if start + size < view_start + view_size:
            return view_start + view_size - (start + size)
        return 0.0

    @property
    def can_pan(self) -> bool:
        return self.ids.scatter.bbox[1][1] > self.height + 1 or self.zoomed

    def _on_scale(self, scatter, scale) -> None:
        zoomed = scale > 1.05
        if zoomed != self.zoomed:
            self.zoomed = zoomed
            self.dispatch("on_zoom", zoomed)

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return False
        if touch.is_double_tap:
            self.double_tap(*touch.pos)
            return True
        touch.ud["page_view_start"] = touch.pos
        super().on_touch_down(touch)
        return True

    def on_touch_up(self, touch):
        start = touch.ud.get("page_view_start")
        handled = super().on_touch_up(touch)
        if start is None or self.zoomed or touch.grab_current not in (None, self):
            return handled
        dx, dy = touch.x - start[0], touch.y - start[1]
        if abs(dx) >= dp(SWIPE_MIN_DP) and abs(dx) > 2 * abs(dy):
            self.dispatch("on_swipe", "next" if dx < 0 else "previous")
            return True
        return handled

    def on_swipe(self, direction: str) -> None:
        pass

    def on_zoom(self, zoomed: bool) -> None:
        pass
