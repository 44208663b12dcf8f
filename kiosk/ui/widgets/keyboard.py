"""The on-screen keyboard, docked in the layout (never over the form) and typing into the field that last
had focus (issue 14.6).

Layouts: ``text`` (letters), ``email`` (letters with @ and the domains visitors type: @gmail.com .com
.co.id .ac.id .go.id) and ``number``; a symbol layer (?123) for what institution names and comments need.
Shift is one-shot; a second tap locks it (caps lock), a third releases it. ← → move the cursor (a tap in
the middle of a field is no longer the only way there), the eraser clears the field, and the action key is
named for what the focused field does next: "Berikutnya / Next", "Selesai / Done" or "Cari / Search"
(``KTextInput.keyboard_action``, copied to ``field_action``). Every key is at least 80 px tall at
1920×1080 (``KEY_HEIGHT``).
"""
from __future__ import annotations

from kivy.app import App
from kivy.core.text import Label as CoreLabel
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.ui.i18n import _
from kiosk.ui.icons import glyph

# Eleven key widths per row at most (the action key takes 1.6 on the row of nine letters), so a keyboard
# 1,040 px wide still has keys 80 px wide with 12 px between them.
LETTER_ROWS = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm'.-",
)
SYMBOL_ROWS = (
    "1234567890",
    "?!/()&%+#:",
    "-'\".,@_;",
    "=*<>[]$~\\",
)
NUMBER_ROWS = ("123", "456", "789")
EMAIL_KEYS = ("@", "_", "@gmail.com", ".com", ".co.id", ".ac.id", ".go.id")
#: the action key's words, by the focused field's ``action``
ACTION_LABELS = {"next": "Next", "done": "Done", "search": "Search"}
#: keys and gaps in dp (1920×1080 is 1 dp = 1 px): at least 80 tall, 12 apart (issue 14.4)
KEY_HEIGHT, KEY_GAP, PADDING = 80, 12, 12


def keyboard_height(rows: int) -> float:
    return dp(rows * KEY_HEIGHT + (rows - 1) * KEY_GAP + 2 * PADDING)


class Key(ButtonBehavior, Label):
    key = StringProperty("")          # what it types; "" for action keys
    #: backspace | shift | space | done | left | right | clear | symbols | "" for a character
    action = StringProperty("")
    wide = BooleanProperty(False)
    icon = StringProperty("")         # a Font Awesome glyph name for action keys

    def on_icon(self, *args):
        if self.icon:
            self.text = glyph(self.icon)

    def fitted(self, size: float, width: float, text: str, bold: bool) -> float:
        """``size``, or less if the key's word would not fit its key (kv: ``font_size: self.fitted(…)``)."""
        room = width - dp(10)
        if len(text) <= 2 or room <= 0:
            return size
        wide = CoreLabel(font_size=size, font_name=self.font_name, bold=bold).get_extents(text)[0]
        return size if wide <= room else size * room / wide


class OnScreenKeyboard(BoxLayout):
    layout = StringProperty("text")   # text | email | number
    #: "off", "once" (the next letter only) or "lock" (caps lock)
    shift_state = OptionProperty("off", options=("off", "once", "lock"))
    shift = BooleanProperty(False)    # True while letters come out in capitals
    symbols = BooleanProperty(False)  # the ?123 layer
    #: the action key: "next" | "done" | "search", from the focused field's ``keyboard_action``; not named
    #: ``action``, which is the Key's (tests find keys by it)
    field_action = OptionProperty("done", options=tuple(ACTION_LABELS))
    #: the height its rows need (kv: ``height: self.natural_height``)
    natural_height = NumericProperty(0)

    #: the app's language (kv: ``lang: app.lang``; a binding kv keeps weakly, so a dropped screen's
    #: keyboard is not held by the app)
    lang = StringProperty("")

    def on_kv_post(self, base_widget):
        self.rebuild()

    def on_lang(self, *args):
        self._label_action_key()

    def on_layout(self, *args):
        self.symbols = False
        self.rebuild()

    def on_symbols(self, *args):
        self.rebuild()

    def on_field_action(self, *args):
        self._label_action_key()

    def on_shift_state(self, *args):
        self.shift = self.shift_state != "off"
        for key in self._keys():
            if key.key.isalpha() and len(key.key) == 1:
                key.text = key.key.upper() if self.shift else key.key

    def _keys(self):
        return [w for w in self.walk(restrict=True) if isinstance(w, Key)]

    def _label_action_key(self, *args) -> None:
        for key in self._keys():
            if key.action == "done":
                key.text = _(ACTION_LABELS[self.field_action])

    def rebuild(self) -> None:
        self.clear_widgets()
        self.natural_height = keyboard_height(4 if self.layout == "number" else 5)
        if self.layout == "number":
            rows = NUMBER_ROWS
            side = ("backspace", "clear", "done")
        else:
            rows = SYMBOL_ROWS if self.symbols else LETTER_ROWS
            side = ("backspace", "clear", "done", "")
        for n, chars in enumerate(rows):
            row = BoxLayout(spacing=self.spacing)
            if n == 3 and self.layout != "number":
                row.add_widget(Key(action="shift", icon="lock" if self.shift_state == "lock" else "shift"))
            for ch in chars:
                row.add_widget(self._char_key(ch))
            if side[n]:
                row.add_widget(self._action_key(side[n]))
            self.add_widget(row)
        last = BoxLayout(spacing=self.spacing)
        if self.layout == "number":
            for key in (Key(action="left", icon="arrow-left"), self._char_key("+"), self._char_key("0"),
                        Key(action="right", icon="arrow-right")):
                last.add_widget(key)
        else:
            last.add_widget(Key(action="symbols", text="ABC" if self.symbols else "?123"))
            if self.layout == "email":
                for extra in EMAIL_KEYS:
                    last.add_widget(self._char_key(extra))
            elif not self.symbols:
                last.add_widget(self._char_key(","))
            last.add_widget(Key(action="left", icon="arrow-left"))
            if self.layout != "email":        # an address has no spaces: the room goes to the domains
                last.add_widget(Key(action="space", text=" ", wide=True))
            last.add_widget(Key(action="right", icon="arrow-right"))
        self.add_widget(last)
        self._label_action_key()

    def _char_key(self, ch: str) -> Key:
        return Key(text=ch.upper() if self.shift and ch.isalpha() and len(ch) == 1 else ch, key=ch)

    @staticmethod
    def _action_key(action: str) -> Key:
        return Key(action=action, icon={"backspace": "backspace", "clear": "eraser"}.get(action, ""))

    def press(self, key: Key) -> None:
        app = App.get_running_app()
        target = app.keyboard_target() if app is not None else None
        if key.action == "shift":
            self.shift_state = {"off": "once", "once": "lock", "lock": "off"}[self.shift_state]
            key.icon = "lock" if self.shift_state == "lock" else "shift"
            return
        if key.action == "symbols":
            self.symbols = not self.symbols
            return
        if target is None:
            return
        if key.action == "backspace":
            target.do_backspace()
        elif key.action == "space":
            target.insert_text(" ")
        elif key.action == "left":
            target.do_cursor_movement("cursor_left")
        elif key.action == "right":
            target.do_cursor_movement("cursor_right")
        elif key.action == "clear":
            target.text = ""
        elif key.action == "done":
            target.dispatch("on_text_validate")
        else:
            single_letter = len(key.key) == 1 and key.key.isalpha()
            target.insert_text(key.key.upper() if self.shift and single_letter else key.key)
            if self.shift_state == "once" and single_letter:
                self.shift_state = "off"
