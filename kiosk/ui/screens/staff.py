"""The staff corner: PIN pad, then the panel (exit the kiosk, reload the config, the doctor's lines)."""
from __future__ import annotations

import logging

from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.utils import escape_markup, get_hex_from_color

from kiosk.core import health

from kiosk.core.staff import PIN_MAX, PinResult, record_event
from kiosk.i18n import N_
from kiosk.ui.i18n import _
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)

MSG_NO_PIN = N_("No staff PIN is set. Set kiosk.staff_pin_hash with `kiosk hash-pin`.")
MSG_LOCKED = N_("Too many wrong PINs. Try again in {seconds} seconds.")
MSG_WRONG = N_("Wrong PIN.")


class StaffPinScreen(KioskScreen):
    screen_name = "staff_pin"
    entered = StringProperty("")
    #: ``message`` (KioskScreen) is a msgid; kv fills in ``wait_s`` for the lockout's
    wait_s = NumericProperty(0)

    def on_pre_enter(self, *args):
        self.entered, self.message = "", ""

    def clear(self) -> None:
        self.entered, self.message = "", ""

    def press_digit(self, digit: str) -> None:
        if len(self.entered) < PIN_MAX:
            self.entered += digit

    def backspace(self) -> None:
        self.entered = self.entered[:-1]

    def submit(self) -> None:
        if self.busy:
            return
        app = self.app
        pin, self.entered = self.entered, ""
        gate, kiosk = app.pin_gate, app.settings.kiosk.name
        # scrypt, the lockout read from the database and the audit row: never on the touch thread
        self.in_background(lambda: gate.attempt(pin, kiosk), self._answered)

    def _answered(self, result: PinResult) -> None:
        if result.ok:
            self.message = ""
            self.app.go("staff")
        elif result.no_pin_set:
            self.message = MSG_NO_PIN
        elif result.locked_for_s:
            self.wait_s, self.message = result.locked_for_s, MSG_LOCKED
        else:
            self.message = MSG_WRONG


class StaffScreen(KioskScreen):
    screen_name = "staff"
    message = StringProperty("")
    problems = ListProperty([])
    #: the doctor's findings (``kiosk doctor``), as shown: one markup line each
    health_lines = ListProperty([])
    health_state = StringProperty("")
    _run = 0

    def on_pre_enter(self, *args):
        self.message, self.problems = "", []
        self.run_doctor()

    def run_doctor(self) -> None:
        """The same checks as ``kiosk doctor``, in the worker: each has its own time limit, so a dead
        printer or mail server shows as a FAIL line after seconds, never a frozen panel."""
        rt = self.app.runtime
        self.health_lines, self.health_state = [], _("Checking the kiosk…")
        self._run += 1
        run = self._run

        def job() -> list[health.Finding]:
            return health.run_checks(health.doctor_checks(rt.settings, rt.db, rt.printer, rt.mailer, rt.clock.now(),
                                                         scanner=rt.scanner, speaker=rt.speaker))

        def done(findings: list[health.Finding]) -> None:
            if run == self._run:         # an older run (a second tap) is not shown over a newer one
                self._checked(findings)
        self.app.worker.submit(job, done, self._check_failed)

    def screenshot_setup(self, state: str = "") -> None:
        self._run += 1
        L = health.Level
        self._checked([
            health.Finding("config", L.OK, "/home/pst/kiosk/config/kiosk.toml: valid"),
            health.Finding("database", L.OK, "/home/pst/kiosk/data/kiosk.db: reachable, quick_check ok"),
            health.Finding("printer", L.WARN, "printer paper low (network printer 192.168.1.50:9100) — have a roll "
                                              "ready"),
            health.Finding("mail", L.FAIL, "mail server: smtp.bps.go.id:587: 535 authentication failed — check "
                                           "[mail] host, port and login"),
            health.Finding("disk", L.OK, "free space: /home/pst/kiosk/data 41.2 GB, /mnt/backup 812.0 GB"),
            health.Finding("backup", L.OK, "last backup kiosk-backup-kiosk-1-20261124T190000Z.tar.gz, 7 h old"),
            health.Finding("lockers", L.OK, "no locker left occupied overnight"),
        ])

    def _checked(self, findings: list[health.Finding]) -> None:
        colors = self.app.colors
        # WARN in a dark amber: the theme's accent orange is too light for text (contrast under 4.5:1)
        tint = {health.Level.OK: get_hex_from_color(colors["success"]), health.Level.WARN: "#8a4b00",
                health.Level.FAIL: get_hex_from_color(colors["danger"])}
        self.health_lines = [f"[b][color={tint[f.level]}]{f.level.name}[/color][/b]  "
                             f"{escape_markup(f.name)}: {escape_markup(f.line)}" for f in findings]
        self.health_state = {health.Level.OK: _("All checks OK."), health.Level.WARN: _("Some checks need attention."),
                             health.Level.FAIL: _("Something is wrong: see the FAIL lines.")}[health.worst(findings)]

    def _check_failed(self, exc: BaseException) -> None:
        log.error("staff panel: the checks failed: %s", exc, exc_info=exc)
        self.health_state = _("The checks could not run; see the log.")

    def reload_config(self) -> None:
        self.message = _("Reading the config…")
        self.app.reload_config_in_background(self._reloaded)

    def _reloaded(self, problems: list[str]) -> None:
        self.problems = problems
        self.message = _("Config reloaded.") if not problems else _("Config NOT reloaded; fix these first:")
        app = self.app
        kiosk, now = app.settings.kiosk.name, app.runtime.clock.now()
        detail = "ok" if not problems else f"{len(problems)} problem(s)"
        # the audit row is a database write: in the worker, like every other write from a screen
        app.worker.submit(lambda: record_event(kiosk, "reload_config", now, detail), lambda _: None,
                          lambda exc: log.error("staff audit not recorded: %s", exc))

    def exit_kiosk(self) -> None:
        record_event(self.app.settings.kiosk.name, "exit", self.app.runtime.clock.now())
        self.app.exit_kiosk()
