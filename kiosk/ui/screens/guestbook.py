"""The guestbook form in three short steps (issue 14.2): who to reach (name, e-mail, mobile), where the
visitor comes from and what for (institution, the data wanted, institution type, occupation), and the
answers the statistics need (gender, age group, education, purpose). Each step fits above the keyboard without scrolling; the keyboard shows only
while a text field has focus; "Kembali" bottom left and "Lanjut" bottom right on every step.

The rules are ``kiosk.core.guestbook``'s; this screen collects the strings, shows the errors it gets back
(each one goes as soon as its field is right), offers one-tap answers (the e-mail made of the name,
institutions earlier visitors gave), and offers to prefill from the last visit once full name, e-mail
*and* phone match. Age is asked once, as a group: the birth year stays for the phone form only.
"""
from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.core import guestbook as gb
from kiosk.core.clock import local
from kiosk.core.errors import ValidationError
from kiosk.i18n import N_
from kiosk.ui.i18n import _, pick
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.guestbook_phone import PHONE_POLL_S, PhoneCheckin  # noqa: F401 (tests read PHONE_POLL_S here)
from kiosk.ui.screens.ticket import qr_texture

MSG_CHECK = N_("Please check the fields marked in red.")
MSG_CHOOSE_AGE = N_("Please choose your age group")
TEXT_INPUTS = ("full_name", "email", "phone", "institution_name", "purpose_detail")
#: the fields of each step, in the order they are filled
STEPS = (
    ("full_name", "email", "phone"),
    ("institution_name", "purpose_detail", "institution_type", "occupation"),
    ("gender", "age_group", "education", "purpose"),
)
DRAFT = "guestbook_draft"    # session scratch key: the form so far (see _save_draft)
STEP_BOXES = ("step_contact", "step_work", "step_about")
#: where the keyboard's "Berikutnya" goes from each field; the last field of step 1 goes on to step 2
NEXT_FIELD = {"full_name": "email", "email": "phone", "institution_name": "purpose_detail"}


