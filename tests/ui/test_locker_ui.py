"""The locker step (issue 14.10): free lockers known before any typing, and one ID card rule everywhere."""
from __future__ import annotations

from kiosk.core import lockers
from kiosk.core.clock import to_utc_naive
from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT, TESTED_SIZES, form_factor
from kiosk.core.models import Locker, LockerAssignment, Visit, Visitor
from kiosk.i18n import gettext_for
from ui.kiosk_ui import KioskUITest

NIK = "3271014506900001"


def dp_size(layout: str) -> tuple[int, int]:
    width, height = TESTED_SIZES[layout]
    w, h = form_factor(width, height).dp_size(width, height)
    return round(w), round(h)


class LockerUITest(KioskUITest):

    def visit(self) -> int:
        now = to_utc_naive(self.clock.now())
        person = Visitor.create(full_name="Budi", email="b@example.com", created_at=now, last_visit_at=now)
        return Visit.create(visitor=person, kiosk="k", started_at=now).id

    def enter(self, app):
        app.session.visit_id = self.visit()
        app.go("locker")
        locker = self.screen("locker")
        self.wait_for(lambda: getattr(locker, "free", 0) >= 0, what="the free lockers counted")
        self.advance_frames(2)
        return locker

    def test_all_lockers_taken_is_said_before_any_typing(self):
        app = self.start(replace={"count = 20": "count = 2"})
        now = to_utc_naive(self.clock.now())
        for locker in Locker.select():           # both taken by earlier visitors
            LockerAssignment.create(locker=locker, visit=self.visit(), assigned_at=now)
        locker = self.enter(app)
        assert locker.ids.steps.current == "full"
        assert gettext_for("id", lockers.MSG_FULL) in self.all_texts()
        assert locker.ids.id_number.text == ""
        self.tap(locker.ids.full_continue)
        assert app.manager.current != "locker"

    def test_the_free_count_is_shown_on_the_question(self):
        app = self.start(replace={"count = 20": "count = 3"})
        locker = self.enter(app)
        assert locker.ids.steps.current == "ask"
        assert "Loker kosong saat ini: 3" in self.all_texts()

    def test_one_id_card_rule_on_the_screen_the_slip_and_the_thanks(self):
        app = self.start()
        locker = self.enter(app)
        stays, back = (gettext_for("id", m) for m in (lockers.ID_CARD_STAYS, lockers.ID_CARD_BACK))
        assert any(stays in t and back in t for t in self.all_texts())      # said before the visitor decides
        self.tap(locker.ids.want_locker)
        self.tap(locker.ids.id_number)
        self.type_on_keyboard(locker.ids.keyboard, NIK)
        self.tap_and_wait(locker.ids.get_locker, locker)
        assert locker.ids.steps.current == "done"
        custody = locker.ids.custody.text
        assert stays in custody and back in custody
        self.wait_for(lambda: locker.print_note == "Ambil slip loker Anda dari printer.")
        slip = (app.settings.printer.folder / "locker-L01.bin").read_bytes().decode("cp437", "replace")
        flat = " ".join(slip.split())
        assert stays in flat and back in flat          # the slip, wrapped to the paper, says the same
        app.go("thanks")
        self.advance_frames(2)
        thanks = " ".join(self.all_texts())
        # the card is at the front office, never "in the locker"
        assert "ambil tas Anda di loker L01, lalu kartu identitas Anda di front office" in thanks
        assert "kartu identitas Anda di loker" not in thanks

    # --- the ID card step at the three screen shapes (issue 14.5) ---

    def check_card_step_with_the_letter_keys(self, layout: str):
        """"Other" brings up the letter rows (472 dp high); with a mistake shown under the number, the whole
        form — title, type, number, its error, "Get a locker" — still shows, clear of the keys and the header."""
        from ui.screen_rules import button_problems, layout_problems, window_rect

        size = dp_size(layout)
        app = self.start(size=size)
        locker = self.enter(app)
        self.tap(locker.ids.want_locker)
        other = next(p for p in locker.ids.id_type.children if p.code == "lainnya")
        self.tap(other)
        assert locker.ids.keyboard.layout == "text"
        self.tap(locker.ids.get_locker)          # nothing typed: the mistake shows under the field
        self.advance_frames(4)
        assert locker.id_error and locker.ids.steps.current == "card"
        assert layout_problems(app.root, size) == [] and button_problems(app.root, size) == []
        kx1, ky1, kx2, ky2 = window_rect(locker.ids.keyboard)
        title = self.find_text("Kartu identitas untuk loker")
        for widget in (locker.ids.get_locker, locker.ids.id_number, title):
            x1, y1, x2, y2 = window_rect(widget)
            assert x2 <= kx1 or x1 >= kx2 or y1 >= ky2, f"{widget} lies under the keyboard"
            assert y2 <= size[1] - app.root.ids.header.height, f"{widget} lies under the header"

    def test_the_card_step_fits_with_the_letter_keys_in_landscape(self):
        self.check_card_step_with_the_letter_keys(LANDSCAPE)

    def test_the_card_step_fits_with_the_letter_keys_on_a_1366x768_panel(self):
        self.check_card_step_with_the_letter_keys(COMPACT)

    def test_the_card_step_fits_with_the_letter_keys_in_portrait(self):
        self.check_card_step_with_the_letter_keys(PORTRAIT)
