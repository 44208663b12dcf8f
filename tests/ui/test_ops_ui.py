"""The staff panel shows the doctor's lines (issue 13), worked out in the worker."""
from __future__ import annotations

from pg_server import free_port
from ui.kiosk_ui import KioskUITest


class StaffDoctorTest(KioskUITest):

    def test_panel_lists_every_check_and_a_stopped_printer_as_fail(self):
        closed = free_port()       # a network printer that is switched off
        app = self.start(replace={'kind = "dummy"': 'kind = "network"', 'host = ""': 'host = "127.0.0.1"',
                                  "port = 9100": f"port = {closed}", "timeout_s = 5.0": "timeout_s = 1.0"})
        app.go("staff")
        staff = self.screen("staff")
        self.wait_for(lambda: staff.health_lines, seconds=20, what="the doctor's lines")
        text = staff.ids.health.text
        for name in ("database", "schema", "printer", "mail", "disk", "backup", "identity key", "outbox",
                     "lockers", "clock"):
            assert f"{name}:" in text, name
        printer = next(line for line in staff.health_lines if "printer:" in line)
        assert "FAIL" in printer and f"127.0.0.1:{closed}" in printer
        assert staff.health_state == "Ada yang salah: lihat baris FAIL."
        shown = staff.health_lines
        self.tap(staff.ids.doctor)                 # checking again: a new list of lines
        self.wait_for(lambda: staff.health_lines and staff.health_lines is not shown, seconds=20,
                      what="the second run")
        assert len(staff.health_lines) == len(shown)
