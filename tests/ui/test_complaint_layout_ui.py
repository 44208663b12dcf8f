"""The complaint screen at the three screen shapes (issue 14.5) with its one next step, green and bottom right
(issue 14.12): the keyboard shows while a text field has focus and the step fits the window with it up — beside
the contact column on a landscape screen, below the whole form in portrait, where it takes the place of the
channels card — and "Selesai" after the reference sits bottom right. With "Aa" (larger text, x1.3, issue 14.12)
the same holds, and the rules of tests/ui/screen_rules.py too."""
from __future__ import annotations

from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT, TESTED_SIZES, form_factor
from kiosk.core.models import Complaint
from ui.kiosk_ui import KioskUITest

KEYBOARD_WIDTH = 1040       # 11 keys of 80 dp and their gaps


def dp_size(layout: str) -> tuple[int, int]:
    width, height = TESTED_SIZES[layout]
    w, h = form_factor(width, height).dp_size(width, height)
    return round(w), round(h)


class ComplaintLayoutTest(KioskUITest):

    def open(self, layout: str, large_text: bool = False):
        from kiosk.ui import accessibility

        self.size = dp_size(layout)
        app = self.start(size=self.size)
        assert app.layout == layout
        app.go("complaint")
        if large_text:
            accessibility.set_large_text(app, True)      # makes the screen again: look it up after
        self.advance_frames(3)
        return app, self.screen("complaint")

    def tearDown(self, fake=False):
        from kiosk.ui import accessibility

        app = getattr(self, "app", None)
        if app is not None and app.large_text and not fake:
            accessibility.set_large_text(app, False)     # the font scale is the process's, not the app's
        super().tearDown(fake)

    def rule_problems(self) -> list[str]:
        from ui.screen_rules import screen_problems

        root = self.app.root
        return screen_problems(root, self.size)

    def rect(self, widget):
        x1, y1 = widget.to_window(widget.x, widget.y)
        x2, y2 = widget.to_window(widget.right, widget.top)
        return x1, y1, x2, y2

    def inside_window(self, widget) -> bool:
        x1, y1, x2, y2 = self.rect(widget)
        header = self.app.root.ids.header
        return x1 >= 0 and y1 >= 0 and x2 <= self.size[0] and y2 <= header.to_window(header.x, header.y)[1] + 1

    def assert_bottom_right(self, button) -> None:
        x1, y1, x2, y2 = self.rect(button)
        assert (x1 + x2) / 2 > self.size[0] / 2, "the next step is on the left half"
        assert (y1 + y2) / 2 < self.size[1] / 3, "the next step is not in the lower third"

    def type_a_complaint(self, app, screen) -> None:
        """What a visitor does: a category, the text, "Berikutnya", an address, "Selesai", then send."""
        keyboard = screen.ids.keyboard
        assert not screen.keyboard_up and keyboard.height == 0      # no field touched yet: no keyboard
        self.tap(self.find_text("Fasilitas", screen))
        self.tap(screen.ids.text)
        assert screen.keyboard_up and keyboard.height > 0 and keyboard.layout == "text"
        # the whole step fits with the keyboard up: every field and the send button, nothing scrolled
        for widget in (screen.ids.category, screen.ids.text, screen.ids.contact, screen.ids.send, keyboard):
            assert self.inside_window(widget), f"{widget!r} is not wholly in the window with the keyboard up"
        assert keyboard.width >= KEYBOARD_WIDTH
        self.assert_bottom_right(screen.ids.send)
        self.type_on_keyboard(keyboard, "AC mati total")
        self.tap(next(k for k in keyboard.walk(restrict=True) if getattr(k, "action", "") == "done"))
        assert screen.ids.contact.focus and keyboard.layout == "email"             # "Berikutnya"
        self.type_on_keyboard(keyboard, "b@x.com")
        self.tap(next(k for k in keyboard.walk(restrict=True) if getattr(k, "action", "") == "done"))
        assert not screen.keyboard_up and keyboard.height == 0 and not screen.ids.contact.focus   # "Selesai"
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.step == "done"
        c = Complaint.get()
        assert (c.category, c.text, c.contact) == ("facility", "AC mati total", "b@x.com")

    def test_portrait_puts_the_keyboard_below_the_form_across_the_width(self):
        app, screen = self.open(PORTRAIT)
        card = screen.ids.channels_card
        assert card.opacity == 1 and card.height > 0 and self.inside_window(card)
        self.tap(screen.ids.text)
        keyboard = screen.ids.keyboard
        # below the send button, the whole width of the window
        assert keyboard.top <= screen.ids.send.y and keyboard.width >= KEYBOARD_WIDTH
        assert card.height == 0 and card.opacity == 0          # its place goes to the keyboard while typing
        self.tap(self.find_text("Petugas", screen))            # the pills stay in reach above the keyboard
        assert screen.ids.category.value == "staff"
        screen.close_keyboard()
        self.advance_frames(2)
        self.type_a_complaint(app, screen)

    def test_compact_keeps_the_keyboard_beside_the_contact_column(self):
        app, screen = self.open(COMPACT)
        self.tap(screen.ids.text)
        keyboard, contact = screen.ids.keyboard, screen.ids.contact
        assert keyboard.right <= contact.x and keyboard.width >= KEYBOARD_WIDTH
        screen.close_keyboard()
        self.advance_frames(2)
        self.type_a_complaint(app, screen)

    def test_landscape(self):
        app, screen = self.open(LANDSCAPE)
        self.type_a_complaint(app, screen)

    def test_a_missing_text_brings_the_keyboard_to_it(self):
        app, screen = self.open(PORTRAIT)
        self.tap(self.find_text("Petugas", screen))
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.ids.text_field.error.startswith("Mohon jelaskan masalahnya")
        assert screen.ids.text.focus and screen.keyboard_up
        for widget in (screen.ids.text, screen.ids.send, screen.ids.keyboard):
            assert self.inside_window(widget)

    def done_at(self, layout: str) -> None:
        app, screen = self.open(layout)
        self.tap(self.find_text("Petugas", screen))
        screen.ids.text.text = "Petugas kurang ramah"
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.step == "done" and screen.ids.reference.text == "ADU-20261124-0001"
        self.advance_frames(2)
        self.assert_bottom_right(screen.ids.finish)
        assert self.inside_window(screen.ids.reference)
        self.tap(screen.ids.finish)
        assert app.manager.current == "welcome"

    def test_done_is_bottom_right_in_landscape(self):
        self.done_at(LANDSCAPE)

    def test_done_is_bottom_right_in_portrait(self):
        self.done_at(PORTRAIT)

    def test_done_is_bottom_right_on_a_1366x768_panel(self):
        self.done_at(COMPACT)

    def larger_text_at(self, layout: str) -> None:
        """"Aa" on a landscape screen: while typing, the five categories stay on one row above a writing box
        with room for two lines (the pills wrapped and left it 29 dp, 10 dp on 1366x768); with the keyboard down
        the contact field stays under the header (it ran up under the ID/EN buttons) and the channels scroll in
        their card; a whole complaint goes through and its reference shows on one line."""
        app, screen = self.open(layout, large_text=True)
        self.tap(screen.ids.text, frames=4)      # the column widens for the keys: the pills settle over frames
        assert screen.keyboard_up
        rows = {round(pill.y) for pill in screen.ids.category.children}
        assert len(rows) == 1, "the categories wrap onto a second row while typing"
        box = screen.ids.text
        assert box.height >= 2 * box.line_height, f"the writing box is {box.height:.0f} dp tall"
        assert not self.rule_problems()
        screen.close_keyboard()
        self.advance_frames(3)
        for widget in (screen.ids.contact, screen.ids.channels_card, screen.ids.send):
            assert self.inside_window(widget), f"{widget!r} is not wholly in the window with the keyboard down"
        assert screen.ids.channels_card.height > 0 and not self.rule_problems()
        self.type_a_complaint(app, screen)
        self.advance_frames(3)
        reference = screen.ids.reference
        assert reference.texture_size[1] < 1.6 * reference.font_size, "the reference breaks onto two lines"
        self.assert_bottom_right(screen.ids.finish)
        assert not self.rule_problems()

    def test_larger_text_in_landscape(self):
        self.larger_text_at(LANDSCAPE)

    def test_larger_text_on_a_1366x768_panel(self):
        self.larger_text_at(COMPACT)

    def test_larger_text_in_portrait_keeps_the_reference_on_one_line(self):
        app, screen = self.open(PORTRAIT, large_text=True)
        self.tap(self.find_text("Petugas", screen))
        screen.ids.text.text = "Petugas kurang ramah"
        self.tap_and_wait(screen.ids.send, screen)
        self.advance_frames(3)
        reference = screen.ids.reference
        assert reference.text == "ADU-20261124-0001"
        assert reference.texture_size[1] < 1.6 * reference.font_size, "the reference breaks onto two lines"
        assert self.inside_window(reference) and not self.rule_problems()

    def test_larger_text_on_a_1366x768_panel_with_both_errors_keeps_room_to_write(self):
        """Sent with no category and no text: both errors show and the keyboard comes up for the text; the fields
        in error give their labels' lines to the writing box (it was 40 dp tall)."""
        app, screen = self.open(COMPACT, large_text=True)
        self.tap_and_wait(screen.ids.send, screen)
        self.advance_frames(4)
        assert screen.keyboard_up and screen.ids.text.focus
        assert screen.ids.category_field.error and screen.ids.text_field.error
        box = screen.ids.text
        assert box.height >= 80, f"the writing box is {box.height:.0f} dp tall"
        assert not self.rule_problems()
