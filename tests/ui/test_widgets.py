"""The shared widgets in a real window (issue 14.6): the on-screen keyboard's cursor, clear, symbol layer,
caps lock, e-mail keys and the action key named for the focused field; names capitalised as typed;
keys 80 px tall and 12 apart at 1920×1080. Driven by tapping the keys as a visitor would."""
from __future__ import annotations

from kivy.lang import Builder

from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.keyboard import Key
from ui.kiosk_ui import KioskUITest

Builder.load_string("""
<KeyboardForTest>:
    BoxLayout:
        orientation: 'vertical'
        KTextInput:
            id: name
            keyboard_action: 'next'
            autocapitalize: 'words'
        KTextInput:
            id: email
            keyboard_layout: 'email'
        KTextInput:
            id: search
            keyboard_action: 'search'
        Widget:
        OnScreenKeyboard:
            id: keyboard
""")


class KeyboardForTest(KioskScreen):
    screen_name = ""   # added by the test only


class KeyboardTest(KioskUITest):

    def open_form(self):
        app = self.start()
        form = KeyboardForTest(name="form")
        app.manager.add_widget(form)
        app.go("form")
        self.advance_frames(2)
        return app, form, form.ids.keyboard

    def key(self, keyboard, action="", key=""):
        keys = [w for w in keyboard.walk(restrict=True) if isinstance(w, Key)]
        return next(k for k in keys if (k.action == action if action else k.key == key))

    def test_cursor_keys_and_clear(self):
        app, form, kb = self.open_form()
        self.tap(form.ids.search)
        self.type_on_keyboard(kb, "sti")
        self.tap(self.key(kb, "left"))
        self.tap(self.key(kb, "left"))
        self.type_on_keyboard(kb, "i")
        self.tap(self.key(kb, "right"))
        self.type_on_keyboard(kb, "x")
        assert form.ids.search.text == "sitxi"
        self.tap(self.key(kb, "clear"))
        assert form.ids.search.text == ""

    def test_symbol_layer_types_what_institution_names_need(self):
        app, form, kb = self.open_form()
        self.tap(form.ids.search)
        self.type_on_keyboard(kb, "pt")
        self.tap(self.key(kb, "symbols"))
        assert self.key(kb, "symbols").text == "ABC"
        self.type_on_keyboard(kb, "?!/()&%+#:-'\",.@")
        self.tap(self.key(kb, "symbols"))
        assert self.key(kb, "symbols").text == "?123"
        self.type_on_keyboard(kb, "q")
        assert form.ids.search.text == "pt?!/()&%+#:-'\",.@q"

    def test_shift_once_and_caps_lock(self):
        app, form, kb = self.open_form()
        self.tap(form.ids.search)
        self.tap(self.key(kb, "shift"))
        self.type_on_keyboard(kb, "bp")
        assert form.ids.search.text == "Bp"            # one-shot
        self.tap(self.key(kb, "shift"))
        self.tap(self.key(kb, "shift"))                # a second tap locks
        assert kb.shift_state == "lock"
        self.type_on_keyboard(kb, "sr")
        assert form.ids.search.text == "BpSR"
        self.tap(self.key(kb, "shift"))                # a third releases
        self.type_on_keyboard(kb, "a")
        assert form.ids.search.text == "BpSRa"

    def test_email_keys(self):
        app, form, kb = self.open_form()
        self.tap(form.ids.email)
        kb.layout = "email"
        self.advance_frames(1)
        self.type_on_keyboard(kb, "siti")
        self.tap(self.key(kb, key="@gmail.com"))
        assert form.ids.email.text == "siti@gmail.com"
        form.ids.email.text = ""
        for part in ("dina", "@", "bps", ".go.id"):
            self.tap(self.key(kb, key=part)) if len(part) > 1 and not part.isalpha() else \
                self.type_on_keyboard(kb, part)
        assert form.ids.email.text == "dina@bps.go.id"
        assert {".com", ".co.id", ".ac.id", ".go.id", "@gmail.com", "@"} <= \
            {k.key for k in kb.walk(restrict=True) if isinstance(k, Key)}

    def test_the_action_key_is_named_for_the_focused_field(self):
        app, form, kb = self.open_form()
        self.tap(form.ids.name)
        assert self.key(kb, "done").text == "Berikutnya"
        self.tap(form.ids.search)
        assert self.key(kb, "done").text == "Cari"
        self.tap(form.ids.email)
        assert self.key(kb, "done").text == "Selesai"
        self.tap(app.root.ids.header.ids.lang_toggle.ids.lang_en)
        assert self.key(kb, "done").text == "Done"
        self.tap(form.ids.name)
        assert self.key(kb, "done").text == "Next"
        validated = []
        form.ids.name.bind(on_text_validate=lambda *a: validated.append(True))
        self.tap(self.key(kb, "done"))
        assert validated == [True]

    def test_names_are_capitalised_as_typed(self):
        app, form, kb = self.open_form()
        self.tap(form.ids.name)
        self.type_on_keyboard(kb, "siti nurhaliza-putri")
        assert form.ids.name.text == "Siti Nurhaliza-Putri"
        self.tap(form.ids.search)
        self.type_on_keyboard(kb, "siti nurhaliza")
        assert form.ids.search.text == "siti nurhaliza"       # only fields that ask for it

    def test_keys_are_80_px_tall_and_12_apart(self):
        app, form, kb = self.open_form()
        for layout in ("text", "email", "number"):
            kb.layout = layout
            self.advance_frames(2)
            for symbols in ((False, True) if layout != "number" else (False,)):
                kb.symbols = symbols
                self.advance_frames(2)
                rows = [row for row in kb.children]
                for row in rows:
                    keys = sorted(row.children, key=lambda k: k.x)
                    for key in keys:
                        assert key.height >= 80 and key.width >= 80, (layout, key.text, key.size)
                    for left, right in zip(keys, keys[1:]):
                        assert right.x - left.right >= 12 - 1e-6, (layout, left.text, right.text)
                ys = sorted(row.y for row in rows)
                assert all(b - a >= 80 + 12 - 1e-6 for a, b in zip(ys, ys[1:])), (layout, ys)

    def test_word_keys_fit_their_keys_with_larger_text(self):
        """With "Aa" (text x1.3) "@gmail.com" was 158 dp of text in a 130 dp key on a 1,040 dp keyboard (the
        narrowest a screen gives it, at every size)."""
        from kivy.metrics import Metrics

        from kiosk.ui.accessibility import LARGE_TEXT_SCALE

        base = Metrics.fontscale
        try:
            Metrics.fontscale = base * LARGE_TEXT_SCALE        # what the header's "Aa" sets
            app, form, keyboard = self.open_form()
            keyboard.size_hint_x = None
            keyboard.width = 1040
            keyboard.layout = "email"
            self.advance_frames(4)
            spilled = [(k.text, round(k.texture_size[0]), round(k.width)) for k in keyboard.walk(restrict=True)
                       if isinstance(k, Key) and k.texture_size[0] > k.width]
            assert keyboard.layout == "email" and not spilled, spilled
        finally:
            Metrics.fontscale = base


