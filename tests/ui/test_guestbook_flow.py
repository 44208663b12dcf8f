"""The guestbook a first-time visitor finishes quickly (issue 14.2), on the real window under Xvfb: short
steps that fit above the keyboard, the keyboard only while a text field has focus, errors that go as soon
as their field is right, and every tap counted from the ticket to the locker question."""
from __future__ import annotations

import datetime as dt

from kiosk.core import guestbook as gb
from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT, TESTED_SIZES, form_factor
from kiosk.core.models import Visit
from ui.kiosk_ui import KioskUITest

MAX_ACTIONS = 60        # issue 14.2: from the ticket to the locker question


class GuestbookFlowTest(KioskUITest):
    actions = 0

    def tap(self, widget, frames: int = 2) -> None:
        self.actions += 1           # each tap and each key press (type_on_keyboard taps every key)
        super().tap(widget, frames)

    def at_guestbook(self):
        app, _ticket = self.at_consent_with_a_ticket()
        self.tap(self.screen("consent").ids.accept)
        assert app.manager.current == "guestbook"
        return app, self.screen("guestbook")

    def close_keyboard(self, form) -> None:
        """"Berikutnya" to the step's last field, then "Selesai"."""
        for _ in range(3):
            if not form.keyboard_up:
                return
            self.tap(self.key(form, "done"))
        assert not form.keyboard_up

    def key(self, form, action: str):
        return next(k for k in form.ids.keyboard.walk(restrict=True) if getattr(k, "action", "") == action)

    def earlier_visitors(self, app, institution: str, n: int = 2) -> None:
        """Visitors of earlier days who came from ``institution`` (what makes it a suggestion)."""
        for i in range(n):
            entry = gb.validate({
                "full_name": f"Tamu {chr(65 + i)}", "email": f"tamu{i}@ui.ac.id", "phone": f"08123456780{i}",
                "gender": "l", "age_group": "20_29", "education": "s1", "occupation": "pelajar",
                "institution_name": institution, "institution_type": "universitas", "purpose": "skripsi",
                "purpose_detail": ""}, app.settings, dt.date(2026, 11, 24))
            gb.complete(entry, db=app.runtime.db, clock=self.clock, kiosk="k", language="id",
                        consent_at=self.clock.now(), consent_version="2026-1")

    def test_a_first_time_visitor_reaches_the_locker_question_in_at_most_60_actions(self):
        app = self.start("welcome")
        self.earlier_visitors(app, "Universitas Indonesia")
        app.go("service")
        service = self.screen("service")
        self.wait_for(lambda: any(t.code == "A" for t in service.tiles()))
        self.actions = 0
        # the ticket
        self.tap(next(t for t in service.tiles() if t.code == "A"))
        self.wait_for(lambda: app.manager.current == "ticket" and self.screen("ticket").state == "printed")
        self.tap(self.screen("ticket").ids.next)
        assert app.manager.current == "consent"
        self.tap(self.screen("consent").ids.accept)
        form = self.screen("guestbook")
        ids = form.ids
        assert app.manager.current == "guestbook" and form.step == 1
        # step 1: the name typed in small letters comes out capitalised; the e-mail is one tap
        self.tap(ids.full_name)
        self.type_on_keyboard(ids.keyboard, "siti nurhaliza")
        assert ids.full_name.text == "Siti Nurhaliza"
        self.tap(self.key(form, "done"))                        # "Berikutnya"
        assert ids.email.focus and ids.keyboard.layout == "email"
        self.tap(self.find_text("siti.nurhaliza@gmail.com", ids.email_hints))
        assert ids.email.text == "siti.nurhaliza@gmail.com" and ids.phone.focus
        self.type_on_keyboard(ids.keyboard, "081234567890")
        self.tap(self.key(form, "done"))                        # "Berikutnya": on to step 2
        # step 2: the institution earlier visitors gave, then two chips
        assert form.step == 2 and ids.institution_name.focus
        self.type_on_keyboard(ids.keyboard, "univ")
        self.wait_for(lambda: ids.institution_hints.choices, what="the institution suggestion")
        self.advance_frames(2)
        self.tap(self.find_text("Universitas Indonesia", ids.institution_hints))
        assert ids.institution_name.text == "Universitas Indonesia" and not form.keyboard_up
        self.tap(self.find_text("Perguruan tinggi", ids.institution_type))
        self.tap(self.find_text("Pelajar/Mahasiswa", ids.occupation))
        self.tap(ids.submit)
        # step 3: one choice per group
        assert form.step == 3
        for pills, label in ((ids.gender, "Perempuan"), (ids.age_group, "20–29 tahun"), (ids.education, "D4/S1"),
                             (ids.purpose, "Penelitian")):
            self.tap(self.find_text(label, pills))
        self.tap(ids.submit)
        self.wait_for(lambda: app.manager.current == "locker", what="the locker question")
        assert self.screen("locker").ids.steps.current == "ask"
        print(f"\nactions from the ticket to the locker question: {self.actions}")
        assert self.actions <= MAX_ACTIONS, self.actions
        visitor = Visit.get_by_id(app.session.visit_id).visitor
        assert (visitor.full_name, visitor.email, visitor.phone, visitor.institution_name) == (
            "Siti Nurhaliza", "siti.nurhaliza@gmail.com", "+6281234567890", "Universitas Indonesia")

    def test_the_keyboard_shows_only_while_a_text_field_has_focus(self):
        app, form = self.at_guestbook()
        ids = form.ids
        kb = ids.keyboard
        assert not form.keyboard_up and kb.height == 0             # nothing focused yet
        self.tap(ids.full_name)
        assert form.keyboard_up and kb.height == kb.natural_height > 0
        ids.full_name.text, ids.email.text, ids.phone.text = "Siti", "siti@bps.go.id", "081234567890"
        self.tap(ids.submit)
        assert form.step == 2 and ids.institution_name.focus and kb.height > 0
        chips = ids.work_choices
        assert chips.height == 0 and chips.disabled               # under the keyboard's room: folded away
        self.tap(self.key(form, "done"))                          # "Berikutnya"
        assert ids.purpose_detail.focus and chips.height == 0
        self.tap(self.key(form, "done"))                          # "Selesai"
        assert not form.keyboard_up and kb.height == 0 and chips.height > 0
        self.tap(self.find_text("Perguruan tinggi", ids.institution_type))
        assert not form.keyboard_up and kb.height == 0            # choosing chips keeps it down
        self.tap(ids.institution_name)
        assert form.keyboard_up and kb.height > 0
        self.type_on_keyboard(kb, "bps")
        self.close_keyboard(form)
        self.tap(self.find_text("Pelajar/Mahasiswa", ids.occupation))
        self.tap(ids.submit)
        assert form.step == 3 and not form.keyboard_up and kb.height == 0
        self.tap(self.find_text("Perempuan", ids.gender))
        assert kb.height == 0
        self.tap(ids.back)
        assert form.step == 2 and not form.keyboard_up            # institution already typed: no keyboard
        self.tap(ids.purpose_detail)
        assert form.keyboard_up and kb.height > 0 and ids.work_choices.height == 0

    def test_an_error_goes_as_soon_as_its_field_is_right(self):
        app, form = self.at_guestbook()
        ids = form.ids
        self.tap(ids.full_name)
        self.type_on_keyboard(ids.keyboard, "siti")
        self.tap(ids.email)
        self.type_on_keyboard(ids.keyboard, "siti@bps")
        self.tap(ids.submit)
        assert form.step == 1
        assert ids.email_field.error == "E-mail tidak valid" and ids.phone_field.error
        assert ids.full_name_field.error == ""
        self.tap(ids.email)
        self.type_on_keyboard(ids.keyboard, ".")
        assert ids.email_field.error == "E-mail tidak valid"       # still wrong: still said
        self.type_on_keyboard(ids.keyboard, "g")
        assert ids.email_field.error == "E-mail tidak valid"
        self.type_on_keyboard(ids.keyboard, "o")
        assert ids.email_field.error == "" and ids.email.error == ""    # right: gone at once
        assert ids.phone_field.error                               # the other one stays until it is right
        self.tap(ids.phone)
        self.type_on_keyboard(ids.keyboard, "081234567890")
        assert ids.phone_field.error == "" and form.message == ""
        self.tap(ids.submit)
        self.tap(self.key(form, "done"))
        self.tap(ids.submit)
        assert form.step == 2 and ids.institution_type_field.error and ids.occupation_field.error
        self.tap(self.find_text("Swasta", ids.institution_type))
        assert ids.institution_type_field.error == "" and ids.occupation_field.error
        # age is asked once: as a group, and its message says so
        self.tap(self.find_text("Pegawai swasta", ids.occupation))
        self.tap(ids.submit)
        self.tap(ids.submit)
        assert form.step == 3 and ids.age_group_field.error == "Silakan pilih kelompok umur Anda"
        assert "birth_year" not in ids

    def test_no_step_needs_scrolling(self):
        """At 1920×1080 every focused field and the primary button sit inside the window above the keyboard,
        and with the keyboard down every chip of the step is between the title and the buttons."""
        self.check_no_scrolling(large_text=False)

    def test_no_step_needs_scrolling_in_portrait(self):
        """On a 1080×1920 stand the fields go full width one above the other, the keyboard spans the width
        below them, and "Kembali"/"Lanjut" sit just above it: all on screen at once (issue 14.5)."""
        self.check_no_scrolling(large_text=False, layout=PORTRAIT)

    def test_no_step_needs_scrolling_on_a_1366x768_panel(self):
        """960 dp of height: with the keys up the step title moves between the buttons, so the fields keep
        their room above the keyboard and nothing overlaps (the title used to lie over the labels)."""
        self.check_no_scrolling(large_text=False, layout=COMPACT)

    def test_no_step_needs_scrolling_with_larger_text(self):
        try:
            self.check_no_scrolling(large_text=True)
        finally:
            from kiosk.ui import accessibility
            accessibility.set_large_text(self.app, False)

    def test_no_step_needs_scrolling_with_larger_text_on_a_1366x768_panel(self):
        """The tightest case: "Aa" on 960 dp of height, every message showing (step 3's chips wrapped higher
        than the step under a title row of its own)."""
        try:
            self.check_no_scrolling(large_text=True, layout=COMPACT)
        finally:
            from kiosk.ui import accessibility
            accessibility.set_large_text(self.app, False)

    def check_no_scrolling(self, large_text: bool, layout: str = LANDSCAPE):
        from kiosk.ui import accessibility
        from kiosk.ui.widgets.common import Pill

        app, form = self.at_guestbook()
        if layout != LANDSCAPE:
            width, height = TESTED_SIZES[layout]
            self.Window.size = form_factor(width, height).dp_size(width, height)     # the tests run 1 px a dp
            self.advance_frames(3)
        assert app.layout == layout
        if large_text:
            accessibility.set_large_text(app, True)
            self.advance_frames(2)
            form = self.screen("guestbook")
        ids = form.ids
        kb = ids.keyboard
        width, height = self.Window.size

        def window_box(w):
            x, y = w.to_window(w.x, w.y)
            return y, y + w.height

        def inside_window(w, what):
            x, y = w.to_window(w.x, w.y)
            assert 0 <= x and x + w.width <= width + 1 and 0 <= y and y + w.height <= height + 1, \
                f"{what} is (partly) outside the window: {(x, y, w.width, w.height)} in {(width, height)}"

        def inside_above_keyboard(w, what):
            bottom, top = window_box(w)
            kb_top = window_box(kb)[1] if form.keyboard_up else 0
            holder_top = window_box(ids.step_holder)[1]
            assert bottom >= kb_top, f"{what} is under the keyboard ({bottom} < {kb_top})"
            assert top <= min(height, holder_top + 1), f"{what} is above the step ({top} > {holder_top})"

        def check_text_fields(step_fields):
            for name in step_fields:
                self.tap(ids[name])
                assert form.keyboard_up and ids[name].focus, name
                self.advance_frames(2)
                inside_above_keyboard(ids[name], name)
                inside_above_keyboard(ids[f"{name}_field"], f"{name}'s label and message")
                inside_above_keyboard(ids.submit, f"'Lanjut' while typing into {name}")
                inside_above_keyboard(ids.back, f"'Kembali' while typing into {name}")
                for widget, what in ((kb, "the keyboard"), (ids.submit, "'Lanjut'"), (ids[f"{name}_field"], name)):
                    inside_window(widget, f"{what} while typing into {name}")

        def check_chips():
            self.close_keyboard(form)
            bar_top = max(window_box(ids.submit)[1], window_box(ids.back)[1])
            holder_top = window_box(ids.step_holder)[1]
            for pill in [w for w in ids.step_holder.walk(restrict=True) if isinstance(w, Pill)]:
                bottom, top = window_box(pill)
                assert bottom >= bar_top and top <= holder_top + 1, f"chip {pill.text!r} is cut off"
                inside_window(pill, f"chip {pill.text!r}")

        # step 1, with every message and the e-mail suggestion showing: the tallest it gets
        self.tap(ids.full_name)
        self.type_on_keyboard(ids.keyboard, "siti nurhaliza")
        self.tap(ids.submit)
        self.tap(ids.email)
        self.type_on_keyboard(ids.keyboard, "s")
        assert ids.email_hints.choices and ids.email_field.error and ids.phone_field.error
        check_text_fields(("full_name", "email", "phone"))
        inside_above_keyboard(self.find_text("siti.nurhaliza@gmail.com", ids.email_hints), "the e-mail suggestion")
        ids.email.text, ids.phone.text = "siti@bps.go.id", "081234567890"
        self.tap(ids.submit)
        for lang in ("id", "en"):                   # English labels are longer and wrap differently
            app.set_language(lang)
            ids.institution_type.value = ids.occupation.value = ""
            self.advance_frames(2)
            assert form.step == 2
            check_text_fields(("institution_name", "purpose_detail"))
            self.tap(ids.submit)                    # the chips are not chosen: every message shows
            check_chips()
            self.tap(ids.submit)
            assert form.step == 2
            ids.institution_type.value, ids.occupation.value = "swasta", "swasta"
            self.tap(ids.submit)
            assert form.step == 3
            self.tap(ids.submit)
            check_chips()
            self.tap(ids.back)

    def test_larger_text_keeps_the_step_and_every_answer(self):
        """"Aa" makes every screen anew; the guestbook comes back on the same step with what was typed and
        chosen on every step (steps not on screen included)."""
        app, form = self.at_guestbook()
        ids = form.ids
        ids.full_name.text, ids.email.text, ids.phone.text = "Siti Nurhaliza", "siti@bps.go.id", "081234567890"
        self.tap(ids.submit)
        self.close_keyboard(form)
        self.tap(self.find_text("Swasta", ids.institution_type))
        self.tap(ids.institution_name)
        self.type_on_keyboard(ids.keyboard, "bps")
        assert form.step == 2
        try:
            self.tap(app.root.ids.header.ids.large_text)
            again = self.screen("guestbook")
            assert again is not form and app.large_text
            assert again.step == 2 and self.find_text("Bps", again)
            assert (again.ids.full_name.text, again.ids.email.text, again.ids.phone.text, again.ids.institution_name.text,
                    again.ids.institution_type.value) == ("Siti Nurhaliza", "siti@bps.go.id", "081234567890", "Bps",
                                                          "swasta")
        finally:
            self.tap(app.root.ids.header.ids.large_text)
        assert not app.large_text and self.screen("guestbook").step == 2
