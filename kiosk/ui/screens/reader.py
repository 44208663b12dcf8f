"""The on-screen reader: one page at a time, turned by swipe or by the big arrows.

Pages are rendered by ``kiosk.core.pdfrender`` in the worker (PDFium takes a few ms per page, a
touchscreen must not stutter) and the pages either side of the current one are rendered ahead,
so "next" usually only swaps a texture that is already on the GPU. Only the current page and its
neighbours are kept (a page is ~3.3 MB of texture, in process memory under software GL);
everything is dropped when the visitor leaves or the idle reset clears the screen.
"""
from __future__ import annotations

import logging
from collections import OrderedDict

from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.core import catalog, samples
from kiosk.core.pdfrender import Document, PdfOpenError, RenderedPage
from kiosk.ui.bootstrap import release_free_memory
from kiosk.ui.i18n import _
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.publication import request_softcopy, softcopy_refusal
from kiosk.ui.widgets.reader import texture_from  # (importing it registers PageView for the kv)

log = logging.getLogger(__name__)

CACHE_PAGES = 3            # textures kept: current, next, previous (the farthest from the current go first)
MIN_RENDER_PX, MAX_RENDER_PX = 800, 2000
MAX_ZOOM_RENDER_PX = 3600  # a zoomed page is drawn again this sharp at most (~27 MB of RGB for A4, one page only)


