""""Aa" (larger text, × 1.3, issue 14.12 with 14.5): a next step's words keep their full size where the screen has
room for them (KButton shrinks words that do not fit; these must not need to)."""
from __future__ import annotations

from kiosk.core.form_factor import COMPACT, LANDSCAPE
from ui.kiosk_ui import KioskUITest, dp_size


class LargerTextMoreTest(KioskUITest):
    """Every screen with "Aa" at every size meets the layout rules (tests/ui/test_layouts.py); here, that the
    next step keeps its words at their full size where there is room."""

    def full_size_words(self, layout: str, name: str, state: str, button_id: str) -> None:
        """The button's words at their own (larger) size on one line: not shrunk to fit, in both languages."""
        from kiosk.ui import accessibility

        app = self.start(size=dp_size(layout))
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
