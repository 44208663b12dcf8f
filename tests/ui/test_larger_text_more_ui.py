""""Aa" (larger text, × 1.3) on the service choice, the scan, the softcopy receipt and the locker at the three
screen sizes (issue 14.12 with 14.5): every state of each, in both languages, meets the rules of
tests/ui/screen_rules.py — nothing outside the window, spilling out of its box or lying over other text."""
from __future__ import annotations

from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT, TESTED_SIZES, form_factor
from ui.kiosk_ui import KioskUITest


class LargerTextMoreTest(KioskUITest):

    def problems(self, layout: str, name: str) -> list[str]:
        from kiosk.ui import accessibility
        from ui.screen_rules import button_problems, layout_problems, target_problems

        width, height = TESTED_SIZES[layout]
        size = tuple(round(v) for v in form_factor(width, height).dp_size(width, height))
        app = self.start(size=size)
        found = []
        try:
            for lang in ("id", "en"):
                app.go(name)
                app.set_language(lang)
                accessibility.set_large_text(app, True)      # again: the end of a visit puts it back
                screen = app.manager.get_screen(name)         # "Aa" made the screen again
                for state in ("",) + tuple(screen.screenshot_states):
                    screen.screenshot_setup(state)
                    self.advance_frames(4)
                    found += [f"{layout} {name}:{state} [{lang}]: {p}" for p in
                              target_problems(app.root, size) + layout_problems(app.root, size)
                              + button_problems(app.root, size)]
                app.finish_visit()
        finally:
            accessibility.set_large_text(app, False)
        return found

    # a two-line service name (52 sp) ran out of the bottom of its tile
    def test_service_landscape(self):
        assert not self.problems(LANDSCAPE, "service")

    def test_service_compact(self):
        assert not self.problems(COMPACT, "service")

    def test_scan_landscape(self):
        assert not self.problems(LANDSCAPE, "scan")

    def test_scan_compact(self):
        assert not self.problems(COMPACT, "scan")

    def test_scan_portrait(self):
        assert not self.problems(PORTRAIT, "scan")

    def test_softcopy_done_landscape(self):
        assert not self.problems(LANDSCAPE, "softcopy_done")

    def test_softcopy_done_compact(self):
        assert not self.problems(COMPACT, "softcopy_done")

    def test_softcopy_done_portrait(self):
        assert not self.problems(PORTRAIT, "softcopy_done")

    def test_locker_compact(self):
        assert not self.problems(COMPACT, "locker")

    def full_size_words(self, layout: str, name: str, state: str, button_id: str) -> None:
        """The button's words at their own (larger) size on one line: not shrunk to fit, in both languages."""
        from kiosk.ui import accessibility

        width, height = TESTED_SIZES[layout]
        app = self.start(size=tuple(round(v) for v in form_factor(width, height).dp_size(width, height)))
        try:
            for lang in ("id", "en"):
                app.go(name)
                app.set_language(lang)
                accessibility.set_large_text(app, True)
                screen = app.manager.get_screen(name)
                screen.screenshot_setup(state)
                self.advance_frames(4)
                button = screen.ids[button_id]
                assert (button.words_font_size, button.words_width) == (button.font_size, 0), lang
                app.finish_visit()
        finally:
            accessibility.set_large_text(app, False)

    def test_locker_card_next_step_keeps_its_full_size_on_a_compact_panel(self):
        # beside Back in the 668 dp column "Ambil loker" shrank to two lines, smaller than "Kembali" next to it
        self.full_size_words(COMPACT, "locker", "card", "get_locker")

    def test_scan_use_the_typed_title_keeps_its_full_size_in_landscape(self):
        # in the 42 % column "Tidak ada di katalog: pakai judul yang saya ketik" shrank to fit: above the keys
        self.full_size_words(LANDSCAPE, "scan", "", "use_title")
