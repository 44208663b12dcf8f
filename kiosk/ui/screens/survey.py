"""The satisfaction survey (SKM): nine questions one at a time, an optional comment, then thanks.

A tap on an answer records it, keeps the chosen face highlighted for ``CHOSEN_S`` (the visitor sees what
was taken) and then moves on; taps meanwhile are ignored — a quick double tap once answered two questions; "Previous" goes back with the earlier answer still
highlighted. One response per visit (the guestbook visit, else the queue ticket): a visit that
already has one is told so at once, and a race with another kiosk is caught when saving
(``survey.AlreadyAnswered``). Without either it is a walk-up response, kept out of the official IKM."""
from __future__ import annotations

from kivy.clock import Clock
from kivy.graphics import Color, RoundedRectangle
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.core import survey
from kiosk.core.errors import ValidationError
from kiosk.ui.screens.base import KioskScreen

QUESTIONS, COMMENT, ALREADY = "questions", "comment", "already"
CHOSEN_S = 0.4      # how long the chosen face stays highlighted before the next question


class StepPage(BoxLayout):
    """One step of a screen (shown by ``StepPages``)."""
    name = StringProperty("")


class StepPages(BoxLayout):
    """Shows exactly one of its ``StepPage`` children, the one named ``current``.

    A ScreenManager inside a screen can leave two screens drawn when ``current`` changes twice
    within a frame; this holds the pages aside and swaps one child, with no transition at all."""
    current = StringProperty("")

    def __init__(self, **kwargs):
        self._pages: list[StepPage] = []
        super().__init__(**kwargs)

    def add_widget(self, widget, *args, **kwargs):
        if isinstance(widget, StepPage):
            # kv sets the page's name after adding it: look names up when showing, not here.
            self._pages.append(widget)
            widget.bind(name=lambda *a: self._show())
            self._show()
            return None
        return super().add_widget(widget, *args, **kwargs)

    def on_current(self, *args) -> None:
        self._show()

    def _show(self) -> None:
        if not self._pages:
            return
        want = next((p for p in self._pages if p.name == self.current), self._pages[0])
        if want.parent is self:
            return
        for child in list(self.children):
            if isinstance(child, StepPage):
                self.remove_widget(child)
        super().add_widget(want)


class AnswerButton(ButtonBehavior, BoxLayout):
    """One of the four big answers: a face and its word."""
    score = NumericProperty(0)
    icon = StringProperty("")
    label = StringProperty("")       # msgid
    tone = StringProperty("primary")
    selected = BooleanProperty(False)


class RecapRow(BoxLayout):
    """One answered element: its name, then the chosen face and words (msgids; translated in kv)."""
    name = StringProperty("")
    word = StringProperty("")
    icon = StringProperty("")
    tone = StringProperty("primary")


class AnswerRecap(BoxLayout):
    """The nine answers before sending, one line each (portrait's comment step has the height for them)."""
    answers = ListProperty([])

    def on_answers(self, *args) -> None:
        rows = self.ids.rows
        rows.clear_widgets()
        for element, score in zip(survey.ELEMENTS, self.answers):
            if score:
                chosen = element.scale[score - 1]
                rows.add_widget(RecapRow(name=element.name, word=chosen.label, icon=chosen.icon, tone=chosen.tone))


