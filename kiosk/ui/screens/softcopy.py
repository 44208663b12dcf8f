"""The softcopy request form: name and e-mail (prefilled from the visit), purpose, the terms,
and the chosen publications (``app.session.chosen_publications``, set by the library's
"Request softcopy" button). Submitting stamps and enqueues on the worker — never on the UI
thread — and then shows ``softcopy_done``, waking the app's outbox sender.
"""
from __future__ import annotations

import logging

from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from kiosk.core import privacy, samples, softcopy
from kiosk.core.errors import ValidationError
from kiosk.core.statuses import RequestStatus
from kiosk.i18n import N_
from kiosk.ui.i18n import _, pick
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.reader import Hideable

log = logging.getLogger(__name__)


class SoftcopyPubRow(BoxLayout):
    pub_id = StringProperty("")
    title = StringProperty("")
    reason = StringProperty("")       # msgid; empty = will be sent


class Fold(Hideable, BoxLayout):
    """A part of the form folded away while the keyboard is up (or the keyboard itself while it is down).
    Folded to height 0, what it holds still stands where the layout left it, over its neighbours: hidden,
    the fold lets those touches through (a disabled keyboard took them, so the name field could not be
    touched to bring the keyboard back)."""


class PrivacyNotice(ModalView):
    """The full privacy notice over the form, for a visitor who came without the guestbook's consent step."""
    sections = ListProperty([])       # [(heading, text)] already in the visitor's language


