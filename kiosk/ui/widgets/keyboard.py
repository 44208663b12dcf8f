"""The on-screen keyboard, docked in the layout (never over the form) and typing into the
field that last had focus. Layouts: letters (with shift), e-mail (adds @ and .com), numbers."""
from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

LETTER_ROWS = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl'",
    "zxcvbnm,.-",
)
NUMBER_ROWS = ("123", "456", "789")


class Key(ButtonBehavior, Label):
    key = StringProperty("")          # what it types; "" for action keys
    action = StringProperty("")       # backspace | shift | space | done | "" for a character
    wide = BooleanProperty(False)


class OnScreenKeyboard(BoxLayout):
    layout = StringProperty("text")   # text | email | number
    shift = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        self.rebuild()

    def on_layout(self, *args):
        self.rebuild()

    def on_shift(self, *args):
        for row in self.children:
            for key in row.children:
                if key.key.isalpha():
                    key.text = key.key.upper() if self.shift else key.key

    def rebuild(self) -> None:
        self.clear_widgets()
        rows = NUMBER_ROWS if self.layout == "number" else LETTER_ROWS
        for chars in rows:
            row = BoxLayout(spacing=self.spacing)
            for ch in chars:
                row.add_widget(Key(text=ch.upper() if self.shift and ch.isalpha() else ch, key=ch))
            self.add_widget(row)
        last = BoxLayout(spacing=self.spacing)
        if self.layout == "number":
            last.add_widget(Key(text="+", key="+"))
            last.add_widget(Key(text="0", key="0"))
        else:
            last.add_widget(Key(text="\uf062", action="shift"))
            if self.layout == "email":
                for extra in ("@", "_", ".com", ".co.id"):
                    last.add_widget(Key(text=extra, key=extra))
            last.add_widget(Key(text=" ", action="space", wide=True))
        last.add_widget(Key(text="\uf55a", action="backspace"))
        last.add_widget(Key(text="OK", action="done"))
        self.add_widget(last)

    def press(self, key: Key) -> None:
        app = App.get_running_app()
        target = app.keyboard_target() if app is not None else None
        if key.action == "shift":
            self.shift = not self.shift
            return
        if target is None:
            return
        if key.action == "backspace":
            target.do_backspace()
        elif key.action == "space":
            target.insert_text(" ")
        elif key.action == "done":
            target.dispatch("on_text_validate")
        else:
            target.insert_text(key.key.upper() if self.shift and key.key.isalpha() else key.key)
            if self.shift:
                self.shift = False