class SurveyScreen(KioskScreen):
    screen_name = "survey"
    step = StringProperty(QUESTIONS)
    index = NumericProperty(0)                    # 0 … 8: which question is shown
    answers = ListProperty([0] * survey.ELEMENT_COUNT)
    _moving_on = None           # the scheduled move to the next question while the chosen face shows
    #: larger text beside a keyboard on a landscape screen: the comment step folds its "optional" line into
    #: the box's hint (kv: app.large_text)
    brief = BooleanProperty(False)

    def on_pre_enter(self, *args):
        self.restart()
        visit_id, ticket_id = self.app.session.visit_id, self.app.session.ticket_id
        if visit_id is not None or ticket_id is not None:
            self.look_up(lambda: survey.has_response(visit_id, ticket_id), self._answered_before,
                         "checking for a rating")

    def _answered_before(self, answered: bool) -> None:
        if answered and self.step == QUESTIONS and self.index == 0:
            self.step = ALREADY

    def restart(self) -> None:
        if self._moving_on is not None:
            self._moving_on.cancel()
            self._moving_on = None
        self.step, self.index, self.message = QUESTIONS, 0, ""
        self.answers = [0] * survey.ELEMENT_COUNT
        if "comment" in self.ids:
            self.ids.comment.text = ""

    def clear(self) -> None:
        super().clear()
        self.restart()

    # --- the visitor's taps ---

    def choose(self, score: int) -> None:
        if self._moving_on is not None or self.step != QUESTIONS:
            return              # the previous answer is still showing: a second tap is not an answer
        answers = list(self.answers)
        answers[self.index] = score
        self.answers = answers
        self._moving_on = Clock.schedule_once(self._move_on, CHOSEN_S)

    def _move_on(self, *args) -> None:
        self._moving_on = None
        if self.index < survey.ELEMENT_COUNT - 1:
            self.index += 1
        else:
            self.step = COMMENT

    def previous(self) -> None:
        if self._moving_on is not None:
            return
        if self.step == COMMENT:
            self.step = QUESTIONS
        elif self.index > 0:
            self.index -= 1

    def skip(self) -> None:
        self.app.go_next(self.screen_name)

    def submit(self) -> None:
        app = self.app
        clock, kiosk, answers, comment = app.runtime.clock, app.settings.kiosk.name, list(self.answers), \
            self.ids.comment.text
        visit_id, ticket_id, lang = app.session.visit_id, app.session.ticket_id, app.lang
        self.message = ""
        self.in_background(lambda: survey.submit_response(clock, kiosk, answers, visit_id=visit_id,
                                                          ticket_id=ticket_id, language=lang, comment=comment),
                           self._saved, self._not_saved)

    def _saved(self, response) -> None:
        self.restart()
        self.app.go_next(self.screen_name)

    def _not_saved(self, exc: BaseException) -> None:
        if isinstance(exc, survey.AlreadyAnswered):
            self.step = ALREADY
        elif isinstance(exc, ValidationError):
            self.message = exc.errors.get("comment") or exc.errors.get("answers") or ""
            if "answers" in exc.errors:
                self.step, self.index = QUESTIONS, self.answers.index(0) if 0 in self.answers else 0
        else:
            # storage faults and bugs: the one handler; the answers stay so the visitor can try again
            self.show_failure(exc)

    def finish(self) -> None:
        self.app.go_next(self.screen_name)

    screenshot_states = (COMMENT, ALREADY)

    def screenshot_setup(self, state: str = "") -> None:
        self.restart()
        if state == COMMENT:
            self.answers = [4, 3, 3, 4, 3, 4, 4, 3, 3]
            self.index = survey.ELEMENT_COUNT - 1
            self.ids.comment.text = "Ruang baca nyaman, tetapi Wi-Fi sering putus."
            self.step = COMMENT
        elif state == ALREADY:
            self.step = ALREADY
        else:
            self.answers = [4, 3, 0, 0, 0, 0, 0, 0, 0]
            self.index = 2



class StepBar(Widget):
    """Nine segments: answered ones filled, the current one in the accent colour."""
    count = NumericProperty(survey.ELEMENT_COUNT)
    current = NumericProperty(0)
    answered = ListProperty([])
    colors = ListProperty([])        # [done, current, todo]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, current=self.redraw, answered=self.redraw,
                  colors=self.redraw, count=self.redraw)

    def redraw(self, *args) -> None:
        self.canvas.clear()
        if len(self.colors) < 3 or not self.count:
            return
        gap = dp(10)
        width = (self.width - gap * (self.count - 1)) / self.count
        with self.canvas:
            for i in range(int(self.count)):
                done = i < len(self.answered) and self.answered[i]
                Color(rgba=self.colors[1] if i == self.current else (self.colors[0] if done else self.colors[2]))
                RoundedRectangle(pos=(self.x + i * (width + gap), self.y), size=(width, self.height),
                                 radius=[self.height / 2])
