"""The survey, complaint and thanks screens in a real window, driven by taps on the real widgets."""
from __future__ import annotations

import time

from kiosk.core import complaints, queue, survey
from kiosk.core.clock import to_utc_naive
from kiosk.core.form_factor import COMPACT, LANDSCAPE
from kiosk.core.models import Complaint, ResponseSource, SurveyResponse, Visit
from ui.kiosk_ui import KioskUITest, dp_size

ANSWER_IDS = {1: "a1", 2: "a2", 3: "a3", 4: "a4"}


class SurveyUITest(KioskUITest):

    def _visit(self) -> Visit:
        return Visit.create(kiosk="kiosk-1", started_at=to_utc_naive(self.clock.now()), gender="p",
                            age_group="20_29", education="s1", occupation="pelajar")

    def choose(self, button) -> None:
        """Tap an answer and wait until the survey moved on (the chosen face shows for a moment first)."""
        screen = self.screen("survey")
        before = (screen.index, screen.step)
        self.tap(button)
        self.wait_for(lambda: (screen.index, screen.step) != before, what="the next question")

    def _answer_all(self, scores):
        screen = self.screen("survey")
        for n, score in enumerate(scores, 1):
            assert screen.step == "questions"
            assert screen.ids.progress.text == f"Pertanyaan {n} dari 9"
            self.choose(screen.ids[ANSWER_IDS[score]])
        assert screen.step == "comment"

    def test_nine_taps_store_one_response_then_thanks_with_the_locker(self):
        app = self.start()
        visit = self._visit()
        app.session.visit_id, app.session.locker_label = visit.id, "L07"
        app.go("survey")
        self.advance_frames(2)
        screen = self.screen("survey")
        assert screen.ids.question.text == ("Bagaimana pendapat Anda tentang kesesuaian persyaratan layanan "
                                            "dengan keperluan Anda?")
        assert "Sangat sesuai" in self.all_texts() and "Tidak sesuai" in self.all_texts()
        # Change one's mind: back to question 2, its earlier answer is still highlighted.
        self.choose(screen.ids.a4)
        self.choose(screen.ids.a2)
        self.tap(screen.ids.previous)
        assert screen.ids.progress.text == "Pertanyaan 2 dari 9" and screen.ids.a2.selected
        self.choose(screen.ids.a3)
        assert screen.ids.progress.text == "Pertanyaan 3 dari 9"
        self._answer_all_from(3, [3, 4, 2, 4, 4, 3, 1])
        self.tap(screen.ids.comment)
        self.type_on_keyboard(screen.ids.keyboard, "Toilet kotor")
        self.tap_and_wait(screen.ids.send, screen)

        rows = list(SurveyResponse.select())
        assert len(rows) == 1
        row = rows[0]
        assert survey.scores_of(row) == (4, 3, 3, 4, 2, 4, 4, 3, 1)
        assert row.visit_id == visit.id and row.comment == "Toilet kotor" and row.language == "id"
        assert (row.gender, row.age_group, row.education, row.occupation) == ("p", "20_29", "s1", "pelajar")

        assert app.manager.current == "thanks"
        texts = self.all_texts()
        assert "Terima kasih atas kunjungan Anda!" in texts
        assert "Sebelum pulang: ambil tas Anda di loker L07, lalu kartu identitas Anda di front office." in texts
        self.tap(self.screen("thanks").ids.finish)
        assert app.manager.current == "welcome" and app.session.visit_id is None

    def _answer_all_from(self, first, scores):
        screen = self.screen("survey")
        for n, score in enumerate(scores, first):
            assert screen.ids.progress.text == f"Pertanyaan {n} dari 9"
            self.choose(screen.ids[ANSWER_IDS[score]])
        assert screen.step == "comment"

    def test_a_second_try_for_the_same_visit_is_refused_politely(self):
        app = self.start()
        visit = self._visit()
        survey.submit_response(self.clock, "kiosk-1", (3,) * 9, visit_id=visit.id)
        app.session.visit_id = visit.id
        app.go("survey")
        screen = self.screen("survey")
        self.wait_for(lambda: screen.step == "already")       # looked up in the worker
        assert screen.ids.already_text.text == "Anda sudah memberi penilaian untuk kunjungan ini. Terima kasih!"
        assert screen.ids.a1.get_root_window() is None        # no question to answer again
        self.tap(screen.ids.continue_button)
        assert app.manager.current == "thanks"
        assert SurveyResponse.select().count() == 1

    def test_a_quick_double_tap_answers_one_question(self):
        """Issue 14.9: two taps in the same frame once answered questions 1 and 2. The chosen face stays
        highlighted, the second tap is ignored, and the survey then moves on to question 2 unanswered."""
        from kivy.tests.common import UnitTestTouch

        app = self.start()
        app.go("survey")
        self.advance_frames(2)
        screen = self.screen("survey")
        for button in (screen.ids.a4, screen.ids.a2):      # both in one clock tick, no frame between them
            x, y = button.to_window(*button.center)
            touch = UnitTestTouch(x, y)
            touch.touch_down()
            touch.touch_up()
        assert screen.answers[0] == 4 and screen.ids.a4.selected and screen.index == 0
        self.wait_for(lambda: screen.index == 1, what="question 2")
        assert list(screen.answers) == [4] + [0] * 8
        assert not any(b.selected for b in (screen.ids.a1, screen.ids.a2, screen.ids.a3, screen.ids.a4))
        assert screen.ids.progress.text == "Pertanyaan 2 dari 9"

    def test_each_element_has_its_own_words_in_both_languages(self):
        """Issue 14.9: PermenPAN-RB 14/2017 words each element's scale ("how fast?" is not answered "good")."""
        app = self.start()
        app.go("survey")
        self.advance_frames(2)
        screen = self.screen("survey")
        words = lambda: [screen.ids[f"a{n}"].children[1].text for n in (1, 2, 3, 4)]  # noqa: E731
        assert words() == ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]
        screen.index = 2
        self.advance_frames(2)
        assert words() == ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"]
        screen.index = 3
        self.advance_frames(2)
        assert words() == ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]
        self.tap(app.root.ids.header.ids.lang_toggle.ids.lang_en)
        assert words() == ["Very expensive", "Rather expensive", "Cheap", "Free of charge"]
        screen.index = 8
        self.advance_frames(2)
        assert words() == ["Bad", "Adequate", "Good", "Very good"]
        screen.index = 6
        self.advance_frames(2)
        assert words()[1] == "Not quite polite and friendly"

    def test_a_ticket_without_a_guestbook_rates_once(self):
        app = self.start()
        ticket = queue.issue_ticket(app.settings, self.clock, "A").ticket
        app.session.ticket_id = ticket.id
        app.go("survey")
        self.advance_frames(2)
        screen = self.screen("survey")
        screen.answers, screen.index = [4] * 8 + [0], 8    # the taps themselves are tested above
        self.choose(screen.ids.a4)
        self.tap_and_wait(screen.ids.send, screen)
        row = SurveyResponse.get()
        assert (row.ticket_id, row.visit_id, row.source) == (ticket.id, None, ResponseSource.TICKET)
        app.finish_visit()
        app.session.ticket_id = ticket.id                  # the same ticket comes back
        app.go("survey")
        screen = self.screen("survey")
        self.wait_for(lambda: screen.step == "already")
        assert SurveyResponse.select().count() == 1

    def test_another_kiosk_answering_first_is_caught_on_send(self):
        app = self.start()
        visit = self._visit()
        app.session.visit_id = visit.id
        app.go("survey")
        self.advance_frames(2)
        screen = self.screen("survey")
        screen.answers, screen.index = [4] * 8 + [0], 8    # the taps themselves are tested above
        self.choose(screen.ids.a4)
        assert screen.step == "comment"
        survey.submit_response(self.clock, "kiosk-2", (2,) * 9, visit_id=visit.id)   # the other kiosk
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.step == "already" and app.manager.current == "survey"
        assert [survey.scores_of(r) for r in SurveyResponse.select()] == [(2,) * 9]

    def test_from_the_welcome_tile_in_english_without_a_visit(self):
        app = self.start()
        self.tap(app.root.ids.header.ids.lang_toggle.ids.lang_en)
        self.tap(self.find_text("Rate our service").parent.parent)
        assert app.manager.current == "survey"
        screen = self.screen("survey")
        assert screen.ids.progress.text == "Question 1 of 9"
        assert screen.ids.question.text == "Are the requirements for this service reasonable for what you came for?"
        self.choose(screen.ids.a3)
        assert screen.ids.progress.text == "Question 2 of 9"
        screen.answers, screen.index = [3] * 8 + [0], 8    # the nine taps are tested above
        self.choose(screen.ids.a3)
        self.tap_and_wait(screen.ids.send, screen)
        row = SurveyResponse.get()
        assert row.visit_id is None and row.language == "en" and survey.scores_of(row) == (3,) * 9
        assert row.source == ResponseSource.WALK_UP          # kept out of the official IKM
        assert app.manager.current == "thanks"
        assert "Thank you for your visit!" in self.all_texts()
        assert not any("locker" in t for t in self.all_texts())


