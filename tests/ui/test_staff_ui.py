"""The staff PIN pad: the check (scrypt, lockout read, audit row) runs in the worker (issue 12.5)."""
from __future__ import annotations

import sqlite3

from kivy.clock import Clock

from kiosk.core.config import sqlite_path
from kiosk.core.form_factor import COMPACT, LANDSCAPE, PORTRAIT
from kiosk.core.models import StaffEvent
from kiosk.core.staff import hash_pin
from ui.kiosk_ui import KioskUITest, dp_size
from ui.screen_rules import cut_off


PIN = "846302"


class StaffPinUITest(KioskUITest):

    def test_a_database_that_cannot_write_never_freezes_the_pin_pad(self):
        app = self.start(replace={'staff_pin_hash = ""': f'staff_pin_hash = "{hash_pin(PIN)}"'})
        app.go("staff_pin")
        pin = self.screen("staff_pin")
        # another process holds SQLite's write lock: the audit row waits (as for an unreachable server)
        blocker = sqlite3.connect(str(sqlite_path(app.settings)), timeout=0)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            pin.entered = PIN
            self.tap(pin.ids.ok, frames=1)
            before = Clock.frames
            self.advance_frames(5)                    # the touch thread goes on drawing
            assert Clock.frames - before >= 5
            assert pin.busy and pin.ids.ok.disabled and app.manager.current == "staff_pin"
            assert pin.entered == ""                  # the PIN left the pad at once
        finally:
            blocker.rollback()
            blocker.close()
        self.wait_for(lambda: app.manager.current == "staff", what="the panel after the lock is gone")
        assert [e.kind for e in StaffEvent.select()] == ["pin_ok"]

    def test_the_lockout_survives_a_restart_of_the_kiosk(self):
        app = self.start(replace={'staff_pin_hash = ""': f'staff_pin_hash = "{hash_pin(PIN)}"'})
        app.go("staff_pin")
        pin = self.screen("staff_pin")
        for _ in range(3):
            pin.entered = "000000"
            self.tap_and_wait(pin.ids.ok, pin)
        # systemd restarts the kiosk: a new app on the same database, nothing kept in memory
        from kiosk.ui.app import KioskApp

        app.dispatch("on_stop")
        self.Window.remove_widget(app.root)
        self.app = app = KioskApp(self.runtime, initial_screen="staff_pin")
        app.root = app.build()
        self.render(app.root)
        self.advance_frames(3)
        pin = self.screen("staff_pin")
        pin.entered = PIN
        self.tap_and_wait(pin.ids.ok, pin)
        assert app.manager.current == "staff_pin"
        assert "Terlalu banyak PIN salah. Coba lagi dalam 30 detik." in self.all_texts()


class StaffLayoutTest(KioskUITest):
    """The staff screens are not walked by the visitor rules (tests/ui/test_layouts.py), but staff use them on
    the same three screen shapes (issue 14.5): nothing cut off, nothing under the header."""

    def check_staff_screens_fit(self, layout: str) -> None:
        size = dp_size(layout)
        app = self.start(size=size)
        for name in ("staff_pin", "staff"):
            app.go(name)
            app.set_language("en")      # the longer words ("Back to the kiosk")
            self.screen(name).screenshot_setup()     # the panel: its sample lines, not a doctor run's
            self.advance_frames(4)
            assert cut_off(app, name, size) == [], name

    def test_the_staff_screens_fit_in_landscape(self):
        self.check_staff_screens_fit(LANDSCAPE)

    def test_the_staff_screens_fit_on_a_1366x768_panel(self):
        self.check_staff_screens_fit(COMPACT)

    def test_the_staff_screens_fit_in_portrait(self):
        self.check_staff_screens_fit(PORTRAIT)

    def test_a_long_config_path_stays_on_one_line(self):
        """A config path is one long word: in CI's deep temporary folder it broke over lines in portrait (the
        layout rules: "breaks a word"). It is cut at its start instead, on one line."""
        self.tmp_path = self.tmp_path / ("kiosk-configs-of-the-office-" * 4).rstrip("-")
        self.tmp_path.mkdir()
        self.check_staff_screens_fit(PORTRAIT)