class GuestbookScreen(PhoneCheckin, KioskScreen):
    screen_name = "guestbook"
    service_text = StringProperty("")
    returning = BooleanProperty(False)      # the "fill in from your last visit?" offer is shown
    step = NumericProperty(1)                         # 1 … steps_total
    steps_total = NumericProperty(len(STEPS))
    keyboard_up = BooleanProperty(False)              # a text field has focus: the keyboard shows
    title_in_bar = BooleanProperty(False)             # kv: the step title sits between the buttons (1366×768)

    def on_kv_post(self, base_widget):
        # the steps are built once by the kv rule and swapped in and out of the holder
        holder = self.ids.step_holder
        self._steps = [self.ids[name].__self__ for name in STEP_BOXES]
        for box in self._steps:
            holder.remove_widget(box)
        holder.add_widget(self._steps[0])
        for name in TEXT_INPUTS:
            field = self.ids[name]
            field.bind(focus=self._on_focus)
            field.bind(on_text_validate=self._next_field)
            field.bind(text=lambda w, t, name=name: self._recheck(name))
        for name in gb.CHOICE_FIELDS:
            self.ids[name].bind(value=lambda w, v, name=name: self._recheck(name))
        for name in self._field_names():
            self.ids[name].bind(**{"value" if name in gb.CHOICE_FIELDS else "text": self._save_draft})
        self._lookup = Clock.create_trigger(lambda dt: self.check_returning(), 0.4)
        for name in ("full_name", "email", "phone"):
            self.ids[name].bind(text=lambda *a: self._lookup())
        self._suggest = Clock.create_trigger(lambda dt: self.suggest_institutions(), 0.25)
        self.ids.institution_name.bind(text=lambda *a: self._suggest())
        self.ids.full_name.bind(text=lambda *a: self.suggest_email())
        self.ids.email.bind(text=lambda *a: self.suggest_email())
        self.ids.email_hints.bind(value=self._take_email)
        self.ids.institution_hints.bind(value=self._take_institution)
        self._prefill: dict[str, str] | None = None
        self._offered_for: tuple[str, str, str] | None = None
        self._errors: dict[str, str] = {}

    # --- entering, language, wiping ---

    def on_pre_enter(self, *args):
        self.app.session.scratch.setdefault("guestbook_started_at", self.app.runtime.clock.now())
        self.fill_choices()
        self.refresh_service()
        self._restore_draft()

    def on_enter(self, *args):
        # no field is focused yet: the QR code for the phone shows, and a tap on a field brings the keyboard
        self.start_phone()

    def on_leave(self, *args):
        self.stop_phone()

    def on_language(self, lang: str) -> None:
        self.fill_choices()
        self.refresh_service()
        for name in self._field_names():
            self._set_error(name, self._errors.get(name, ""))

    def clear(self) -> None:
        self._unfocus()
        super().clear()
        self.stop_phone()
        for name in gb.CHOICE_FIELDS:
            self.ids[name].value = ""
        for name in TEXT_INPUTS:
            self.ids[name].text = ""
        self.ids.email_hints.choices = []
        self.ids.institution_hints.choices = []
        self._errors = {}
        for name in self._field_names():
            self._set_error(name, "")
        self.message = ""
        self.returning = False
        self._prefill = None
        self._offered_for = None
        self.show_step(1)
        self.app.session.scratch.pop(DRAFT, None)

    def fill_choices(self) -> None:
        settings = self.app.settings.guestbook
        for field, key in gb.CHOICE_FIELDS.items():
            self.ids[field].choices = [(c.code, pick(c.id, c.en)) for c in getattr(settings, key)]

    def refresh_service(self) -> None:
        ticket_id = self.app.session.ticket_id
        if ticket_id is None:
            self.service_text = ""
            return
        self.look_up(lambda: gb.ticket_info(ticket_id), self._show_service, "reading the visitor's ticket")

    def _show_service(self, info: gb.TicketInfo | None) -> None:
        if info is None:
            self.service_text = ""
            return
        try:
            service = self.app.settings.service(info.service_code)
            name = pick(service.name_id, service.name_en)
        except KeyError:
            name = info.service_code
        self.service_text = _("Service: {service} · number {number}").format(service=name, number=info.number)

    # --- steps ---

    def show_step(self, n: int) -> None:
        self._unfocus()
        self.step = n
        holder = self.ids.step_holder
        holder.clear_widgets()
        holder.add_widget(self._steps[n - 1])
        if n == 2 and not self.ids.institution_name.text:
            self.ids.institution_name.focus = True      # the one text field of the step: type at once
        self._save_draft()

    def _save_draft(self, *args) -> None:
        """The step and every answer so far, in the visit's session: a screen made again (the "Aa" switch
        makes every screen anew, and copies only the text fields it can see) picks up where the visitor was.
        The session goes with the visit, so the draft does too."""
        app = self.app
        # only the screen on show: a screen being made again is filled in before it is shown
        if app is not None and self.manager is not None and self.manager.current_screen is self:
            app.session.scratch[DRAFT] = {"step": self.step, "values": self.values()}

    def _restore_draft(self) -> None:
        draft = self.app.session.scratch.get(DRAFT)
        if not draft or (draft["step"], draft["values"]) == (self.step, self.values()):
            return
        for name, value in draft["values"].items():
            if name in gb.CHOICE_FIELDS:
                self.ids[name].value = value
            else:
                self.ids[name].text = value
        self.show_step(draft["step"])

    def primary(self) -> None:
        """ "Lanjut": the next step once this one's fields are right; the last step saves."""
        if self.step < len(STEPS):
            self.next_step()
        else:
            self.submit()

    def back(self) -> None:
        if self.step > 1:
            self.show_step(self.step - 1)
        else:
            self._unfocus()
            self.app.go("consent")

    def next_step(self) -> None:
        errors = {name: msgid for name, msgid in self._check().items() if name in STEPS[self.step - 1]}
        self._show_errors(errors)
        if errors:
            self._unfocus()         # every message in view, chips included; a tap on a field brings the keys
            self.message = MSG_CHECK
            return
        self.message = ""
        self.show_step(self.step + 1)

    def _check(self) -> dict[str, str]:
        """Every field's mistake as the core sees it (no I/O: cheap enough for each keystroke)."""
        app = self.app
        today = local(app.runtime.clock.now(), app.settings.office.timezone).date()
        try:
            gb.validate(self.values(), app.settings, today)
        except ValidationError as exc:
            # the kiosk asks the age group only (the phone form also takes a birth year)
            return {name: (MSG_CHOOSE_AGE if name == "age_group" else msgid) for name, msgid in exc.errors.items()}
        return {}

    def _recheck(self, name: str) -> None:
        """An error goes as soon as its field is right (it is not added while the visitor types)."""
        if name not in self._errors:
            return
        msgid = self._check().get(name, "")
        if msgid == self._errors[name]:
            return
        if msgid:
            self._errors[name] = msgid
        else:
            del self._errors[name]
        self._set_error(name, msgid)
        if not self._errors:
            self.message = ""

    def _show_errors(self, errors: dict[str, str]) -> None:
        self._errors = dict(errors)
        for name in self._field_names():
            self._set_error(name, self._errors.get(name, ""))

    # --- keyboard and focus ---

    def _on_focus(self, field, focused: bool) -> None:
        self.keyboard_up = any(self.ids[name].focus for name in TEXT_INPUTS)
        if focused:
            self.ids.keyboard.layout = field.keyboard_layout

    def _unfocus(self) -> None:
        for name in TEXT_INPUTS:
            self.ids[name].focus = False
        self.keyboard_up = False

    def _name_of(self, field) -> str:
        # ids hold weak proxies: compare the widgets themselves
        return next((n for n in TEXT_INPUTS if self.ids[n].__self__ is field), "")

    def _next_field(self, field) -> None:
        name = self._name_of(field)
        if name in NEXT_FIELD:
            self.ids[NEXT_FIELD[name]].focus = True
        elif name == "phone":
            self.next_step()
        else:
            self._unfocus()         # "Selesai": the keyboard goes, the step's chips show

    # --- one-tap answers ---

    def suggest_email(self) -> None:
        """The address made of the name, while the e-mail field holds nothing or the start of it."""
        typed = self.ids.email.text.strip().lower()
        offers = [a for a in gb.email_suggestions(self.ids.full_name.text)[:1] if a.startswith(typed) and a != typed]
        self.ids.email_hints.choices = [(a, a) for a in offers]

    def _take_email(self, pills, address: str) -> None:
        if not address:
            return
        self.ids.email.text = address
        pills.choices, pills.value = [], ""
        self.ids.phone.focus = True

    def suggest_institutions(self) -> None:
        typed = self.ids.institution_name.text

        def show(names: list[str]) -> None:
            if self.ids.institution_name.text == typed:
                self.ids.institution_hints.choices = [(n, n) for n in names]

        self.look_up(lambda: gb.institution_suggestions(typed, limit=2), show, "suggesting institutions")

    def _take_institution(self, pills, name: str) -> None:
        if not name:
            return
        self.ids.institution_name.text = name
        pills.choices, pills.value = [], ""
        self._unfocus()             # what is left on the step are chips

    # --- returning visitors ---

    def _who(self) -> tuple[str, str, str]:
        return (" ".join(self.ids.full_name.text.split()).casefold(), self.ids.email.text.strip().lower(),
                self.ids.phone.text.strip())

    def check_returning(self) -> None:
        who = self._who()
        if who == self._offered_for:
            return
        self.returning, self._prefill = False, None

        def find() -> dict[str, str] | None:
            visitor = gb.find_returning(*who)
            return gb.prefill_from(visitor) if visitor is not None else None

        def found(prefill: dict[str, str] | None) -> None:
            if prefill is None or self._who() != who:
                return      # nobody, or the visitor typed on: the look-up for the newer text answers
            self._prefill, self._offered_for, self.returning = prefill, who, True

        self.look_up(find, found, "looking up a returning visitor")

    def use_prefill(self) -> None:
        if not self._prefill:
            return
        for name, value in self._prefill.items():
            if name in gb.CHOICE_FIELDS:
                self.ids[name].value = value
            elif name in self.ids:
                self.ids[name].text = value
        self.returning = False

    def dismiss_prefill(self) -> None:
        self.returning, self._prefill = False, None

    # --- submitting ---

    def values(self) -> dict[str, str]:
        out = {name: self.ids[name].text for name in TEXT_INPUTS}
        out.update({name: self.ids[name].value for name in gb.CHOICE_FIELDS})
        return out

    def _field_names(self) -> list[str]:
        return [*TEXT_INPUTS, *gb.CHOICE_FIELDS]

    def _set_error(self, name: str, msgid: str) -> None:
        text = _(msgid) if msgid else ""
        holder = self.ids.get(f"{name}_field")
        if holder is not None:
            holder.error = text
        if hasattr(self.ids[name], "error"):
            self.ids[name].error = text

    def submit(self) -> None:
        if self.busy:
            return
        app = self.app
        clock = app.runtime.clock
        today = local(clock.now(), app.settings.office.timezone).date()
        self._unfocus()
        self._errors = {}
        try:       # checked here (no I/O) so every mistake shows at once, next to its field
            entry = gb.validate(self.values(), app.settings, today)
        except ValidationError as exc:
            self._not_saved(exc)
            return
        scratch, session = app.session.scratch, app.session
        db, kiosk, lang = app.runtime.db, app.settings.kiosk.name, app.lang
        consent_at, consent_version = scratch.get("consent_at"), str(scratch.get("consent_version", ""))
        ticket_id, visit_id, started_at = session.ticket_id, session.visit_id, scratch.get("guestbook_started_at")
        self.in_background(
            lambda: gb.complete(entry, db=db, clock=clock, kiosk=kiosk, language=lang, consent_at=consent_at,
                                consent_version=consent_version, ticket_id=ticket_id, visit_id=visit_id,
                                started_at=started_at),
            lambda visit: self._saved(entry, visit), self._not_saved)

    def _not_saved(self, exc: BaseException) -> None:
        if not isinstance(exc, ValidationError):
            # busy or unreachable database…: everything typed stays, the visitor may try again
            self.show_failure(exc)
            return
        if "consent" in exc.errors:
            self.app.go("consent")
            return
        errors = {n: (MSG_CHOOSE_AGE if n == "age_group" else m) for n, m in exc.errors.items()}
        # back to the first step with a mistake (a prefilled answer may be one the office no longer offers)
        first = next((i for i, names in enumerate(STEPS, 1) if any(n in errors for n in names)), self.step)
        if first != self.step:
            self.show_step(first)
        self._show_errors(errors)
        self.message = MSG_CHECK

    def _saved(self, entry: gb.GuestbookEntry, visit) -> None:
        app = self.app
        for name in self._field_names():
            self._set_error(name, "")
        self.message = ""
        app.session.visit_id = visit.id
        app.session.visitor_name = entry.full_name
        app.session.visitor_email = entry.email
        app.session.language = app.lang
        app.go_next(self.screen_name)

    # --- sample content for `kiosk screenshot` ---

    screenshot_states = ("work", "about", "returning")

    def screenshot_setup(self, state: str = "") -> None:
        self.fill_choices()
        self.service_text = _("Service: {service} · number {number}").format(
            service=pick("Perpustakaan", "Library"), number="A-007")
        sample = {"full_name": "Siti Nurhaliza", "email": "siti.nurhaliza@gmail", "phone": "0812 3456 7890",
                  "institution_name": "Universitas Indonesia", "purpose_detail": "Data IPM kabupaten 2020–2024"}
        for name, value in sample.items():
            self.ids[name].text = value
        for name, value in {"gender": "p", "age_group": "20_29", "education": "s1", "occupation": "pelajar",
                            "institution_type": "universitas", "purpose": "skripsi"}.items():
            self.ids[name].value = value
        if state == "work":         # step 2 with the keyboard down: the chips
            self.show_step(2)
            self._unfocus()
            return
        if state == "about":        # step 3
            self.show_step(3)
            return
        if state == "returning":    # typing the phone number of a visitor seen before: the offer shows
            self.show_step(1)
            self.ids.email.text = "siti.nurhaliza@gmail.com"
            self._show_errors({})
            self._prefill, self._offered_for = {"institution_name": "Universitas Indonesia"}, self._who()
            self.returning = True
            self.ids.phone.focus = True
            return
        self._errors = {"email": gb.MSG_EMAIL_BAD}
        self._set_error("email", gb.MSG_EMAIL_BAD)
        self.phone_url = "http://192.168.1.10:8080/c/" + "Q" * 43      # the shape of a real one-time link
        self.phone_qr = qr_texture(self.phone_url)
        self.ids.email.focus = True
