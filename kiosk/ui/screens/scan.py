"""Scan from a book (issue 17): which publication → the pages (Pindai, preview, retake, delete, reorder)
→ name and e-mail → one stamped PDF through the outbox, then the softcopy's done screen.

Every scanner and file operation runs in the worker through ``in_background`` (a scan takes seconds and
a scanner may hang until its timeout): the touchscreen never waits, a second tap is ignored, and the
batch (``kiosk.core.scan.ScanBatch``) is only ever touched by one job at a time. A scanner fault shows
its message and keeps the pages; leaving (back to the start, the idle reset) deletes the pages' images.
"""
from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.core import scan, search, softcopy
from kiosk.core.errors import ValidationError
from kiosk.core.statuses import RequestStatus
from kiosk.core.text_fit import fit_lines
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)

SEARCH_DELAY_S = 0.15
STEPS = ("source", "pages", "send")


class ScanSourceRow(ButtonBehavior, BoxLayout):
    """One catalogue publication the pages may come from; the whole row is the button."""
    pub_id = NumericProperty(0)
    title = StringProperty("")
    year = StringProperty("")
    chosen = BooleanProperty(False)

    def fitted(self, title: str, width: float, font_size: float, font_name: str, bold: bool) -> str:
        """The title in two lines at most, ending with "…" when longer: two long titles that begin alike stay
        apart (Kivy's ``shorten`` cuts one line only, ``max_lines`` without a sign)."""
        if width < 2:
            return title
        font = CoreLabel(font_size=font_size, font_name=font_name, bold=bold)
        return fit_lines(title, 2, width - 2, lambda text: font.get_extents(text)[0])


class ScanPageCard(BoxLayout):
    """A scanned page: its preview and what may be done with it."""
    number = NumericProperty(0)
    thumbnail = StringProperty("")
    first = BooleanProperty(False)
    last = BooleanProperty(False)