class ComplaintUITest(KioskUITest):

    def test_a_complaint_gets_a_reference_number(self):
        app = self.start()
        app.go("complaint")
        self.advance_frames(2)
        screen = self.screen("complaint")
        assert "https://www.lapor.go.id" in self.all_texts() and "Saluran pengaduan resmi" in self.all_texts()
        assert any("Pengaduan BPS" in t for t in self.all_texts())
        toggle = app.root.ids.header.ids.lang_toggle.ids
        self.tap(toggle.lang_en)                    # the channels' English names from the config
        assert any("BPS complaints" in t for t in self.all_texts())
        assert not any("Pengaduan BPS" in t for t in self.all_texts())
        self.tap(toggle.lang_id)

        self.tap_and_wait(screen.ids.send, screen)                   # nothing filled in
        assert screen.ids.category_field.error == "Pilih hal yang ingin Anda adukan."
        assert screen.ids.text_field.error.startswith("Mohon jelaskan masalahnya")
        assert Complaint.select().count() == 0

        self.tap(self.find_text("Fasilitas", screen))
        assert screen.ids.category.value == "facility" and screen.ids.category_field.error == ""
        self.tap(screen.ids.text)
        self.type_on_keyboard(screen.ids.keyboard, "AC mati total")
        self.tap(screen.ids.contact)
        assert screen.ids.keyboard.layout == "email"
        self.type_on_keyboard(screen.ids.keyboard, "b@")
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.ids.contact_field.error == "Isi alamat e-mail atau nomor HP, atau kosongkan saja."
        assert screen.ids.text.text == "AC mati total"      # nothing typed is lost
        assert Complaint.select().count() == 0

        self.type_on_keyboard(screen.ids.keyboard, "x.com")
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.step == "done"
        assert screen.ids.reference.text == "ADU-20261124-0001"
        assert "Nomor pengaduan Anda:" in self.all_texts() and "pst@example.go.id" in self.all_texts()
        c = Complaint.get()
        assert (c.reference, c.category, c.text, c.contact, c.status) == (
            "ADU-20261124-0001", "facility", "AC mati total", "b@x.com", "open")

        self.tap(screen.ids.finish)
        assert app.manager.current == "welcome"
        app.go("complaint")
        self.advance_frames(2)
        assert screen.step == "form" and screen.ids.text.text == "" and screen.ids.category.value == ""

    def test_anonymous_complaint(self):
        app = self.start()
        app.go("complaint")
        self.advance_frames(2)
        screen = self.screen("complaint")
        self.tap(self.find_text("Petugas", screen))
        screen.ids.text.text = "Petugas kurang ramah"     # typing is covered above
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.ids.reference.text == "ADU-20261124-0001"
        assert Complaint.get().contact == "" and Complaint.get().category == "staff"

    def test_a_flood_of_complaints_is_asked_politely_to_wait(self):
        """Issue 11.11: [complaints] per_kiosk_per_minute (here 2); the text stays to send a minute later."""
        app = self.start(replace={"per_kiosk_per_minute = 3": "per_kiosk_per_minute = 2"})
        for _ in range(2):
            complaints.file_complaint(self.clock, "Asia/Jakarta", app.settings.kiosk.name, "other",
                                      "Saran: tambah colokan listrik.", per_minute=2)
        app.go("complaint")
        self.advance_frames(2)
        screen = self.screen("complaint")
        self.tap(self.find_text("Petugas", screen))
        screen.ids.text.text = "Petugas kurang ramah"
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.step == "form" and screen.ids.text.text == "Petugas kurang ramah"
        assert "Terima kasih. Kios ini baru saja menerima beberapa pengaduan" in " ".join(self.all_texts())
        assert Complaint.select().count() == 2
        self.clock.advance(61)
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.step == "done" and Complaint.select().count() == 3

    def test_a_storage_fault_leaves_the_text_and_asks_to_try_again(self):
        app = self.start()
        app.go("complaint")
        self.advance_frames(2)
        screen = self.screen("complaint")
        self.tap(self.find_text("Petugas", screen))
        screen.ids.text.text = "Petugas kurang ramah"
        self.runtime.db.execute_sql("DROP TABLE complaint")     # a database from another program version
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.step == "form" and screen.ids.text.text == "Petugas kurang ramah"
        assert screen.message == "Sorry, the kiosk cannot save right now. Please ask PST staff for help."
        assert app.manager.current == "complaint"

    def complaint_on_a_slow_database(self, category: str, text: str, seconds: float):
        """The complaint screen filled in, with a database that takes ``seconds`` to save (e.g. a
        PostgreSQL server out of reach until the TCP timeout); the real one comes back on exit."""
        app = self.start()
        app.go("complaint")
        self.advance_frames(2)
        screen = self.screen("complaint")
        self.tap(self.find_text(category, screen))
        screen.ids.text.text = text
        real = complaints.file_complaint

        def slow_database(*args, **kwargs):
            time.sleep(seconds)
            return real(*args, **kwargs)

        complaints.file_complaint = slow_database
        self.addCleanup(setattr, complaints, "file_complaint", real)
        return app, screen

    def test_a_slow_database_never_freezes_the_screen_and_one_tap_is_one_complaint(self):
        app, screen = self.complaint_on_a_slow_database("Fasilitas", "Lampu ruang baca berkedip", 3)
        started = time.monotonic()
        self.tap(screen.ids.send, frames=1)
        assert time.monotonic() - started < 2.5, "the tap waited for the database"
        assert screen.busy and screen.ids.send.disabled
        screen.submit()                       # a second tap that slipped through: ignored
        self.advance_frames(3)                # the window keeps drawing meanwhile
        self.wait_for(lambda: screen.step == "done")
        assert Complaint.select().count() == 1 and screen.ids.reference.text == "ADU-20261124-0001"
        assert not screen.busy and not screen.ids.send.disabled

    def test_a_save_that_lands_after_the_idle_reset_is_kept_but_not_shown(self):
        # 2 s: longer than the frames of the tap, even on a slow machine
        app, screen = self.complaint_on_a_slow_database("Petugas", "Antrean tidak dipanggil", 2)
        self.tap(screen.ids.send, frames=1)
        assert screen.busy
        app.finish_visit()                    # what the idle timeout does: the visitor walked away
        self.wait_for(lambda: not screen.busy)
        self.advance_frames(2)
        assert Complaint.select().count() == 1                    # saved all the same
        assert app.manager.current == "welcome" and screen.step == "form" and screen.reference == ""


