"""Issue 14.12: what a visitor hears, in order — a click for each control pressed, two rising notes when a
step is done, a low double tone for a failure, and (when the office turns it on) the ticket's number said
in Indonesian. The runtime's speaker is replaced by one that records what it was asked to play (the
device boundary; the real player is tests/test_sound.py)."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.tests.common import UnitTestTouch
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from kiosk.core import complaints
from kiosk.ui.widgets.common import KButton, Tile
from kiosk.ui.widgets.keyboard import Key
from ui.kiosk_ui import KioskUITest

SPEAK = {"speak_ticket = false": "speak_ticket = true"}
NO_CUES = {"cues = true": "cues = false"}


class RecordingSpeaker:
    """What the UI asked the speaker to play, in order."""

    def __init__(self):
        self.heard: list = []

    def cue(self, name: str) -> None:
        self.heard.append(name)

    def say(self, text: str, lang: str = "id") -> None:
        self.heard.append(("say", text, lang))

    def status(self) -> str:
        return "recording"

    def close(self) -> None:
        pass


class SoundUITest(KioskUITest):

    def start_listening(self, screen: str = "welcome", replace: dict[str, str] | None = None):
        app = self.start(screen, replace=replace)
        self.speaker = RecordingSpeaker()
        self.runtime.speaker = self.speaker
        return app

    def take_ticket(self, app) -> None:
        """From the welcome screen: the queue tile, then the first service's tile, until the ticket shows."""
        self.tap(next(w for w in app.root.walk(restrict=True)
                      if isinstance(w, Tile) and getattr(w, "journey", None) == "service"))
        tile = next(t for t in self.screen("service").tiles() if t.code == "A")
        self.wait_for(lambda: tile.waiting == 0)
        self.tap(tile)
        self.wait_for(lambda: app.manager.current == "ticket" and self.screen("ticket").state == "printed")
        self.advance_frames(2)

    def test_the_ticket_is_heard_click_then_done_then_its_number_in_indonesian(self):
        app = self.start_listening(replace=SPEAK)
        self.take_ticket(app)
        assert self.screen("ticket").ids.number.text == "A-001"
        assert self.speaker.heard == ["tap", "tap", "success", ("say", "Nomor antrean Anda, A satu", "id")]

    def test_the_number_is_said_in_indonesian_also_to_an_english_visitor(self):
        # the counter calls in Indonesian: the visitor learns the words they will hear
        app = self.start_listening(replace=SPEAK)
        self.tap(app.root.ids.header.ids.lang_toggle.ids.lang_en)
        self.take_ticket(app)
        assert self.speaker.heard[-1] == ("say", "Nomor antrean Anda, A satu", "id")

    def test_without_speak_ticket_nothing_is_said(self):
        app = self.start_listening()
        self.take_ticket(app)
        assert self.speaker.heard == ["tap", "tap", "success"]

    def test_cues_off_silences_the_cues_but_not_the_spoken_number(self):
        app = self.start_listening(replace={**NO_CUES, **SPEAK})
        self.take_ticket(app)
        assert self.speaker.heard == [("say", "Nomor antrean Anda, A satu", "id")]

    def test_cues_off_and_speech_off_is_silence(self):
        app = self.start_listening(replace=NO_CUES)
        self.take_ticket(app)
        assert self.speaker.heard == []

    def test_each_key_clicks_and_a_touch_beside_the_controls_does_not(self):
        self.start_listening("complaint")
        screen = self.screen("complaint")
        self.tap(screen.ids.text)                  # a text field is no control: focusing it is silent
        assert self.speaker.heard == []
        self.type_on_keyboard(screen.ids.keyboard, "AC")      # shift, a, shift, c
        assert self.speaker.heard == ["tap"] * 4
        assert screen.ids.text.text == "AC"
        self.tap(self.find_text("Saluran pengaduan resmi", screen))     # a heading
        assert self.speaker.heard == ["tap"] * 4

    def test_a_press_slid_off_the_control_is_not_clicked(self):
        self.start_listening("complaint")
        key = next(w for w in self.screen("complaint").ids.keyboard.walk(restrict=True)
                   if isinstance(w, Key) and w.key == "q")
        self.advance_frames(1)
        x, y = key.to_window(*key.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_move(x, y + 3 * key.height)        # the finger leaves the key: Kivy does not press it
        touch.touch_up()
        self.advance_frames(2)
        assert self.speaker.heard == []

    def scrolling_list(self, app):
        """A real ScrollView of buttons laid over the screen (as the library's results and long choices are)."""
        view = ScrollView(size_hint=(None, None), size=(600, 400), pos=(100, 100))
        column = BoxLayout(orientation="vertical", size_hint_y=None, height=2000)
        pressed = []
        for n in range(20):
            column.add_widget(KButton(text=str(n), on_release=lambda b: pressed.append(b.text)))
        view.add_widget(column)
        app.root.add_widget(view)
        self.advance_frames(3)
        return view, pressed

    def test_a_quick_tap_in_a_scrolling_list_clicks_and_a_swipe_does_not(self):
        app = self.start_listening()
        view, pressed = self.scrolling_list(app)
        x, y = view.to_window(*view.center)
        tap = UnitTestTouch(x, y)            # down and up at once: faster than the view's scroll_timeout,
        tap.touch_down()                     # so the view presses the button only while handling the release
        tap.touch_up()
        self.advance_frames(2)
        assert len(pressed) == 1 and self.speaker.heard == ["tap"]
        swipe = UnitTestTouch(x, y)
        swipe.touch_down()
        for step in range(1, 8):
            swipe.touch_move(x, y + step * 30)
        swipe.touch_up()
        self.advance_frames(3)
        assert len(pressed) == 1 and self.speaker.heard == ["tap"]

    def test_a_failure_shown_to_the_visitor_sounds_the_error_tone(self):
        app = self.start_listening("complaint", replace={"per_kiosk_per_minute = 3": "per_kiosk_per_minute = 1"})
        complaints.file_complaint(self.clock, "Asia/Jakarta", app.settings.kiosk.name, "other", "Saran: colokan.",
                                  per_minute=1)
        screen = self.screen("complaint")
        self.tap(self.find_text("Petugas", screen))
        screen.ids.text.text = "Petugas kurang ramah"
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.message and screen.step == "form"          # the per-minute limit, through show_failure
        assert self.speaker.heard == ["tap", "tap", "error"]

    def test_the_failsafe_screen_sounds_the_error_tone(self):
        app = self.start_listening()
        welcome = self.screen("welcome")

        def broken(*args):
            raise RuntimeError("printer driver exploded")

        welcome.open_journey = broken
        Clock.schedule_once(lambda dt: welcome.open_journey(None), 0)     # the real event loop's path
        self.render(app.root, framecount=6)
        assert app.manager.current == "failsafe"
        assert self.speaker.heard == ["error"]

    def test_a_finished_complaint_plays_the_done_notes_after_the_click(self):
        self.start_listening("complaint")
        screen = self.screen("complaint")
        self.tap(self.find_text("Petugas", screen))
        screen.ids.text.text = "Petugas kurang ramah"
        self.tap_and_wait(screen.ids.send, screen)
        assert screen.step == "done"
        assert self.speaker.heard == ["tap", "tap", "success"]


class StaffSoundLineTest(KioskUITest):

    def test_the_staff_panel_lists_the_sound_line(self):
        app = self.start(replace={'device = "null"': 'device = "no_such_card_14_12"'})
        app.go("staff")
        staff = self.screen("staff")
        self.wait_for(lambda: staff.health_lines, seconds=20, what="the doctor's lines")
        sound = [line for line in staff.health_lines if "sound:" in line]
        assert len(sound) == 1 and "WARN" in sound[0] and "aplay -D no_such_card_14_12" in sound[0], sound
