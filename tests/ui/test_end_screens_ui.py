"""Issue 14.1: every screen that ends a step — the ticket, the softcopy request number, the complaint's
reference, the locker number — shows a countdown and "Selesai", and goes back to the start by itself after
[kiosk] done_return_s, so the next person never finds the previous visitor's number on screen."""
from __future__ import annotations

from kiosk.core.clock import to_utc_naive
from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT
from kiosk.core.models import Visit, Visitor
from ui.kiosk_ui import KioskUITest, dp_size
from ui.screen_rules import cut_off


class EndScreensTest(KioskUITest):

    def run_out(self, app, screen, secret: str) -> None:
        """The countdown is shown, counts on the kiosk's clock and returns to welcome with nothing left."""
        bar = screen.ids.done_bar
        assert bar.get_root_window() is not None and bar.ids.done.text == "Selesai"
        assert bar.ids.countdown.text == "Kembali ke awal dalam 15 detik"
        assert secret in " ".join(self.all_texts())
        self.clock.advance(10)
        app.tick()
        self.advance_frames(1)
        assert app.manager.current == screen.name
        assert bar.ids.countdown.text == "Kembali ke awal dalam 5 detik"
        self.clock.advance(5)
        app.tick()
        self.advance_frames(2)
        assert app.manager.current == "welcome"
        assert secret not in " ".join(self.all_texts(screen))

    def test_the_ticket_goes_away_by_itself(self):
        app = self.start()
        app.go("service")
        service = self.screen("service")
        self.wait_for(lambda: any(t.code == "A" for t in service.tiles()))
        self.tap(next(t for t in service.tiles() if t.code == "A"))
        self.wait_for(lambda: app.manager.current == "ticket" and self.screen("ticket").state == "printed")
        self.run_out(app, self.screen("ticket"), "A-001")
        assert app.session.ticket_id is None

    def test_the_ticket_done_button_leaves_at_once(self):
        app = self.start()
        app.go("service")
        service = self.screen("service")
        self.wait_for(lambda: any(t.code == "A" for t in service.tiles()))
        self.tap(next(t for t in service.tiles() if t.code == "A"))
        self.wait_for(lambda: app.manager.current == "ticket")
        self.tap(self.screen("ticket").ids.done_bar.ids.done)
        assert app.manager.current == "welcome" and app.session.ticket_id is None

    def test_the_softcopy_request_number_goes_away_by_itself(self):
        app = self.start()
        app.session.scratch["softcopy"] = {"number": "SC-20261124-0001", "status": "sent",
                                           "email": "s***@gmail.com", "request_id": 0}
        app.go("softcopy_done")
        self.advance_frames(2)
        self.run_out(app, self.screen("softcopy_done"), "SC-20261124-0001")

    def test_the_complaint_reference_goes_away_by_itself_but_not_the_form(self):
        app = self.start()
        app.go("complaint")
        self.advance_frames(2)
        screen = self.screen("complaint")
        self.clock.advance(60)          # a visitor writing slowly: the form waits for the idle timer only
        app.tick()
        assert app.manager.current == "complaint"
        self.tap(self.find_text("Petugas", screen))
        screen.ids.text.text = "Petugas kurang ramah"
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.step == "done"
        self.run_out(app, screen, "ADU-20261124-0001")

    def test_the_locker_number_goes_away_by_itself(self):
        app = self.start()
        now = to_utc_naive(self.clock.now())
        person = Visitor.create(full_name="Budi", email="b@example.com", created_at=now, last_visit_at=now)
        app.session.visit_id = Visit.create(visitor=person, kiosk="k", started_at=now).id
        app.go("locker")
        self.advance_frames(2)
        locker = self.screen("locker")
        self.clock.advance(60)          # "bring a bag?" ends nothing: it waits
        app.tick()
        assert app.manager.current == "locker"
        self.tap(locker.ids.want_locker)
        self.tap(locker.ids.id_number)
        self.type_on_keyboard(locker.ids.keyboard, "3271014506900001")
        self.tap_and_wait(locker.ids.get_locker, locker)
        assert locker.ids.steps.current == "done"
        self.run_out(app, locker, "L01")

    # --- the failsafe screen at the three screen shapes (issue 14.5) ---

    def check_failsafe_fits(self, layout: str) -> None:
        size = dp_size(layout)
        app = self.start(size=size)
        app.go("failsafe")
        self.screen("failsafe").screenshot_setup()
        self.advance_frames(4)
        assert cut_off(app, "failsafe", size) == []

    def test_the_failsafe_screen_fits_in_landscape(self):
        self.check_failsafe_fits(LANDSCAPE)

    def test_the_failsafe_screen_fits_on_a_1366x768_panel(self):
        self.check_failsafe_fits(COMPACT)

    def test_the_failsafe_screen_fits_in_portrait(self):
        self.check_failsafe_fits(PORTRAIT)

    def test_the_number_screens_in_the_larger_text_mode_at_every_size(self):
        """"Aa" (text × 1.3, issue 14.12) on the screens with a huge number, the bag question and the failsafe:
        nothing spills, overlaps or runs under the header at the three sizes (the huge numbers keep their size)."""
        from kiosk.ui import accessibility
        from ui.screen_rules import describe, layout_problems, shown, window_rect

        app = self.start()
        accessibility.set_large_text(app, True)
        found = []
        for layout in (LANDSCAPE, COMPACT, PORTRAIT):
            size = dp_size(layout)
            self.Window.size = size
            self.advance_frames(2)
            assert app.layout == layout
            for name, states in (("ticket", ("", "failed")), ("locker", ("", "ask")), ("failsafe", ("",))):
                for lang in ("id", "en"):
                    app.go(name)
                    app.set_language(lang)
                    screen = self.screen(name)
                    for state in states:
                        screen.screenshot_setup(state)
                        self.advance_frames(4)
                        top = size[1] - app.root.ids.header.height
                        problems = layout_problems(screen, size)
                        problems += [f"{describe(w)} runs under the header" for w in screen.walk(restrict=True)
                                     if shown(w) and getattr(w, "text", "") and window_rect(w)[3] > top + 1]
                        found += [f"{layout} {name}:{state} [{lang}]: {p}" for p in problems]
        assert not found, "\n".join(found)

    def test_the_next_step_is_the_one_green_button_and_leaving_is_light(self):
        """One button system (issue 14.12): on the ticket and the locker number the visitor's next step
        ("Continue to the guestbook", "Continue") is the green button, at the bottom / on the right; "Selesai"
        (leave now) is light, so a first-time visitor is not led away from the guestbook."""
        from ui.screen_rules import button_problems, window_rect

        app = self.start()
        app.go("ticket")
        ticket = self.screen("ticket")
        ticket.screenshot_setup()
        self.advance_frames(3)
        assert ticket.ids.next.style == "success" and ticket.ids.done_bar.ids.done.style == "light"
        assert window_rect(ticket.ids.next)[3] <= window_rect(ticket.ids.done_bar)[1]      # below "Selesai"
        assert button_problems(app.root, self.Window.size) == []
        app.go("locker")
        locker = self.screen("locker")
        locker.screenshot_setup()
        self.advance_frames(3)
        assert locker.ids.done.style == "success" and locker.ids.done_bar.ids.done.style == "light"
        assert window_rect(locker.ids.done)[0] >= window_rect(locker.ids.done_bar)[2]      # right of "Selesai"
        assert button_problems(app.root, self.Window.size) == []