class ButtonTest(KioskUITest):

    def test_a_disabled_button_still_shows_its_words_in_the_theme_colour(self):
        """Kivy draws a disabled Label in its own faint white (disabled_color): the disabled "Kirim" showed no words
        on the pale screen. It now shows them in the theme's text colour, softened, over its faded fill."""
        from kivy.uix.label import Label

        from kiosk.core.contrast import over, ratio
        from kiosk.ui.widgets.common import Icon, KButton

        app = self.start()
        button = KButton(text="Kirim", icon="check", style="success", disabled=True)
        app.manager.current_screen.add_widget(button)
        self.advance_frames(2)
        fill, faded = app.button_colors("success", False, True, app.colors)
        parts = [w for w in button.children if isinstance(w, Label)]
        assert {type(w) for w in parts} == {Label, Icon}
        for part in parts:
            assert tuple(part.disabled_color) == tuple(faded)
        behind = over(fill, app.colors["background"])
        # readable though plainly not active (the old white at half strength was 1.4:1; Kivy's default 1.2:1)
        assert ratio(faded, behind) >= 3 > 1.5 > ratio((1, 1, 1, .5), behind) > ratio((1, 1, 1, .3), behind)

    def test_a_buttons_words_stay_inside_it(self):
        """With "Aa" or a long translation a button's words ran out over its edge ("Kembali ke perpustakaan" on
        the softcopy-done screen, "Pertanyaan sebelumnya" on the survey): they shrink a little, then wrap."""
        from kiosk.ui.widgets.common import SMALLEST_WORDS, KButton
        from ui.screen_rules import layout_problems

        app = self.start()
        screen = app.manager.current_screen
        roomy = KButton(text="Lanjut", icon="arrow-right", size_hint=(None, None), size=(400, 96), pos=(40, 600))
        tight = KButton(text="Kembali ke perpustakaan", icon="book", font_size=39, size_hint=(None, None),
                        size=(420, 96), pos=(40, 400))
        word = KButton(text="Rekomendasi", icon="rotate", font_size=39, size_hint=(None, None), size=(200, 96),
                       pos=(40, 200))
        for button in (roomy, tight, word):
            screen.add_widget(button)
        self.advance_frames(4)
        assert not [p for p in layout_problems(app.root, self.Window.size) if "KButton" in p]
        assert (roomy.words_font_size, roomy.words_width) == (roomy.font_size, 0)        # nothing changes
        assert tight.words_width > 0 and tight.words_font_size <= 39 * SMALLEST_WORDS    # two lines
        assert word.words_font_size < 39 * SMALLEST_WORDS                                # one word, smaller
