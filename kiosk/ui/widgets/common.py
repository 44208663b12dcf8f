"""Themed building blocks: no default grey Kivy widget reaches the visitor."""
from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty, ColorProperty, ListProperty, NumericProperty, OptionProperty, StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.stacklayout import StackLayout
from kivy.uix.textinput import TextInput

from kiosk.ui.widgets.keyboard import OnScreenKeyboard


class Icon(Label):
    icon = StringProperty("")


#: a button's words shrink to this share of their size at most, then wrap onto a second line
SMALLEST_WORDS = .8


class KButton(ButtonBehavior, BoxLayout):
    """A large rounded button with an optional icon; ``style`` picks the theme colours.

    Its words always stay inside it: with "Aa" (x1.3) or a long translation they shrink a little, then wrap
    onto two lines (``fit_words``) — they used to run out over the button's edge ("Kembali ke perpustakaan")."""
    text = StringProperty("")
    icon = StringProperty("")
    style = StringProperty("primary")     # primary | accent | success | danger | light | soft | ghost
    font_size = NumericProperty(0)
    radius = NumericProperty(0)
    #: the words as drawn: their font size and the width they wrap at (0: one line), from ``fit_words``
    words_font_size = NumericProperty(0)
    words_width = NumericProperty(0)

    def __init__(self, **kwargs):
        self.refit = Clock.create_trigger(self.fit_words, -1)
        super().__init__(**kwargs)
        for name in ("size", "text", "font_size", "icon", "padding", "spacing"):
            self.fbind(name, self.refit)
        self.refit()            # what the constructor and the kv rules set already

    def fit_words(self, *args) -> None:
        size = self.font_size
        # the box lays out [spacer, icon, words, spacer] with its spacing between each, from the left padding;
        # the right padding may give way (down to a few dp) before the words do
        room = self.width - self.padding[0] - 2 * self.spacing - dp(6)
        if self.icon:
            room -= size * 1.05 * 1.2              # the glyph is about 1.1 em wide
        measure = CoreLabel(font_size=size, bold=True, font_name="Roboto")
        wide = measure.get_extents(self.text)[0] if self.text else 0
        if not wide or wide <= room or room <= 0:
            self.words_font_size, self.words_width = size, 0
        elif wide * SMALLEST_WORDS <= room:
            self.words_font_size, self.words_width = size * room / wide, 0
        else:       # two lines; smaller still if even one word would not fit a line
            longest = max(measure.get_extents(word)[0] for word in self.text.split())
            self.words_font_size = size * min(SMALLEST_WORDS, room / longest)
            self.words_width = room


class Tile(ButtonBehavior, BoxLayout):
    """A big card-shaped choice (welcome journeys, services)."""
    title = StringProperty("")
    subtitle = StringProperty("")
    icon = StringProperty("")
    badge = StringProperty("")
    tint = ColorProperty(None, allownone=True)


class Card(BoxLayout):
    pass


class KTextInput(TextInput):
    """A large text field that the on-screen keyboard types into.

    It stays focused when the visitor touches a key of the on-screen keyboard, and tells the
    app it is the keyboard's target when it gains focus."""
    error = StringProperty("")
    keyboard_layout = StringProperty("text")   # text | email | number
    #: what the keyboard's action key does here, and its name: "next" (Berikutnya), "done" (Selesai),
    #: "search" (Cari); the screen binds ``on_text_validate`` to do it
    keyboard_action = OptionProperty("done", options=("next", "done", "search"))
    #: "words": each word starts with a capital as it is typed (names, institutions); "" leaves text as typed
    autocapitalize = OptionProperty("", options=("", "words"))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.unfocus_on_touch = False

    def on_focus(self, instance, focused):
        if focused:
            app = App.get_running_app()
            if app is not None and hasattr(app, "set_keyboard_target"):
                app.set_keyboard_target(self)
            self._tell_keyboards()

    def _tell_keyboards(self) -> None:
        """The keyboards on this field's screen take its layout and name their action key for it."""
        screen = self.parent
        while screen is not None and not isinstance(screen, Screen):
            screen = screen.parent
        if screen is None:
            return
        for widget in screen.walk(restrict=True):
            if isinstance(widget, OnScreenKeyboard):
                widget.field_action = self.keyboard_action

    def insert_text(self, substring, from_undo=False):
        if self.autocapitalize == "words" and not from_undo and len(substring) == 1 and substring.isalpha():
            before = self.text[:self.cursor_index()]
            if not before or before[-1] in " -(":
                substring = substring.upper()
        return super().insert_text(substring, from_undo=from_undo)


class CheckRow(ButtonBehavior, BoxLayout):
    """A checkbox as people know it: a square box (border >= 3:1 against the card) that shows a tick when
    checked, and its sentence beside it; the whole row is the touch target (softcopy and scan terms)."""
    text = StringProperty("")         # msgid
    active = BooleanProperty(False)


class Field(BoxLayout):
    """Label above, input, and the validation message below in the visitor's language."""
    label = StringProperty("")
    hint = StringProperty("")
    error = StringProperty("")

    def add_widget(self, widget, *args, **kwargs):
        # The rule adds the label and the message; a field's input goes between them.
        if len(self.children) >= 2 and not args and "index" not in kwargs:
            return super().add_widget(widget, index=1)
        return super().add_widget(widget, *args, **kwargs)


class DoneBar(BoxLayout):
    """The end of a finished step: "back to the start in N s" and a "Selesai / Done" button. The screen
    sets ``returns_home_after = True`` and binds ``seconds_left: root.done_seconds_left``
    (kiosk.ui.countdown counts)."""
    seconds_left = NumericProperty(0)
    #: green when leaving is the screen's next step; "light" where another button is (the ticket's
    #: "Continue to the guestbook"): one green next step per screen (issue 14.12)
    done_style = StringProperty("success")


class LongPressArea(ButtonBehavior, BoxLayout):
    """Fires ``on_long_press`` after ``hold_s`` seconds of holding (the hidden staff gesture)."""
    hold_s = NumericProperty(2.5)
    __events__ = ("on_long_press",)

    def on_press(self):
        self._ev = Clock.schedule_once(lambda dt: self.dispatch("on_long_press"), self.hold_s)

    def on_release(self):
        ev = getattr(self, "_ev", None)
        if ev is not None:
            ev.cancel()

    def on_long_press(self):
        pass


class Pill(ButtonBehavior, Label):
    selected = BooleanProperty(False)


class ChoicePills(StackLayout):
    """Pills for a single choice (gender, age group …) that wrap; ``value`` is the chosen code."""
    choices = ListProperty([])      # [(code, label), …]
    value = StringProperty("")

    def on_choices(self, *args):
        self.clear_widgets()
        for code, label in self.choices:
            pill = Pill(text=label)
            pill.code = code
            pill.bind(on_release=self._choose)
            self.add_widget(pill)
        self.on_value()

    def _choose(self, pill):
        self.value = pill.code

    def on_value(self, *args):
        for pill in self.children:
            pill.selected = pill.code == self.value
