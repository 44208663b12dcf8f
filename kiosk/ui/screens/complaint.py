"""Complaints and suggestions: category, text, optional contact (anonymous is fine), then the
reference number and the office's official complaint channels."""
from __future__ import annotations

from kivy.properties import ListProperty, StringProperty
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

    def on_kv_post(self, base_widget):
        # "finish" named the done step's own button before the DoneBar
        self.ids["finish"] = self.ids.done_bar.ids.done

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
        else:
            # storage faults, the per-minute limit, bugs: the one handler; what was typed stays on screen
            self.show_failure(exc)

    def _filed(self, saved) -> None:
        self.reference = saved.reference
        for field in (self.ids.text, self.ids.contact):
            field.text = ""
        self.ids.category.value = ""
        self.step = DONE
        self.app.idle.touch()           # the count starts when the reference appears
        self._start_done_countdown()

    def finish(self) -> None:
        self.app.finish_visit()

    screenshot_states = (DONE,)

    def screenshot_setup(self, state: str = "") -> None:
        self.on_pre_enter()
        if state == DONE:
            self.reference, self.step = "ADU-20261125-0003", DONE
            self.done_seconds_left = self.app.settings.kiosk.done_return_s
            return
        self.ids.category.value = "facility"
        self.ids.text.text = "AC di ruang baca mati sejak pagi, ruangan jadi panas."
        self.contact_error = ""
