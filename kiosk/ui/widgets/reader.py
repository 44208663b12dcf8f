"""The page of the on-screen reader: a rendered PDF page that fits the view, with a light mark
over it, pinch or double-tap to zoom, and a horizontal swipe to turn the page."""
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

ZOOM_STEP = 2.5
SWIPE_MIN_DP = 90


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
    texture = ObjectProperty(None, allownone=True)
    mark = StringProperty("")           # "Dibaca di kiosk PST — …", drawn over the page
    zoomed = BooleanProperty(False)
    page_size = ListProperty([0, 0])    # the page fitted into the view, in pixels
    __events__ = ("on_swipe", "on_zoom")

    def on_kv_post(self, base_widget):
        self.bind(size=self._fit, pos=self._fit, texture=self._fit)
        self.ids.scatter.bind(scale=self._on_scale)

    def _fit(self, *args) -> None:
        tex = self.texture
        if tex is None or not self.width or not self.height:
            self.page_size = [0, 0]
        else:
            ratio = tex.width / tex.height
            h = self.height
            w = h * ratio
            if w > self.width:
                w, h = self.width, self.width / ratio
            self.page_size = [w, h]
        if not self.zoomed:
            self.reset_zoom()

    def reset_zoom(self) -> None:
        scatter = self.ids.scatter
        scatter.transform = Matrix()
        scatter.size = self.page_size
        scatter.pos = (self.center_x - self.page_size[0] / 2, self.center_y - self.page_size[1] / 2)
        self.zoomed = False

    def zoom_at(self, x: float, y: float) -> None:
        """Double tap: zoom in around the finger, or back to the whole page."""
        scatter = self.ids.scatter
        if self.zoomed:
            self.reset_zoom()
            return
        scatter.apply_transform(Matrix().scale(ZOOM_STEP, ZOOM_STEP, ZOOM_STEP), anchor=scatter.to_local(x, y))

    def _on_scale(self, scatter, scale) -> None:
        zoomed = scale > 1.05
        if zoomed != self.zoomed:
            self.zoomed = zoomed
            if not zoomed:
                self.reset_zoom()
            self.dispatch("on_zoom", zoomed)

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return False
        if touch.is_double_tap:
            self.zoom_at(*touch.pos)
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
