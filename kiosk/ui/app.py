"""The conductor: builds each screen when a visitor first needs it, switches between them, and
guards the visitor.

It owns the cross-cutting behaviour only — language, idle reset, failsafe, staff gesture,
close/Esc refusal. What a step does lives in its screen and in ``kiosk.core``.
"""
from __future__ import annotations

import logging
import weakref
from pathlib import Path
from typing import Any, Callable

from babel.dates import format_datetime
from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager, ScreenManagerException

from kiosk.core import config as config_mod
from kiosk.core import form_factor
from kiosk.core import outbox, softcopy
from kiosk.core.clock import local, zone_label
from kiosk.core.config import Settings
from kiosk.core.idle import IdleState, IdleWatch
from kiosk.core.journey import journeys_for, next_step
from kiosk.core.session import VisitorSession
from kiosk.core.staff import PinGate
from kiosk.runtime import Runtime
from kiosk.ui import accessibility, countdown, sounds
from kiosk.ui import screens as screens_pkg
from kiosk.ui.root import KioskRoot
from kiosk.ui.widgets import common, keyboard  # noqa: F401  (registers the classes the kv rules name)
from kiosk.ui.worker import Worker

log = logging.getLogger(__name__)

UI_DIR = Path(__file__).parent
_loaded_kv: set[str] = set()


def load_kv_once(path: Path) -> None:
    # Builder rules accumulate: loading a file twice (tests build many apps) doubles them.
    key = str(path.resolve())
    if key not in _loaded_kv and path.exists():
        Builder.load_file(key)
        _loaded_kv.add(key)


# Built at start and kept: where every visit begins, and where an error goes (building it at that
# moment could fail too). Every other screen is built at its first use and let go when the visit ends.
KEPT_SCREENS = ("welcome", "failsafe")


class KioskScreens(ScreenManager):
    """A ScreenManager that builds a screen the first time it is asked for (``current = name`` and
    ``get_screen`` both look it up here), so the kiosk holds only the screens of the visit in progress:
    a reading visitor's kiosk does not carry the guestbook's keyboard or the survey's 36 buttons
    (benchmarks/render_bench.py), and the start builds two screens instead of seventeen."""

    #: ``build(name) -> Screen | None``, set by the app
    builder = ObjectProperty(None, allownone=True)

    def get_screen(self, name):
        try:
            return super().get_screen(name)
        except ScreenManagerException:
            screen = self.builder(name) if self.builder is not None else None
            if screen is None:
                raise
            self.add_widget(screen)
            return screen


