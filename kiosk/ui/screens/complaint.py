"""Complaints and suggestions: category, text, optional contact (anonymous is fine), then the
reference number and the office's official complaint channels.

The keyboard shows while a text field has focus ("Berikutnya" goes from the text to the contact, "Selesai"
puts it away). It needs 1,040 dp of width: beside the contact column on a landscape screen, below the whole
form in portrait, where it takes the place of the channels card while it is up."""
from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.core import complaints
from kiosk.core.errors import ValidationError
from kiosk.ui.i18n import _
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.survey import StepPage, StepPages  # noqa: F401  (kv rules name them)

FORM, DONE = "form", "done"


class ChannelRow(BoxLayout):
    name = StringProperty("")
    contact = StringProperty("")


class ChannelList(BoxLayout):
    """The official channels, one row each (name in the visitor's language, address as written)."""
    channels = ListProperty([])

    def on_channels(self, *args) -> None:
        self.clear_widgets()
        for name, contact in self.channels:
            self.add_widget(ChannelRow(name=name, contact=contact))


class ComplaintScreen(KioskScreen):
    screen_name = "complaint"
    step = StringProperty(FORM)
    reference = StringProperty("")
    category_error = StringProperty("")      # msgids; translated in kv
    text_error = StringProperty("")
    contact_error = StringProperty("")
    channels = ListProperty([])              # [(name, contact), …] from [complaints] channels
    keyboard_up = BooleanProperty(False)     # a text field has focus: the keyboard shows
    stacked = BooleanProperty(False)         # portrait: one column, the keyboard at its foot (kv: app.portrait)
    #: side by side with little room (1366x768, or larger text on a landscape screen): the title and the channels
    #: card fold away while typing (kv: app.compact, app.large_text)
    tight = BooleanProperty(False)

    def on_kv_post(self, base_widget):
        # "finish" named the done step's own button before the DoneBar
        self.ids["finish"] = self.ids.done_bar.ids.done
        self.on_stacked()

    def on_stacked(self, *args) -> None:
        """The keyboard ends the form's left column beside the contact column, or in portrait the page
        below the send button, across the whole width (1,040 dp of keys need it)."""
        keyboard = self.ids.keyboard.__self__
        column = self.ids.form if self.stacked else self.ids.left
        if keyboard.parent is not column.__self__:
            keyboard.parent.remove_widget(keyboard)
            column.add_widget(keyboard)

    # --- keyboard and focus ---

    def on_field_focus(self, field) -> None:
        self.keyboard_up = self.ids.text.focus or self.ids.contact.focus
        if field.focus:
            self.ids.keyboard.layout = field.keyboard_layout     # the contact gets the e-mail keys

    def close_keyboard(self) -> None:
        self.ids.text.focus = self.ids.contact.focus = False
        self.keyboard_up = False

    @property
    def returns_home_after(self) -> bool:
        # only the reference, once shown, goes away by itself; a half-written complaint waits for the idle timer
        return self.step == DONE

    def on_pre_enter(self, *args):
        self.refresh_channels()
        self.refresh_categories()

    def on_language(self, lang: str) -> None:
        self.refresh_channels()
        self.refresh_categories()

    def refresh_channels(self) -> None:
        self.channels = [(c.label(self.app.lang), c.contact) for c in self.app.settings.complaints.channels]

    def refresh_categories(self) -> None:
        pills = self.ids.category
        keep = pills.value
        pills.choices = [(c.code, _(c.label)) for c in complaints.CATEGORIES]
        pills.value = keep

    def clear(self) -> None:
        super().clear()
        self.step, self.reference, self.message = FORM, "", ""
        self.category_error = self.text_error = self.contact_error = ""
        self.ids.category.value = ""
        self.keyboard_up = False

    def on_category_chosen(self) -> None:
        self.category_error = ""

    def submit(self) -> None:
        app = self.app
        self.category_error = self.text_error = self.contact_error = self.message = ""
        clock, zone, kiosk = app.runtime.clock, app.settings.office.timezone, app.settings.kiosk.name
        category, text, contact = self.ids.category.value, self.ids.text.text, self.ids.contact.text
        visit_id, lang = app.session.visit_id, app.lang
        per_minute = app.settings.complaints.per_kiosk_per_minute
        self.in_background(lambda: complaints.file_complaint(clock, zone, kiosk, category, text, contact,
                                                             visit_id=visit_id, language=lang,
                                                             per_minute=per_minute),
                           self._filed, self._not_filed)

    def _not_filed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.category_error = exc.errors.get("category", "")
            self.text_error = exc.errors.get("text", "")
            self.contact_error = exc.errors.get("contact", "")
            # the first text to put right gets the keyboard (the category pills show above it anyway)
            wrong = next((self.ids[n] for n in ("text", "contact") if n in exc.errors), None)
            if wrong is not None:
                wrong.focus = True
        else:
            # storage faults, the per-minute limit, bugs: the one handler; what was typed stays on screen
            self.show_failure(exc)

    def _filed(self, saved) -> None:
        self.reference = saved.reference
        for field in (self.ids.text, self.ids.contact):
            field.text = ""
        self.ids.category.value = ""
        self.close_keyboard()
        self.step = DONE
        self.app.idle.touch()           # the count starts when the reference appears
        self._start_done_countdown()

    def finish(self) -> None:
        self.app.finish_visit()

    #: "form": the keyboard down, the channels card shows (the plain state has the keyboard up, typing)
    screenshot_states = (FORM, DONE)

    def screenshot_setup(self, state: str = "") -> None:
        self.on_pre_enter()
        self.close_keyboard()
        if state == DONE:
            self.reference, self.step = "ADU-20261125-0003", DONE
            self.done_seconds_left = self.app.settings.kiosk.done_return_s
            return
        self.step = FORM
        self.ids.category.value = "facility"
        self.ids.text.text = "AC di ruang baca mati sejak pagi, ruangan jadi panas."
        self.contact_error = ""
        if state != FORM:
            self.ids.text.focus = True
