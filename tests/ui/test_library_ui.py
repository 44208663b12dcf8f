"""The digital library in a real window: search on the on-screen keyboard, open a publication,
read and turn pages, jump, go back; refusals and a broken file. PDFs are made here with reportlab."""
from __future__ import annotations

from pathlib import Path

from kivy.tests.common import UnitTestTouch

from kiosk.core import catalog_import
from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT
from kiosk.ui.widgets.keyboard import Key
from pdf_helpers import make_titled_pdf
from ui.kiosk_ui import KioskUITest, dp_size
from ui.screen_rules import screen_problems


def window_rect(widget) -> tuple[float, float, float, float]:
    return (*widget.to_window(widget.x, widget.y), *widget.to_window(widget.right, widget.top))



class LibraryUITest(KioskUITest):
    wait_s = 5.0        # searches and pages arrive from the worker in well under a second

    def start_with_catalogue(self, screen: str = "welcome", size=None, more: int = 0):
        """Three publications (two subjects); ``more``: that many again, each of its own subject."""
        app = self.start(screen, **({"size": size} if size else {}))
        src = self.tmp_path / "incoming"
        src.mkdir()
        settings, clock = self.runtime.settings, self.runtime.clock
        def add(name: str, title: str, pages: int, **meta):
            return catalog_import.import_file(settings, clock, make_titled_pdf(src / name, title, pages), meta)[0]

        self.kesra = add("kesra.pdf", "Statistik Kesejahteraan Rakyat 2024", 5, subject="Sosial", year=2024,
                         hardcopy_location="Rak B-3", catalogue_number="4101002.1674")
        self.inflasi = add("inflasi.pdf", "Indikator Inflasi Kota 2024", 3, subject="Harga", year=2024,
                           read_only="ya")
        self.ipm = add("ipm.pdf", "Indeks Pembangunan Manusia 2023", 4, subject="Sosial", year=2023)
        for n in range(more):
            add(f"more{n}.pdf", f"Statistik Kecamatan Nomor {n + 1} Dalam Angka 2022", 1,
                subject=f"Subjek Nomor {n + 1}", year=2022, hardcopy_location=f"Rak D-{n + 1}")
        return app

    def swipe(self, widget, dx: float) -> None:
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        for step in range(1, 6):
            touch.touch_move(x + dx * step / 5, y)
            self.advance_frames(1)
        touch.touch_up()
        self.advance_frames(2)

    def press_key(self, keyboard, label: str) -> None:
        self.tap(next(k for k in keyboard.walk(restrict=True) if isinstance(k, Key) and k.key == label), frames=1)

    def press_action_key(self, keyboard) -> None:
        self.tap(next(k for k in keyboard.walk(restrict=True) if isinstance(k, Key) and k.action == "done"))

    # --- the visit ---

    def test_search_open_read_turn_jump_back_and_request(self):
        app = self.start_with_catalogue()
        self.tap(next(t for t in self.screen("welcome").walk(restrict=True)
                      if getattr(t, "journey", None) == "library"))
        assert app.manager.current == "library"
        lib = self.screen("library")
        self.wait_for(lambda: len(lib.cards()) == 3, what="newest first")
        assert [c.title for c in lib.cards()][-1] == "Indeks Pembangunan Manusia 2023"   # 2023 after 2024
        assert lib.ids.next_step.opacity == 0         # no lobby visit: no "next step" button

        self.tap(lib.ids.search)
        assert lib.keyboard_open
        self.type_on_keyboard(lib.ids.keyboard, "kesej")
        self.wait_for(lambda: lib.searched_text == "kesej", what="the answer to the whole word")
        assert [r.title for r in lib.rows()] == ["Statistik Kesejahteraan Rakyat 2024"]   # a list while typing
        assert lib.ids.status_line.text == "1 publikasi ditemukan untuk “kesej”"
        self.press_action_key(lib.ids.keyboard)      # "Cari": the keyboard goes, the cards come back
        assert not lib.keyboard_open and lib.ids.keyboard.height == 0
        assert [c.title for c in lib.cards()] == ["Statistik Kesejahteraan Rakyat 2024"]
        # one result keeps the width of one of six columns (it was stretched to ~1,700 px), its shelf ≥ 24 px
        self.advance_frames(2)
        card = lib.cards()[0]
        assert card.width < lib.ids.grid.width / 5
        shelf = next(w for w in card.walk(restrict=True) if "Rak B-3" in getattr(w, "text", ""))
        assert shelf.font_size >= 24
        self.tap(lib.cards()[0], frames=0)
        # opened at the tap's release (no frame drawn since), although the grid is a ScrollView
        assert app.manager.current == "publication"
        self.advance_frames(2)
        page = self.screen("publication")
        assert page.ids.status_text.text == "Versi cetak tersedia di Rak B-3"
        assert "4101002.1674" in self.all_texts() and "Sosial" in self.all_texts()
        assert not page.ids.request.disabled and page.ids.refusal.text == ""
        self.tap(page.ids.back)                       # back: the grid as the visitor left it
        assert app.manager.current == "library" and lib.ids.search.text == "kesej"
        assert [c.title for c in lib.cards()] == ["Statistik Kesejahteraan Rakyat 2024"]
        self.tap(lib.cards()[0])
        self.wait_for(lambda: app.manager.current == "publication", what="the publication page again")
        self.tap(page.ids.read)

        assert app.manager.current == "reader"
        reader = self.screen("reader")
        view = reader.ids.page_view
        self.wait_for(lambda: view.texture is not None, what="first page")
        assert reader.ids.page_button.text == "Halaman 1 / 5"
        assert view.mark == "Dibaca di kios PST — BPS Kota Contoh"
        assert reader.ids.previous.disabled
        self.wait_for(lambda: 1 in reader._textures, what="page 2 prefetched")
        first = view.texture

        self.tap(reader.ids.next)
        assert reader.ids.page_button.text == "Halaman 2 / 5"
        assert view.texture is not None and view.texture is not first    # prefetched: on screen at once

        self.swipe(view, -400)       # finger to the left: the next page
        assert reader.ids.page_button.text == "Halaman 3 / 5"
        self.swipe(view, 400)
        assert reader.ids.page_button.text == "Halaman 2 / 5"

        self.tap(reader.ids.page_button)      # jump: the number pad
        assert reader.jump_open
        self.press_key(reader.ids.jump_keyboard, "9")
        self.tap(reader.ids.jump_go)
        assert reader.jump_open and reader.jump_error == "Pilih halaman 1 sampai 5."
        self.press_key(reader.ids.jump_keyboard, "5")
        self.tap(reader.ids.jump_go)
        assert not reader.jump_open and reader.ids.page_button.text == "Halaman 5 / 5"
        self.wait_for(lambda: view.texture is not None, what="page 5")
        assert reader.ids.next.disabled
        self.wait_for(lambda: 3 in reader._textures, what="page 4 prefetched")
        # memory: the page and its neighbours only, the pages read before the jump are dropped
        assert {3, 4} <= set(reader._textures) and len(reader._textures) <= 3

        self.tap(reader.ids.back)
        assert app.manager.current == "publication"
        assert reader._textures == {} and view.texture is None    # nothing kept behind other screens

        self.tap(page.ids.request)
        assert app.session.chosen_publications == [self.kesra.id]
        # the softcopy step (issue 6) takes over; a build without it goes back to welcome
        assert app.manager.current == ("softcopy" if "softcopy" in app.available_screens else "welcome")

    def test_read_only_publication_refuses_a_softcopy_and_says_why(self):
        app = self.start_with_catalogue("library")
        app.manager.get_screen("publication").show(self.inflasi)
        app.go("publication")
        self.advance_frames(2)
        page = self.screen("publication")
        assert page.ids.status_text.text == "Hanya versi digital"
        assert page.ids.request.disabled
        # the words of core's rule (softcopy.refusal_reason), the same the softcopy form and the CLI use
        assert page.ids.refusal.text == "Publikasi ini hanya dapat dibaca di kios ini."
        x, y = page.ids.request.to_window(*page.ids.request.center)   # a visitor taps it anyway
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.advance_frames(2)
        page.request()                                                # and no code path slips through
        assert app.manager.current == "publication" and app.session.chosen_publications == []
        self.tap(page.ids.read)
        reader = self.screen("reader")
        view = reader.ids.page_view
        self.wait_for(lambda: view.texture is not None, what="first page")
        assert reader.ids.request.disabled and reader.ids.request.opacity == 0
        assert reader.ids.refusal_note.opacity == 1 and reader.ids.refusal_text.text == "Hanya dibaca di sini"
        cached = view.texture
        view.zoom_at(*view.to_window(*view.center))         # what a double tap does
        assert view.zoomed
        self.wait_for(lambda: view.texture.height > cached.height * 1.5, what="the page drawn sharp for the zoom")
        view.reset_zoom()
        assert not view.zoomed and view.texture is cached

    def test_subjects_read_in_english_but_filter_on_the_catalogue_text(self):
        app = self.start_with_catalogue()
        self.tap(next(t for t in self.screen("welcome").walk(restrict=True)
                      if getattr(t, "journey", None) == "library"))
        lib = self.screen("library")
        self.wait_for(lambda: len(lib.cards()) == 3, what="newest first")
        pills = lambda: {p.text: p for p in lib.ids.subjects.children}     # noqa: E731
        # the chips come by their own look-up, maybe after the cards
        self.wait_for(lambda: {"Semua subjek", "Sosial", "Harga"} <= set(pills()), what="the subject chips")
        self.tap(app.root.ids.header.ids.lang_toggle.ids.lang_en)
        assert {"All subjects", "Social", "Prices"} <= set(pills()) and "Harga" not in pills()
        self.tap(pills()["Prices"], frames=0)
        assert pills()["Prices"].selected          # chosen at the tap's release, inside the chips' ScrollView
        self.wait_for(lambda: [c.title for c in lib.cards()] == ["Indikator Inflasi Kota 2024"],
                      what="the Harga publications only")
        assert lib.subject == "Harga" and lib.ids.status_line.text == "Newest publications: Prices"
        self.tap(lib.cards()[0])
        self.wait_for(lambda: app.manager.current == "publication", what="the publication page")
        assert "Prices" in self.all_texts() and "Harga" not in self.all_texts()
        app.go("library")
        self.tap(pills()["All subjects"], frames=0)
        self.wait_for(lambda: len(lib.cards()) == 3, what="all again")
        kesra = next(c for c in lib.cards() if c.title.startswith("Statistik Kesejahteraan"))
        assert any("Shelf B-3" in t for t in self.all_texts(kesra))
        self.tap(kesra)
        self.wait_for(lambda: app.manager.current == "publication", what="the publication page")
        texts = self.all_texts()
        assert "Printed copy available at Shelf B-3" in texts and not any("Rak B-3" in t for t in texts)

    def test_a_broken_file_shows_a_message_in_the_visitors_language(self):
        app = self.start_with_catalogue("library")
        Path(self.ipm.file_path).write_bytes(b"%PDF-1.4\n% truncated by a bad copy\n")
        app.set_language("en")
        app.manager.get_screen("reader").open(self.ipm)
        app.go("reader")
        reader = self.screen("reader")
        self.wait_for(lambda: reader.state == "broken", what="the open to fail")
        assert reader.ids.broken_card.opacity == 1
        assert reader.ids.broken_message.text == ("Sorry, this publication cannot be opened right now. "
                                                  "Please ask the staff at the PST desk.")
        assert reader.ids.next.disabled and reader.ids.page_button.disabled
        Path(self.kesra.file_path).unlink()          # gone from the disk altogether
        reader.open(self.kesra)
        self.wait_for(lambda: reader.state == "broken", what="a missing file to fail")
        assert app.manager.current == "reader"

    def test_no_results_hint_next_step_in_a_visit_and_idle_reset(self):
        app = self.start_with_catalogue()
        app.session.visit_id = 1                     # a lobby visit: the library is one of its steps
        app.go("library")
        lib = self.screen("library")
        self.wait_for(lambda: len(lib.cards()) == 3, what="newest first")
        assert lib.ids.next_step.opacity == 1 and lib.ids.next_step.text == "Lanjut: nilai layanan kami"

        # the chips come by their own look-up, maybe after the cards (CI met it)
        self.wait_for(lambda: any(p.code == "Harga" for p in lib.ids.subjects.children), what="the subject chips")
        harga = next(p for p in lib.ids.subjects.children if p.code == "Harga")
        self.tap(harga)
        self.wait_for(lambda: [c.title for c in lib.cards()] == ["Indikator Inflasi Kota 2024"], what="subject")
        self.tap(lib.ids.search)
        self.type_on_keyboard(lib.ids.keyboard, "zzq")
        self.wait_for(lambda: lib.status == "empty" and lib.searched_text == "zzq", what="no results")
        # while typing the status line says it (the card with its hint did not fit above the keyboard) …
        assert lib.ids.status_line.text == "Publikasi tidak ditemukan" and lib.ids.empty_card.opacity == 0
        self.press_action_key(lib.ids.keyboard)
        # … and the keyboard closed, the card with the hint and a way back to everything
        assert lib.ids.empty_card.opacity == 1 and lib.ids.empty_title.text == "Publikasi tidak ditemukan"
        assert lib.ids.status_line.text == ""
        self.tap(lib.ids.empty_clear)
        self.wait_for(lambda: len(lib.cards()) == 3, what="all again")
        assert lib.subject == "" and lib.ids.search.text == ""

        reader = self.screen("reader")
        reader.open(self.kesra)
        app.go("reader")
        self.wait_for(lambda: reader.ids.page_view.texture is not None, what="first page")
        app.finish_visit()                           # what the idle timeout does
        assert app.manager.current == "welcome"
        assert reader._doc is None and reader.ids.page_view.texture is None and reader.publication is None
        assert lib.cards() == [] and self.screen("publication").publication is None
        assert lib not in app.manager.screens and reader not in app.manager.screens

        app.session.visit_id = 1
        app.go("library")
        lib = self.screen("library")        # the next visitor's: built again
        self.wait_for(lambda: len(lib.cards()) == 3, what="library again")
        self.tap(lib.ids.next_step)
        assert app.manager.current == "survey"

    def test_a_typo_finds_the_publication_and_the_chip_spells_it(self):
        """Issue 14.8: a mistyped word finds what it means with "Maksud Anda: …"; tapping the chip puts the
        catalogue's spelling in the field; a correct word shows no chip."""
        app = self.start_with_catalogue()
        app.go("library")
        lib = self.screen("library")
        self.wait_for(lambda: len(lib.cards()) == 3, what="newest first")
        assert lib.ids.suggestion.opacity == 0 and lib.ids.suggestion.disabled
        self.tap(lib.ids.search)
        self.type_on_keyboard(lib.ids.keyboard, "kesejahtran")           # two letters left out
        self.wait_for(lambda: lib.searched_text == "kesejahtran" and lib.status == "results", what="typo results")
        assert [r.title for r in lib.rows()] == ["Statistik Kesejahteraan Rakyat 2024"]     # keyboard up: rows
        assert lib.suggestion == "kesejahteraan"
        assert lib.ids.suggestion.text == "Maksud Anda: kesejahteraan" and lib.ids.suggestion.opacity == 1
        app.set_language("en")
        self.advance_frames(2)
        assert lib.ids.suggestion.text == "Did you mean: kesejahteraan"
        self.tap(lib.ids.suggestion)
        assert lib.ids.search.text == "kesejahteraan"
        self.wait_for(lambda: lib.searched_text == "kesejahteraan", what="the spelled search")
        assert [r.title for r in lib.rows()] == ["Statistik Kesejahteraan Rakyat 2024"]
        assert lib.suggestion == "" and lib.ids.suggestion.opacity == 0
        app.finish_visit()
        assert lib.suggestion == ""

    def test_a_title_longer_than_three_lines_ends_with_an_ellipsis(self):
        """Issue 14.8: a title cut at three lines says so with "…" (it was cut without a sign)."""
        app = self.start_with_catalogue()
        long_title = ("Produk Domestik Regional Bruto Kota Lubuklinggau Menurut Lapangan Usaha "
                      "Atas Dasar Harga Berlaku dan Harga Konstan 2020-2024")
        src = self.tmp_path / "incoming"
        catalog_import.import_file(self.runtime.settings, self.runtime.clock,
                                   make_titled_pdf(src / "pdrb.pdf", long_title, 2), {"year": 2025})
        app.go("library")
        lib = self.screen("library")
        self.wait_for(lambda: len(lib.cards()) == 4, what="newest first")
        self.advance_frames(2)
        label = lambda card: card.ids.title_label      # noqa: E731
        pdrb = next(c for c in lib.cards() if c.title == long_title)
        shown = label(pdrb).text
        assert shown.endswith("…") and long_title.startswith(shown[:-1]) and len(shown) < len(long_title)
        # three lines at most, measured on what the label drew
        one_line = label(pdrb).font_size * label(pdrb).line_height * 1.5
        assert label(pdrb).texture_size[1] < 3 * one_line
        kesra = next(c for c in lib.cards() if c.title.startswith("Statistik Kesejahteraan"))
        assert label(kesra).text == "Statistik Kesejahteraan Rakyat 2024"     # a title that fits stays whole

    # --- three screen shapes (issue 14.5) and the rest of 14.8 ---

    def results_in_sight(self, lib) -> list:
        """The results a visitor sees whole: cards or rows inside their scrolling view, above the keyboard."""
        keyboard_top = window_rect(lib.ids.keyboard)[3] if lib.keyboard_open else 0
        seen = []
        for w in lib.walk(restrict=True):
            if type(w).__name__ not in ("CoverCard", "ResultRow") or w.width < 2 or w.height < 2:
                continue
            view = w.parent
            while view is not None and type(view).__name__ != "ScrollView":
                view = view.parent
            if view is None or view.opacity == 0 or view.width < 2:
                continue
            x1, y1, x2, y2 = window_rect(w)
            vx1, vy1, vx2, vy2 = window_rect(view)
            if x1 >= vx1 - 1 and x2 <= vx2 + 1 and y1 >= max(vy1, keyboard_top) - 1 and y2 <= vy2 + 1:
                seen.append(w)
        return seen

    def typing_shows_several_results(self, layout: str, at_least: int) -> None:
        app = self.start_with_catalogue(size=dp_size(layout), more=9)
        assert app.layout == layout
        app.session.visit_id = 1                 # a lobby visit: the next step waits at the bottom right
        app.go("library")
        lib = self.screen("library")
        self.wait_for(lambda: len(lib.cards()) == 12, what="newest first")
        self.advance_frames(2)
        x1, y1, x2, y2 = window_rect(lib.ids.next_step)
        # the next step: bottom right like on every screen, in reach from a wheelchair (it was at the top)
        assert (x1 + x2) / 2 > app.root.width / 2 and (y1 + y2) / 2 < app.root.height / 3
        self.tap(lib.ids.search)
        self.type_on_keyboard(lib.ids.keyboard, "statistik")
        self.wait_for(lambda: lib.searched_text == "statistik", what="the answer")
        self.advance_frames(2)
        assert lib.result_count == 10 and lib.keyboard_open and lib.ids.next_step.disabled
        seen = self.results_in_sight(lib)
        # several results above the keyboard, one line each (less than one row of cards showed)
        assert len(seen) >= at_least, f"{len(seen)} results in sight while typing"
        size = dp_size(layout)      # and the rows meet the rules (the layout walk sees no catalogue)
        assert not screen_problems(app.root, size)
        row = next(r for r in seen if r.location)       # its shelf as large as on the cards
        assert any(w.text == row.location and w.font_size >= 24 for w in row.walk(restrict=True) if hasattr(w, "text"))
        self.tap(row)                            # a row opens its publication, as a card does
        assert app.manager.current == "publication" and not lib.keyboard_open
        self.tap(self.screen("publication").ids.back)
        self.advance_frames(2)
        assert len(self.results_in_sight(lib)) >= 1 and all(type(w).__name__ == "CoverCard"
                                                            for w in self.results_in_sight(lib))
        assert not screen_problems(app.root, size)

    def test_typing_shows_results_as_a_list_above_the_keyboard_in_landscape(self):
        self.typing_shows_several_results(LANDSCAPE, 6)

    def test_typing_shows_results_as_a_list_above_the_keyboard_on_a_1366x768_panel(self):
        self.typing_shows_several_results(COMPACT, 4)

    def test_typing_shows_results_as_a_list_above_the_keyboard_in_portrait(self):
        self.typing_shows_several_results(PORTRAIT, 8)

    def test_subject_chips_cut_off_show_it_and_an_arrow_scrolls_them(self):
        """Issue 14.8: chips cut off at the edge with no sign that they scroll; now a fade where they are cut
        and an arrow that scrolls them on, and at their end back to the first."""
        app = self.start_with_catalogue(size=dp_size(PORTRAIT), more=9)
        app.go("library")
        lib = self.screen("library")
        self.wait_for(lambda: len(lib.ids.subjects.children) == 12, what="the subject chips")
        self.advance_frames(3)
        chips = lambda: [p for p in reversed(lib.ids.subjects.children)]    # noqa: E731
        view = window_rect(lib.ids.chips_scroll)
        inside = lambda p: view[0] - 1 <= window_rect(p)[0] and window_rect(p)[2] <= view[2] + 1   # noqa: E731
        assert not inside(chips()[-1])                                     # the last one is cut off …
        assert lib.ids.fade_right.opacity == 1 and lib.ids.fade_left.opacity == 0      # … and it shows
        arrow = lib.ids.chips_more
        assert arrow.opacity == 1 and not arrow.disabled and arrow.icon == "arrow-right"
        assert arrow.width >= 80 and arrow.height >= 80
        self.tap(arrow)
        self.wait_for(lambda: lib.chips_more_left, what="the chips to scroll on")
        assert lib.ids.fade_left.opacity == 1
        for _ in range(8):
            if arrow.icon == "arrow-left":
                break
            self.tap(arrow)
            self.advance_frames(20)
        self.wait_for(lambda: arrow.icon == "arrow-left" and inside(chips()[-1]), what="the last chip in sight")
        assert lib.ids.fade_right.opacity == 0
        self.tap(chips()[-1], frames=0)
        self.wait_for(lambda: lib.subject == "Subjek Nomor 9", what="the last subject chosen")
        self.tap(arrow)                                        # at the end: back to the first chips
        self.wait_for(lambda: lib.ids.chips_scroll.scroll_x == 0 and arrow.icon == "arrow-right",
                      what="the first chips again")
        assert inside(chips()[0]) and lib.ids.fade_left.opacity == 0