class _Failsafe(ExceptionHandler):
    def __init__(self, app: "KioskApp"):
        self.app_ref = weakref.ref(app)

    def handle_exception(self, inst: BaseException) -> int:
        app = self.app_ref()
        if app is None or isinstance(inst, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        app.show_failsafe(inst)
        return ExceptionManager.PASS


class KioskApp(App):
    #: built at start and kept through every visit (accessibility remakes the others)
    kept_screens = KEPT_SCREENS
    lang = StringProperty("id")
    colors = DictProperty({})
    office_name = StringProperty("")
    clock_text = StringProperty("")
    current_screen = StringProperty("welcome")
    #: the header's "Aa" (text ×1.3) and contrast buttons, for this visitor only (kiosk.ui.accessibility)
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    #: the screen's shape, kiosk.core.form_factor: 'landscape' (1920×1080 dp), 'compact' (≈1707×960 dp,
    #: 1366×768 panels) or 'portrait' (1080×1920 dp); the kv rules pick their arrangement from these
    layout = StringProperty(form_factor.LANDSCAPE)
    portrait = BooleanProperty(False)
    compact = BooleanProperty(False)

    def __init__(self, runtime: Runtime, initial_screen: str = "welcome", **kwargs: Any):
        super().__init__(**kwargs)
        self.runtime = runtime
        self.initial_screen = initial_screen
        self.worker = Worker()
        self.session = VisitorSession()
        self._keyboard_target: weakref.ref | None = None
        self._failsafe = _Failsafe(self)
        self._failsafe_event = None
        self.idle = IdleWatch(runtime.clock, 120, 20)
        self.pin_gate = PinGate("", runtime.clock)
        #: sends the outbox in the background while mail is enabled (also what a restart left queued)
        self.mail_sender: outbox.BackgroundSender | None = None
        self._recovered_at_start = False
        #: fired on the UI thread after each of the sender's attempts (the softcopy-done screen listens)
        self.register_event_type("on_mail_attempt")
        self.apply_settings(runtime.settings)

    # --- settings and theme ---

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def apply_settings(self, settings: Settings) -> None:
        """Show ``settings`` (the runtime's: it alone holds them and remakes devices, see _apply_reloaded)."""
        theme = settings.theme
        self.colors = accessibility.palette(theme, self.high_contrast)
        self.office_name = settings.office.name
        self.title = settings.office.name
        self.idle.timeout_s = settings.kiosk.idle_timeout_s
        self.idle.warning_s = settings.kiosk.idle_warning_s
        self.pin_gate.stored_hash = settings.kiosk.staff_pin_hash
        if self.session.visit_id is None and self.session.ticket_id is None:
            self.lang = settings.kiosk.language
            self.session.language = self.lang

    @property
    def logo_path(self) -> str:
        logo = self.settings.office.logo
        return str(logo) if logo is not None and logo.exists() else ""

    def reload_config(self) -> list[str]:
        """Re-read the config; on any problem keep the running settings and return the problems."""
        try:
            fresh = config_mod.load(self.settings.source)
        except config_mod.ConfigError as exc:
            return exc.problems
        self._apply_reloaded(fresh)
        return []

    def reload_config_in_background(self, on_done: Callable[[list[str]], None]) -> None:
        """The staff panel's reload: the file is read and checked in the worker (a config on a slow or
        failing disk must not freeze the touchscreen), applied here on the UI thread."""
        source = self.settings.source

        def load():
            try:
                return config_mod.load(source), []
            except config_mod.ConfigError as exc:
                return None, exc.problems

        def loaded(result) -> None:
            fresh, problems = result
            if fresh is not None:
                self._apply_reloaded(fresh)
            on_done(problems)

        self.worker.submit(load, loaded, lambda exc: on_done([f"{source}: {exc}"]))

    def _apply_reloaded(self, fresh: Settings) -> None:
        self.runtime.apply_settings(fresh)    # devices are made again from a changed [printer]/[mail]
        self.apply_settings(fresh)
        self.start_mail_sender()       # staff may have just turned mail on
        for screen in self.manager.screens:
            screen.on_config_reloaded()

    @staticmethod
    def tint_of(color, strength: float) -> tuple:
        """``color`` laid over white at ``strength`` (soft backgrounds derived from the theme)."""
        r, g, b = color[:3]
        return (1 - (1 - r) * strength, 1 - (1 - g) * strength, 1 - (1 - b) * strength, 1)

    def button_colors(self, style: str, pressed: bool, disabled: bool = False,
                      colors: dict | None = None) -> tuple[tuple, tuple]:
        # kv passes app.colors so that a palette change (high contrast) redraws every button
        c = colors or self.colors
        bg, fg = {
            "soft": (self.tint_of(c["primary"], .12), c["primary"]),
            "primary": (c["primary"], c["surface"]),
            "accent": (c["accent"], c["surface"]),
            "success": (c["success"], c["surface"]),
            "danger": (c["danger"], c["surface"]),
            "light": (c["surface"], c["primary"]),
            "ghost": ((0, 0, 0, 0), c["primary"]),
        }.get(style, (c["primary"], c["surface"]))
        if pressed:
            bg = tuple(v * 0.82 for v in bg[:3]) + (bg[3] if bg[3] else 0.12,)
        if disabled:   # faded, but still in the theme's colours; on a faded fill, white words would be 1.4:1
            filled = fg == c["surface"]
            bg = bg[:3] + (bg[3] * .4,)
            fg = c["text"][:3] + (.7,) if filled else fg[:3] + (fg[3] * .5,)
        return bg, fg

    # --- building ---

    def _fit_layout(self, *args) -> None:
        self.layout = form_factor.from_dp(Window.width / dp(1), Window.height / dp(1))
        self.portrait = self.layout == form_factor.PORTRAIT
        self.compact = self.layout == form_factor.COMPACT

    def build(self):
        self._fit_layout()
        Window.bind(size=self._fit_layout)
        for kv in sorted((UI_DIR / "widgets").glob("*.kv")):
            load_kv_once(kv)
        load_kv_once(UI_DIR / "app.kv")
        root = KioskRoot()
        self.screen_classes = {cls.screen_name: cls for cls in screens_pkg.discover()}
        self.manager: KioskScreens = root.ids.manager
        self.manager.transition = NoTransition()
        self.manager.builder = self._build_screen
        for name in KEPT_SCREENS:
            self.manager.get_screen(name)
        self.manager.bind(current=self._on_screen_changed)
        Window.clearcolor = self.colors["background"]
        Window.bind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard)
        Window.bind(on_touch_down=self._on_activity, on_key_down=self._on_activity)
        Window.bind(on_touch_up=sounds.on_touch_up)     # the click of a pressed control (issue 14.12)
        ExceptionManager.add_handler(self._failsafe)
        self._tick_event = Clock.schedule_interval(lambda dt: self.tick(), 1)
        self.tick()
        self.start_mail_sender()
        self.go(self.initial_screen if self.initial_screen in self.screen_classes else "welcome")
        # the first screen added is already current, so going to it fired no change event
        self._on_screen_changed(self.manager, self.manager.current)
        return root

    def start_mail_sender(self) -> None:
        """One background sender per app, from the start (not when a softcopy is first asked for:
        messages a restart left in the outbox go out now), once mail is enabled. With mail off, what a
        crash left half-done is still recovered at start (the sender does it before its first round)."""
        if self.mail_sender is not None:
            return
        if not self.settings.mail.enabled:
            if not self._recovered_at_start:
                self._recovered_at_start = True
                settings, clock = self.settings, self.runtime.clock
                self.worker.submit(lambda: softcopy.recover(settings, clock), lambda _: None,
                                   lambda exc: log.error("softcopy recovery at start failed: %s", exc))
            return
        # the runtime owns the device: it makes the sender from [mail] (again after a reload)
        self.mail_sender = outbox.BackgroundSender(
            lambda: self.settings, self.runtime.clock, lambda _mail: self.runtime.mailer,
            recover=softcopy.recover,     # requests and messages a crash left half-done
            # called on the sender's thread: handed to the UI thread as an app event
            on_attempt=lambda attempt: Clock.schedule_once(lambda _dt: self.dispatch("on_mail_attempt", attempt)))
        self.mail_sender.start()

    def on_mail_attempt(self, attempt: outbox.Attempt) -> None:
        """Default handler of the event (screens bind to it)."""

    def _build_screen(self, name: str):
        cls = self.screen_classes.get(name)
        if cls is None:
            return None
        load_kv_once(Path(screens_pkg.module_file(cls)).with_suffix(".kv"))
        return cls(name=name)      # it reads app.lang as it fills itself on entering

    def on_stop(self):
        ExceptionManager.remove_handler(self._failsafe)
        Window.unbind(size=self._fit_layout)
        Window.unbind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard)
        Window.unbind(on_touch_down=self._on_activity, on_key_down=self._on_activity)
        Window.unbind(on_touch_up=sounds.on_touch_up)
        self._tick_event.cancel()
        if self.mail_sender is not None:
            self.mail_sender.stop()
        self.worker.shutdown()

    # --- navigation ---

    @property
    def available_screens(self) -> set[str]:
        """Every screen this kiosk can show (built or not yet)."""
        return set(self.screen_classes) | set(self.manager.screen_names)

    def journeys(self):
        return [j for j in journeys_for(self.settings.kiosk.roles, self.settings) if j.key in self.available_screens]

    def go(self, name: str) -> None:
        if name not in self.available_screens:
            log.warning("no screen %r in this build; going to welcome", name)
            name = "welcome"
        self.manager.current = name

    def go_next(self, current: str) -> None:
        self.go(next_step(current, self.available_screens))

    def _on_screen_changed(self, manager, name):
        self.current_screen = name
        self.idle.touch()

    def finish_visit(self) -> None:
        """Back to welcome with nothing of this visitor left on any screen or in memory."""
        self.session = VisitorSession(language=self.settings.kiosk.language)
        self.lang = self.settings.kiosk.language
        self._keyboard_target = None
        for screen in self.manager.screens:
            screen.clear()
        self.root.ids.idle_overlay.dismiss()
        self.root.ids.confirm_home.dismiss()
        self.go("welcome")
        # The next visitor gets new screens: memory stays that of one visit all day, and nothing of
        # this visitor can linger in a widget a clear() forgot.
        for screen in list(self.manager.screens):
            if screen.name not in KEPT_SCREENS:
                self.manager.remove_widget(screen)
        # the next visitor starts with the usual text size and colours; after the screens went, so
        # that only the kept ones are made again at the usual size
        accessibility.reset(self)
        self.manager.transition = NoTransition()    # the old one still names the screen just left

    # --- language ---

    def set_language(self, lang: str) -> None:
        self.lang = lang
        self.session.language = lang
        self.update_clock()
        for screen in self.manager.screens:
            screen.on_language(lang)

    # --- on-screen keyboard ---

    def set_keyboard_target(self, widget) -> None:
        self._keyboard_target = weakref.ref(widget)

    def keyboard_target(self):
        return self._keyboard_target() if self._keyboard_target is not None else None

    # --- idle reset ---

    def _on_activity(self, *args) -> bool:
        self.idle.touch()
        return False

    def update_clock(self) -> None:
        zone = self.settings.office.timezone
        now = local(self.runtime.clock.now(), zone)
        self.clock_text = "%s %s" % (format_datetime(now, "EEEE, d MMMM y  ·  HH:mm", locale=self.lang),
                                     zone_label(zone, now))

    def tick(self) -> None:
        """Once a second: the header clock and the idle countdown."""
        self.update_clock()
        # build() ticks before the root is set; welcome, the first screen built, is current then
        if self.root is None or self.manager.current in ("welcome", "failsafe"):
            self.idle.touch()   # nothing personal on screen: nothing to wipe
            return
        if countdown.tick(self):       # a finished step went back to the start by itself
            return
        status = self.idle.status()
        overlay = self.root.ids.idle_overlay
        if status.state is IdleState.ACTIVE:
            overlay.dismiss()
        elif status.state is IdleState.WARNING:
            overlay.show(status.seconds_left)
        else:
            log.info("idle timeout on screen %s: visitor data cleared", self.manager.current)
            self.finish_visit()

    # --- failsafe, Esc and close ---

    def show_failsafe(self, exc: BaseException) -> None:
        log.error("uncaught error on screen %s", getattr(self.manager, "current", "?"), exc_info=exc)
        try:
            self.session = VisitorSession(language=self.lang)
            self.manager.current = "failsafe"
            self.manager.get_screen("failsafe").start(self.settings.kiosk.failsafe_return_s)
        except Exception:  # the failsafe itself must not take the kiosk down
            log.exception("failsafe screen failed")

    def _refuse_close(self, *args, **kwargs) -> bool:
        log.info("close request ignored (the kiosk is closed from the staff panel)")
        return True

    def _on_keyboard(self, window, key, *args) -> bool:
        return key == 27    # Esc / Android back: swallowed, never quits

    def exit_kiosk(self) -> None:
        log.info("kiosk stopped by staff")
        self.stop()
