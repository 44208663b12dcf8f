""""Aa" (larger text, × 1.3) on the first screens at the sizes where it was tight (issue 14.12 with 14.5):
nothing outside the window, spilling out of its box or lying over other text — the rules of
tests/ui/screen_rules.py, measured with the larger text on."""
from __future__ import annotations

from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT, TESTED_SIZES, form_factor
from ui.kiosk_ui import KioskUITest

#: (layout, screen, screenshot state): each of these broke under "Aa"
CASES = (
    (LANDSCAPE, "guestbook", "returning"),     # "Tidak, terima kasih" ran out of its button
    (COMPACT, "guestbook", "returning"),
    (PORTRAIT, "consent", "declined"),         # "Continue without the guestbook" ran into "I agree"
    (COMPACT, "service", ""),                  # a two-line name stood up over the instructions
)


class LargerTextTest(KioskUITest):

    def problems(self, layout: str, name: str, state: str) -> list[str]:
        from kiosk.ui import accessibility
        from ui.screen_rules import button_problems, layout_problems, target_problems

        width, height = TESTED_SIZES[layout]
        size = tuple(round(v) for v in form_factor(width, height).dp_size(width, height))
        app = self.start(size=size)
        found = []
        try:
            for lang in ("id", "en"):
                accessibility.set_large_text(app, True)      # again: the end of a visit puts it back
                app.go(name)
                app.set_language(lang)
                app.manager.get_screen(name).screenshot_setup(state)
                self.advance_frames(4)
                found += [f"{layout} {name}:{state} [{lang}]: {p}" for p in
                          target_problems(app.root, size) + layout_problems(app.root, size)
                          + button_problems(app.root, size)]
                app.finish_visit()
                assert not app.large_text
        finally:
            accessibility.set_large_text(app, False)
        return found

    def test_guestbook_returning_offer_landscape(self):
        assert not self.problems(*CASES[0])

    def test_guestbook_returning_offer_compact(self):
        assert not self.problems(*CASES[1])

    def test_consent_declined_portrait(self):
        assert not self.problems(*CASES[2])

    def test_service_compact(self):
        assert not self.problems(*CASES[3])