def _answer_by_taps(test, screen, scores) -> None:
    """Tap one face per question, each time waiting for the next question (the debounce holds the screen)."""
    for score in scores:
        before = screen.index, screen.step
        test.tap(screen.ids[f"a{score}"])
        test.wait_for(lambda: (screen.index, screen.step) != before, what="the next question")


class SurveyPortraitUITest(KioskUITest):
    """Issue 14.5: on a portrait stand (1080×1920) the survey uses the height — the four answers a column of
    wide cards, face beside its words; the comment's keyboard across the width below the buttons, and the
    nine answers listed above them before sending."""

    def test_the_answers_stack_and_the_comment_step_lists_them_above_a_full_width_keyboard(self):
        app = self.start(size=(1080, 1920))
        assert app.layout == "portrait"
        visit = Visit.create(kiosk="kiosk-1", started_at=to_utc_naive(self.clock.now()))
        app.session.visit_id = visit.id
        app.go("survey")
        self.advance_frames(3)
        screen = self.screen("survey")
        header_bottom = app.root.ids.header.y
        answers = [screen.ids[f"a{n}"] for n in (1, 2, 3, 4)]
        for upper, lower in zip(answers, answers[1:]):
            assert upper.y >= lower.top, "the answers are not one below the other"
        for button in answers:
            x1, y1 = button.to_window(button.x, button.y)
            x2, y2 = button.to_window(button.right, button.top)
            assert x2 - x1 >= 900 and y2 - y1 >= 160 and y1 >= 0 and y2 <= header_bottom
        hint = self.find_text("Sentuh wajah yang paling sesuai dengan pengalaman Anda.", screen)
        assert hint.width >= 900
        _answer_by_taps(self, screen, (4, 3, 3, 4, 2, 4, 4, 3, 1))
        assert screen.step == "comment"
        self.advance_frames(2)
        keyboard, send = screen.ids.keyboard, screen.ids.send
        assert keyboard.width >= 1040 and keyboard.top <= send.y and send.center_x > 540
        recap = screen.ids.recap
        assert recap.height > 0 and recap.y >= send.top and len(recap.ids.rows.children) == 9
        shown = self.all_texts(recap)
        assert "Jawaban Anda" in shown and {"Biaya/tarif", "Gratis", "Mudah", "Sangat sesuai"} <= set(shown)
        self.tap(screen.ids.comment)
        self.type_on_keyboard(keyboard, "Wifi putus")
        self.tap_and_wait(send, screen)
        row = SurveyResponse.get()
        assert survey.scores_of(row) == (4, 3, 3, 4, 2, 4, 4, 3, 1) and row.comment == "Wifi putus"