class SoftcopyScreen(KioskScreen):
    screen_name = "softcopy"
    name_error = StringProperty("")        # msgids, translated in kv
    email_error = StringProperty("")
    purpose_error = StringProperty("")
    terms_error = StringProperty("")
    message = StringProperty("")
    agreed = BooleanProperty(False)
    rows = ListProperty([])                # [(id, title, reason msgid)]
    sendable = BooleanProperty(False)
    #: no guestbook visit: nobody showed this visitor the privacy notice before they type name and e-mail
    walk_in = BooleanProperty(False)
    keyboard_up = BooleanProperty(False)   # a text field has focus: the keyboard shows
    folded = BooleanProperty(False)        # the purpose choices fold away while it shows (kv: compact, portrait)
    tight = BooleanProperty(False)         # the 1,366×768 arrangement (kv: also landscape with larger text)

    # --- showing ---

    def on_pre_enter(self, *args):
        session = self.app.session
        self.walk_in = session.visit_id is None
        if not self.ids.name.text:
            self.ids.name.text = session.visitor_name
        if not self.ids.email.text:
            self.ids.email.text = session.visitor_email
        self.refresh_purposes()
        self.load_publications()

    def on_language(self, lang: str) -> None:
        self.refresh_purposes()

    def refresh_purposes(self) -> None:
        pills = self.ids.purpose
        keep = pills.value
        pills.choices = [(c.code, pick(c.id, c.en)) for c in self.app.settings.guestbook.purposes]
        pills.value = keep

    def load_publications(self) -> None:
        ids = list(self.app.session.chosen_publications)

        # a failed read is logged by look_up and the list stays as it was
        self.look_up(lambda: softcopy.chosen_rows(ids), lambda rows: setattr(self, "rows", rows), "reading the chosen publications")

    def on_rows(self, *args) -> None:
        box = self.ids.publications
        box.clear_widgets()
        chosen = self.app.session.chosen_publications
        for pub_id, title, reason in self.rows:
            row = SoftcopyPubRow(pub_id=str(pub_id), title=title, reason=reason)
            if reason:
                # refused (read-only, not allowed, gone): shown with why, and out of the basket at once —
                # never a row with "Remove" that looks as if it could still be sent
                if pub_id in chosen:
                    chosen.remove(pub_id)
                for button in [c for c in row.children if c.__class__.__name__ == "KButton"]:
                    row.remove_widget(button)
            else:
                row.ids.remove_button.bind(on_release=lambda _w, p=pub_id: self.remove(p))
            box.add_widget(row)
        self.sendable = any(not reason for _i, _t, reason in self.rows)

    def remove(self, pub_id: int) -> None:
        chosen = self.app.session.chosen_publications
        if pub_id in chosen:
            chosen.remove(pub_id)
        self.rows = [r for r in self.rows if r[0] != pub_id]

    def toggle_terms(self) -> None:
        self.agreed = not self.agreed
        if self.agreed:
            self.terms_error = ""

    def show_privacy(self) -> None:
        PrivacyNotice(sections=privacy.notice(self.app.settings, self.app.lang)).open()

    def on_purpose_chosen(self) -> None:
        self.purpose_error = ""

    def focus_changed(self) -> None:
        ids = self.ids
        self.keyboard_up = any(field.focus for field in (ids.name, ids.email, ids.purpose_text))

    def done_typing(self) -> None:
        """The keyboard's "Selesai", and "Kirim": the keyboard goes, every message and choice in view."""
        for field in (self.ids.name, self.ids.email, self.ids.purpose_text):
            field.focus = False

    # --- sending ---

    def submit(self) -> None:
        if self.busy:
            return      # before the checks: a second tap must not clear the messages of the first
        self.done_typing()
        app = self.app
        self.name_error = self.email_error = self.purpose_error = self.terms_error = self.message = ""
        ids = [pub_id for pub_id, _t, reason in self.rows if not reason]
        if not ids:
            self.message = N_("Choose at least one publication.")
            return
        settings, runtime, clock, session = app.settings, app.runtime, app.runtime.clock, app.session
        form = dict(name=self.ids.name.text, email=self.ids.email.text, purpose_code=self.ids.purpose.value,
                    purpose_text=self.ids.purpose_text.text, terms_accepted=self.agreed)
        # check the form here (cheap, no I/O) so mistakes show at once, next to their fields
        try:
            softcopy.validate(settings, form["name"], form["email"], form["purpose_code"], form["purpose_text"],
                              form["terms_accepted"])
        except ValidationError as exc:
            self._show_errors(exc)
            return
        language, visit_id = app.lang, session.visit_id

        def job():
            outcome = softcopy.create_request(settings, clock, ids, language=language, visit_id=visit_id, **form)
            status = outcome.status
            if settings.mail.enabled and status == RequestStatus.QUEUED:
                status = softcopy.deliver_now(settings, clock, runtime.mailer, outcome)
            return outcome, status

        # a result after the idle reset is dropped there: the request is stored and mailed, but its number
        # must not appear to whoever stands at the kiosk now
        self.in_background(job, self._done, self._failed)

    def _show_errors(self, exc: ValidationError) -> None:
        e = exc.errors
        self.name_error, self.email_error = e.get("name", ""), e.get("email", "")
        self.purpose_error, self.terms_error = e.get("purpose", ""), e.get("terms", "")
        self.message = e.get("publications", "")

    def _done(self, result) -> None:
        outcome, status = result
        app = self.app
        if status == RequestStatus.QUEUED and not app.settings.mail.enabled:
            status = "later"
        app.session.scratch["softcopy"] = {"number": outcome.number, "status": str(status),
                                           "email": outcome.masked_email, "request_id": outcome.request_id}
        app.session.chosen_publications = []
        self.rows = []
        self.agreed = False
        self.ids.purpose.value = ""
        self.ids.purpose_text.text = ""
        app.go("softcopy_done")     # first: it listens to the sender from now on
        if app.mail_sender is not None and status == RequestStatus.QUEUED:
            app.mail_sender.wake()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self._show_errors(exc)
            return
        if isinstance(exc, softcopy.SoftcopyRefused):
            self.load_publications()
        # refused, a limit reached, stamping failed, storage trouble: the error's own message, all typed kept
        self.show_failure(exc)

    # --- leaving ---

    def back(self) -> None:
        self.app.go("library")

    def on_leave(self, *args) -> None:
        self.done_typing()     # back here later, the keyboard is down until a field is touched

    def clear(self) -> None:
        super().clear()
        self.name_error = self.email_error = self.purpose_error = self.terms_error = self.message = ""
        self.agreed = self.busy = self.keyboard_up = False
        self.rows = []
        self.ids.purpose.value = ""

    # typing: the e-mail field focused, the keyboard up (compact and portrait fold the choices away)
    screenshot_states = ("typing",)

    def screenshot_setup(self, state: str = "") -> None:
        session = self.app.session
        session.visitor_name, session.visitor_email = "Siti Rahmawati", "siti.rahmawati@gmail.com"
        session.chosen_publications = samples.softcopy_choice()
        self.ids.name.text = self.ids.email.text = ""
        self.on_pre_enter()
        self.ids.purpose.value = "skripsi"
        self.ids.purpose_text.text = "Bab 4 skripsi tentang kemiskinan"
        self.agreed = True
        self.ids.email.focus = state == "typing"
        self.focus_changed()


__all__ = ["SoftcopyScreen", "_"]