class ScanScreen(KioskScreen):
    screen_name = "scan"
    step = StringProperty("source")
    publication_id = NumericProperty(0)       # 0: a title typed ("lainnya")
    source_title = StringProperty("")
    results = ListProperty([])                # [(id, title, year)]
    pages = ListProperty([])                  # thumbnail paths, in order
    limit = NumericProperty(20)
    agreed = BooleanProperty(False)
    scanning = BooleanProperty(False)
    name_error = StringProperty("")
    email_error = StringProperty("")
    terms_error = StringProperty("")
    screenshot_states = ("pages", "send")
    shape = StringProperty("")                # kv: app.layout (a kv binding: the app keeps no hold on us)
    pad = NumericProperty(0)                  # kv: the side margin of this shape

    def on_kv_post(self, base_widget):
        self.batch: scan.ScanBatch | None = None
        self._serial = 0
        self._search_trigger = Clock.create_trigger(lambda dt: self.search_now(), SEARCH_DELAY_S)
        self.ids.search.bind(text=lambda *a: self._search_trigger())
        self.on_shape()

    def on_shape(self, *args) -> None:
        """Three pieces change place with the screen's shape. Compact: "use the title I typed" goes above the
        keyboard (the form column beside the 1,040 dp keyboard is too narrow for the sentence). Portrait
        stacks each step: "Back to the start" goes below the keyboard (bottom left, where every step's Back
        is), and Scan with its page count below the pages (a filled button stays out of the top third, in
        reach from a wheelchair, next to the next step)."""
        if "leave" not in self.ids:           # kv sets ``shape`` before the rule's children exist
            return
        ids, portrait = self.ids, self.shape == "portrait"
        if portrait:
            self._move(ids.use_title, ids.source_form, index=0)
            self._move(ids.leave, ids.source_keys, index=0)
            self._move(ids.scan_block, ids.pages_main, index=0)
        else:
            self._move(ids.leave, ids.source_form, index=0)
            if self.shape == "compact":
                self._move(ids.use_title, ids.source_keys, index=1)       # just above the keyboard
            else:
                self._move(ids.use_title, ids.source_form, index=1)       # below the list, above Back
            self._move(ids.scan_block, ids.pages_side, index=1)           # above the spacer

    @staticmethod
    def _move(widget, parent, index: int) -> None:
        """Into ``parent`` at Kivy's ``index``, which counts from the end (0: the last child)."""
        if widget.parent is parent:
            return
        if widget.parent is not None:
            widget.parent.remove_widget(widget)
        parent.add_widget(widget, index=index)

    def on_pre_enter(self, *args):
        self.limit = self.app.settings.scanner.max_pages
        session = self.app.session
        if not self.ids.name.text:
            self.ids.name.text = session.visitor_name
        if not self.ids.email.text:
            self.ids.email.text = session.visitor_email
        if not self.results:
            self.search_now()

    # --- step 1: the publication ---

    def search_now(self) -> None:
        self._serial += 1
        serial, text, db = self._serial, self.ids.search.text, self.app.runtime.db

        def found(rows) -> None:
            if serial == self._serial:
                self.results = rows

        self.look_up(lambda: [(p.id, p.title, str(p.year or "")) for p in search.search(db, text, limit=6)],
                     found, "searching the catalogue for a scan")

    def on_results(self, *args) -> None:
        box = self.ids.results
        box.clear_widgets()
        for pub_id, title, year in self.results:
            row = ScanSourceRow(pub_id=pub_id, title=title, year=year, chosen=pub_id == self.publication_id)
            row.bind(on_release=lambda _w, p=pub_id, t=title: self.choose(p, t))
            box.add_widget(row)

    def choose(self, pub_id: int, title: str) -> None:
        self.publication_id, self.source_title, self.message = pub_id, title, ""
        self.on_results()
        self.go_step("pages")

    def choose_typed_title(self) -> None:
        title = " ".join(self.ids.search.text.split())
        if not title:
            self.message = scan.NO_TITLE
            return
        self.publication_id, self.source_title, self.message = 0, title[:scan.TITLE_MAX], ""
        self.go_step("pages")

    def go_step(self, step: str) -> None:
        if step in STEPS and not self.busy:
            self.step = step
            if step != "send":
                self.message = ""

    # --- step 2: the pages ---

    def _batch_job(self, work):
        """``work(batch)`` in the worker; the batch is made at the first scan."""
        settings, scanner = self.app.settings, self.app.runtime.scanner

        def job():
            if self.batch is None:
                self.batch = scan.ScanBatch.new(settings)
            result = work(self.batch, scanner)
            return [str(p) for p in self.batch.thumbnails()], result
        return job

    def _pages_done(self, answer) -> None:
        self.scanning = False
        self.pages, _result = answer
        self.message = ""

    def _pages_failed(self, exc: BaseException) -> None:
        self.scanning = False
        if self.batch is not None:      # what the batch holds now: a failed scan changed nothing
            self.pages = [str(p) for p in self.batch.thumbnails()]
        self.show_failure(exc)

    def _run(self, work, scanning: bool = False) -> None:
        if self.in_background(self._batch_job(work), self._pages_done, self._pages_failed):
            self.scanning = scanning
            self.message = ""

    def scan_page(self) -> None:
        if len(self.pages) >= self.limit:
            self.message = scan.COPYRIGHT
            return
        self._run(lambda batch, scanner: batch.add(scanner), scanning=True)

    def retake(self, index: int) -> None:
        self._run(lambda batch, scanner: batch.retake(index, scanner), scanning=True)

    def delete(self, index: int) -> None:
        self._run(lambda batch, scanner: batch.delete(index))

    def move(self, index: int, to: int) -> None:
        self._run(lambda batch, scanner: batch.move(index, to))

    def on_pages(self, *args) -> None:
        grid = self.ids.page_grid
        grid.clear_widgets()
        for i, thumb in enumerate(self.pages):
            card = ScanPageCard(number=i + 1, thumbnail=thumb, first=i == 0, last=i == len(self.pages) - 1)
            card.ids.earlier.bind(on_release=lambda _w, i=i: self.move(i, i - 1))
            card.ids.later.bind(on_release=lambda _w, i=i: self.move(i, i + 1))
            card.ids.retake.bind(on_release=lambda _w, i=i: self.retake(i))
            card.ids.delete.bind(on_release=lambda _w, i=i: self.delete(i))
            grid.add_widget(card)

    # --- step 3: name, e-mail, send ---

    def toggle_terms(self) -> None:
        self.agreed = not self.agreed
        if self.agreed:
            self.terms_error = ""

    def submit(self) -> None:
        if self.busy:
            return
        app = self.app
        self.name_error = self.email_error = self.terms_error = self.message = ""
        settings, clock, runtime, session = app.settings, app.runtime.clock, app.runtime, app.session
        batch = self.batch
        name, email = self.ids.name.text, self.ids.email.text
        pub_id = self.publication_id or None
        title, agreed, language, visit_id = self.source_title, self.agreed, app.lang, session.visit_id
        if batch is None or not self.pages:
            self.message = scan.NO_PAGES
            return

        def job():
            outcome = scan.send(settings, clock, batch, name=name, email=email, title=title, publication_id=pub_id,
                                terms_accepted=agreed, language=language, visit_id=visit_id)
            status = outcome.status
            if settings.mail.enabled and status == RequestStatus.QUEUED:
                status = softcopy.deliver_now(settings, clock, runtime.mailer, outcome)
            return outcome, status

        self.in_background(job, self._sent, self._send_failed)

    def _sent(self, result) -> None:
        outcome, status = result
        app = self.app
        if status == RequestStatus.QUEUED and not app.settings.mail.enabled:
            status = "later"
        app.session.scratch["softcopy"] = {"number": outcome.number, "status": str(status),
                                           "email": outcome.masked_email, "request_id": outcome.request_id}
        self.batch = None                 # sent: its images are gone already
        self._reset()
        app.go("softcopy_done")
        if app.mail_sender is not None and status == RequestStatus.QUEUED:
            app.mail_sender.wake()

    def _send_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            e = exc.errors
            self.name_error, self.email_error = e.get("name", ""), e.get("email", "")
            self.terms_error = e.get("terms", "")
            self.message = e.get("title", "") or e.get("pages", "")
            return
        self.show_failure(exc)            # a limit, stamping failed (pages kept), storage: its own sentence

    # --- leaving ---

    def back(self) -> None:
        if self.step == "send":
            self.go_step("pages")
        elif self.step == "pages":
            self.go_step("source")
        else:
            self.app.go("welcome")

    def _reset(self) -> None:
        self.step = "source"
        self.publication_id, self.source_title = 0, ""
        self.pages = []
        self.agreed = self.scanning = False
        self.name_error = self.email_error = self.terms_error = self.message = ""

    def clear(self) -> None:
        """The visitor is gone: their page images are deleted (in the worker: file I/O)."""
        super().clear()
        batch, self.batch = self.batch, None
        if batch is not None:
            self.app.worker.submit(batch.discard, lambda _r: None,
                                   lambda exc: log.error("scan: deleting a batch failed", exc_info=exc))
        self._reset()
        self.busy = False

    def on_leave(self, *args):
        if self.manager is not None and self.manager.current != "softcopy_done":
            self.clear()

    def on_manager(self, _screen, manager) -> None:
        """Let go while still holding pages: "Aa" made the screen again (kiosk.ui.accessibility), or the visit
        ended with larger text on (the reset makes the screens again before clearing them). Which one is
        known once the manager has settled, on the next frame."""
        if manager is None and self.batch is not None:
            Clock.schedule_once(lambda _dt: self._hand_over())

    def _hand_over(self) -> None:
        """The screen made in our place takes the visitor's step and pages; with none (the visit is over),
        the page images are deleted like on any leaving."""
        batch, self.batch = self.batch, None
        if batch is None:
            return
        manager = self.app.manager
        successor = manager.current_screen if manager is not None else None
        if isinstance(successor, ScanScreen) and successor is not self and successor.batch is None:
            successor.take_over(batch, self.step, self.publication_id, self.source_title, self.agreed)
        else:
            self.app.worker.submit(batch.discard, lambda _r: None,
                                   lambda exc: log.error("scan: deleting a batch failed", exc_info=exc))

    def take_over(self, batch: scan.ScanBatch, step: str, publication_id: int, title: str, agreed: bool) -> None:
        self.batch = batch
        self.publication_id, self.source_title, self.agreed = publication_id, title, agreed
        self.pages = [str(p) for p in batch.thumbnails()]
        self.step = step

    # --- kiosk screenshot ---

    def screenshot_setup(self, state: str = "") -> None:
        self.on_pre_enter()
        self.app.session.visitor_name, self.app.session.visitor_email = "Siti Rahmawati", "siti.rahmawati@gmail.com"
        if state in ("pages", "send"):
            self.batch = sample_batch(self.app.settings)
            self.pages = [str(p) for p in self.batch.thumbnails()]
            self.publication_id, self.source_title = 0, "Statistik Daerah Kota Contoh 1998"
            self.step = state
            self.ids.name.text, self.ids.email.text = "Siti Rahmawati", "siti.rahmawati@gmail.com"
            self.agreed = state == "send"
        else:
            self.ids.search.text = "statistik"


def sample_batch(settings) -> scan.ScanBatch:
    """Three made-up printed pages (a heading, lines of text, a table), for screenshots only."""
    from PIL import Image, ImageDraw

    batch = scan.ScanBatch.new(settings)
    raw_dir = batch.folder / "raw"
    raw_dir.mkdir(exist_ok=True)
    for n in range(3):
        im = Image.new("L", (1240, 1754), 246)
        draw = ImageDraw.Draw(im)
        draw.rectangle((120, 140, 1120, 200), fill=60)
        for row in range(26):
            y = 280 + row * 52
            width = 1000 if (row + n) % 7 else 620
            draw.rectangle((120, y, 120 + width, y + 18), fill=150)
            if n == 1 and 8 <= row <= 16:
                for col in range(5):
                    draw.rectangle((120 + col * 200, y - 14, 122 + col * 200, y + 32), fill=90)
        raw = raw_dir / f"sample-{n}.png"
        im.save(raw, dpi=(150, 150))
        batch.pages.append(scan.make_page(raw, batch.folder, 150))
    return batch