class SurveyLargerTextUITest(KioskUITest):
    """"Aa" (larger text, x1.3, issue 14.12) on a landscape screen: the comment step keeps its title under the
    header (it ran up under the clock and the office's name) with the box, both buttons and the keyboard in the
    window; the "optional" line becomes the empty box's hint; the questions meet the layout rules too."""

    def tearDown(self, fake=False):
        from kiosk.ui import accessibility

        app = getattr(self, "app", None)
        if app is not None and app.large_text and not fake:
            accessibility.set_large_text(app, False)     # the font scale is the process's, not the app's
        super().tearDown(fake)

    def comment_step_at(self, layout: str) -> None:
        from kiosk.ui import accessibility
        from ui.screen_rules import screen_problems

        size = dp_size(layout)
        app = self.start(size=size)
        assert app.layout == layout
        visit = Visit.create(kiosk="kiosk-1", started_at=to_utc_naive(self.clock.now()))
        app.session.visit_id = visit.id
        app.go("survey")
        accessibility.set_large_text(app, True)          # makes the screen again: look it up after
        self.advance_frames(3)
        screen = self.screen("survey")

        def problems() -> list[str]:
            return screen_problems(app.root, size)

        assert not problems()
        _answer_by_taps(self, screen, (4, 3, 3, 4, 2, 4, 4, 3, 1))
        assert screen.step == "comment"
        self.advance_frames(3)
        header_bottom = app.root.ids.header.y
        title = self.find_text("Ada lagi yang ingin Anda sampaikan?", screen)
        comment, keyboard = screen.ids.comment, screen.ids.keyboard
        for widget in (title, comment, screen.ids.back_to_questions, screen.ids.send, keyboard):
            x1, y1 = widget.to_window(widget.x, widget.y)
            x2, y2 = widget.to_window(widget.right, widget.top)
            assert x1 >= 0 and y1 >= 0 and x2 <= size[0] and y2 <= header_bottom, f"{widget!r} is not in the window"
        assert comment.hint_text.startswith("Tidak wajib")     # the "optional" line, folded into the box
        assert keyboard.width >= 1040 and not problems()
        self.tap(comment)
        self.type_on_keyboard(keyboard, "Wifi putus")
        self.tap_and_wait(screen.ids.send, screen)
        row = SurveyResponse.get()
        assert survey.scores_of(row) == (4, 3, 3, 4, 2, 4, 4, 3, 1) and row.comment == "Wifi putus"

    def test_comment_step_in_landscape(self):
        self.comment_step_at(LANDSCAPE)

    def test_comment_step_on_a_1366x768_panel(self):
        self.comment_step_at(COMPACT)