class ReaderScreen(KioskScreen):
    screen_name = "reader"
    publication = ObjectProperty(None, allownone=True)
    title = StringProperty("")
    page_index = NumericProperty(0)       # 0-based
    page_count = NumericProperty(0)
    state = StringProperty("")            # "" | "opening" | "ready" | "broken"
    page_error = BooleanProperty(False)   # this page could not be drawn (the others may)
    refusal = StringProperty("")
    jump_open = BooleanProperty(False)
    jump_error = StringProperty("")
    portrait = BooleanProperty(False)     # app.portrait, through the kv rule: where the page controls stand

    def on_kv_post(self, base_widget):
        self._doc: Document | None = None
        self._generation = 0
        self._textures: OrderedDict[int, object] = OrderedDict()
        self._pending: set[int] = set()
        self._aspect = 2 ** .5             # height / width of the last page drawn (A4 until one is)
        self.ids.jump_field.bind(on_text_validate=lambda *a: self.jump())
        self.arrange()

    def on_portrait(self, *args) -> None:
        if "hint" in self.ids:             # not while the kv rule is still being applied
            self.arrange()

    def arrange(self) -> None:
        """The page controls beside the page in landscape (previous on the left; next and + / − / fit on the
        right; the hint in the bottom bar beside the softcopy button) or, in portrait, where the page takes the
        whole width, in one row under it within reach: ← − fit + → and the softcopy button, the hint above."""
        ids = self.ids
        for widget in (ids.previous, ids.zoom_out, ids.zoom_fit, ids.zoom_in, ids.next, ids.hint):
            if widget.parent is not None:
                widget.parent.remove_widget(widget)
        bar = ids.bottom_bar
        if self.portrait:
            ids.hint_row.add_widget(ids.hint)
            for widget in (ids.next, ids.zoom_in, ids.zoom_fit, ids.zoom_out, ids.previous):
                bar.add_widget(widget, index=len(bar.children))    # each before the last: right to left
        else:
            ids.left_column.add_widget(ids.previous)
            ids.next_slot.add_widget(ids.next)
            for widget in (ids.zoom_in, ids.zoom_out, ids.zoom_fit):
                ids.zoom_slot.add_widget(widget)
            bar.add_widget(ids.hint, index=len(bar.children))

    # --- opening and closing ---

    def open(self, pub, page: int = 0) -> None:
        """Start showing ``pub`` at ``page`` (0-based); the file is opened in the worker."""
        generation = self._start(pub)
        path = pub.file_path
        self.app.worker.submit(lambda: Document(path), lambda doc: self._opened(generation, doc, page),
                               lambda exc: self._open_failed(generation, exc))

    def _start(self, pub) -> int:
        self.close_document()
        self.publication = pub
        self.title = pub.title
        self.refusal = softcopy_refusal(pub)
        self.page_index, self.page_count = 0, pub.page_count or 0
        self.state, self.page_error = "opening", False
        return self._generation

    def _opened(self, generation: int, doc: Document, page: int = 0) -> None:
        if generation != self._generation:
            # the visitor left (or opened another publication) meanwhile; PDFium may be busy: close it there
            self.app.worker.submit(doc.close, lambda result: None, lambda exc: None)
            return
        self._doc = doc
        self.page_count = doc.page_count
        self.state = "ready"
        self.page_index = -1
        self.show_page(min(max(page, 0), doc.page_count - 1))

    def _open_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        if isinstance(exc, PdfOpenError):
            log.warning("reader: cannot open %s: %s", self.publication and self.publication.file_path, exc.reason)
        else:
            log.error("reader: opening a publication failed", exc_info=exc)
        self.state = "broken"

    def close_document(self) -> None:
        """Drop the document and every texture; renders still under way are ignored when they land."""
        self._generation += 1
        doc, self._doc = self._doc, None
        if doc is not None:
            # PDFium may be busy with a prefetch: close in the worker rather than wait on its lock here
            self.app.worker.submit(doc.close, lambda result: None, lambda exc: None)
        had_pages = bool(self._textures) or self.ids.page_view.texture is not None
        self._textures.clear()
        self._pending.clear()
        self.ids.page_view.texture = None
        self.state, self.page_error, self.jump_open, self.jump_error = "", False, False, ""
        if had_pages:
            release_free_memory()     # the pages' memory back to the system, not kept for the next reader

    # --- pages ---

    def render_height(self) -> int:
        """As high as the page is shown at the default fit, the view's width (its shape known from the last
        page drawn, A4 until then), and at least the window's height."""
        view = self.ids.page_view
        # before the first layout (kiosk screenshot) the view is Kivy's default 100×100: judge by the window
        width = view.width if view.width > 100 else Window.width * (.95 if self.portrait else .8)
        want = max(Window.height, width * self._aspect)
        return int(min(max(want, MIN_RENDER_PX), MAX_RENDER_PX))

    def show_page(self, index: int) -> None:
        if self._doc is None or not 0 <= index < self.page_count:
            return
        changed = index != self.page_index
        self.page_index = index
        self.page_error = False
        view = self.ids.page_view
        if changed and view.zoomed:
            view.reset_zoom()
        texture = self._textures.get(index)
        if texture is not None:
            self._textures.move_to_end(index)
            view.texture = texture
        else:
            view.texture = None      # never leave the previous page up under the new number
            self._request(index)
        for neighbour in (index + 1, index - 1):
            if 0 <= neighbour < self.page_count and neighbour not in self._textures:
                self._request(neighbour)

    def _request(self, index: int) -> None:
        if index in self._pending or self._doc is None:
            return
        self._pending.add(index)
        doc, generation, height = self._doc, self._generation, self.render_height()
        self.app.worker.submit(lambda: doc.render(index, height),
                               lambda page: self._rendered(generation, page),
                               lambda exc: self._render_failed(generation, index, exc))

    def _rendered(self, generation: int, page: RenderedPage) -> None:
        if generation != self._generation:
            return
        index = page.index
        self._pending.discard(index)
        if page.width:
            self._aspect = page.height / page.width
        self._textures[page.index] = texture_from(page)
        while len(self._textures) > CACHE_PAGES:
            farthest = max(self._textures, key=lambda i: abs(i - self.page_index))
            del self._textures[farthest]
        if index == self.page_index and index in self._textures:
            self.ids.page_view.texture = self._textures[index]

    def _render_failed(self, generation: int, index: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._pending.discard(index)
        log.warning("reader: page %d of %s cannot be drawn: %r", index + 1,
                    self.publication and self.publication.file_path, exc)
        if index == self.page_index:
            self.page_error = True

    def zoom_changed(self, zoomed: bool) -> None:
        """Zoomed in, the page is drawn again at the zoomed size (the cached one would look blurred);
        zoomed out, the cached page is back. The sharp one is never cached: it is big."""
        view = self.ids.page_view
        if self._doc is None:
            return
        index = self.page_index
        if not zoomed:
            cached = self._textures.get(index)
            if cached is not None:
                view.texture = cached
            return
        doc, generation = self._doc, self._generation
        shown = view.page_size[1] * view.ids.scatter.scale        # the page's height on screen now
        height = int(min(max(shown, self.render_height()), MAX_ZOOM_RENDER_PX))
        self.app.worker.submit(lambda: doc.render(index, height),
                               lambda page: self._sharpened(generation, page),
                               lambda exc: log.warning("reader: zoomed page %d not drawn: %r", index + 1, exc))

    def _sharpened(self, generation: int, page: RenderedPage) -> None:
        view = self.ids.page_view
        if generation == self._generation and page.index == self.page_index and view.zoomed:
            view.texture = texture_from(page)

    def turn(self, direction: str) -> None:
        self.show_page(self.page_index + (1 if direction == "next" else -1))

    # --- jump to a page ---

    def open_jump(self) -> None:
        if self.state != "ready":
            return
        field = self.ids.jump_field
        field.text, self.jump_error = "", ""
        self.jump_open = True
        field.focus = True

    def close_jump(self) -> None:
        self.jump_open = False
        self.ids.jump_field.focus = False

    def jump(self) -> None:
        text = self.ids.jump_field.text.strip()
        if not text.isdigit() or not 1 <= int(text) <= self.page_count:
            self.jump_error = _("Choose a page from 1 to {count}.").format(count=self.page_count)
            self.ids.jump_field.text = ""
            return
        self.close_jump()
        self.show_page(int(text) - 1)

    # --- leaving ---

    def back(self) -> None:
        self.app.go("publication")

    def request(self) -> None:
        if self.publication is not None and not self.refusal:
            request_softcopy(self.app, self.publication)

    def on_leave(self, *args):
        self.close_document()     # a 300-page publication should not sit in memory behind other screens

    def clear(self) -> None:
        super().clear()
        self.close_document()
        self.publication, self.title, self.refusal = None, "", ""
        self.page_index = self.page_count = 0

    def on_language(self, lang: str) -> None:
        if self.publication is not None:
            self.refusal = softcopy_refusal(self.publication)

    def indicator_text(self, lang: str, index: int, count: int) -> str:
        return _("Page {page} / {count}").format(page=index + 1, count=count) if count else ""

    # jump: the go-to-page dialog; read_only: no softcopy, the note where its button stands
    screenshot_states = ("jump", "read_only")

    def screenshot_setup(self, state: str = "") -> None:
        pub = samples.publication_to_read()
        if state == "read_only":
            pub = next((p for p in map(catalog.get, samples.softcopy_choice()) if p.read_only), None)
        pubs = [pub] if pub is not None else []
        if pubs:
            # opened and drawn here and now (the capture comes soon), past the cover: a page of tables
            generation = self._start(pubs[0])
            try:
                doc = Document(pubs[0].file_path)
            except PdfOpenError as exc:
                self._open_failed(generation, exc)
                return
            self._textures[2] = texture_from(doc.render(2, self.render_height()))
            self._opened(generation, doc, page=2)
            if state == "jump":
                self.open_jump()
