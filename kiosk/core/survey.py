"""The Survei Kepuasan Masyarakat (SKM) of PermenPAN-RB No. 14 Tahun 2017 and its IKM arithmetic.

Nine elements (unsur) in the regulation's order, each answered on a 1–4 scale. The index:

    NRR per element   = sum of that element's scores / number of respondents
    NRR weighted      = NRR × 1/9  (the nine elements weigh the same)
    IKM               = Σ NRR weighted × 25          (a value between 25 and 100)

The regulation's worked example writes the weight as 0.111, which understates every IKM by
0.1 %; we use the exact 1/9 (the issue asks for it), so IKM = 25 × (all scores) / (9 × respondents).
The arithmetic is done with exact fractions; the IKM is then rounded **half up to two
decimals, and the rounded value is what is banded** (88.305 → 88.31 → A). NRRs are shown
rounded to three decimals, the weighted NRRs to four, but never rounded before the IKM is made.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Iterable, Sequence

from peewee import IntegrityError

from kiosk.core import models
from kiosk.core.clock import Clock, to_utc_naive
from kiosk.core.db import write_transaction
from kiosk.core.errors import KioskError, NotFound, ValidationError
from kiosk.core.models import ResponseSource
from kiosk.i18n import N_

ELEMENT_COUNT = 9
COMMENT_MAX = 1000
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Answer:
    score: int
    label_id: str      # the regulation's wording, for reports
    label: str         # msgid
    icon: str          # kiosk.ui.icons name
    tone: str          # theme colour name for the face


# The faces and colours of the four values, the same for every element (value 1 → 4).
FACES: tuple[tuple[str, str], ...] = (("face-angry", "danger"), ("face-frown", "accent"),
                                      ("face-smile", "primary"), ("face-grin", "success"))


def _scale(*words: tuple[str, str]) -> tuple[Answer, ...]:
    """Four (regulation's Indonesian, English msgid) answers, value 1 → 4."""
    return tuple(Answer(score, word_id, word, *FACES[score - 1])
                 for score, (word_id, word) in enumerate(words, start=1))


# The generic words (the regulation's "mutu pelayanan"). "Kurang baik" is a negative answer: "Poor", not
# "Fair", which would soften it.
SCALE: tuple[Answer, ...] = _scale(("Tidak baik", N_("Very poor")), ("Kurang baik", N_("Poor")),
                                   ("Baik", N_("Good")), ("Sangat baik", N_("Very good")))


@dataclass(frozen=True)
class Element:
    number: int          # U1 … U9
    name_id: str         # the regulation's own name (reports are published in Indonesian)
    name: str            # msgid: the element's name in English
    question: str        # msgid: the question in plain English; Indonesian in survey.po
    # PermenPAN-RB 14/2017 words each element's four answers for its subject ("how fast?" is answered
    # "not fast … very fast", the fees "very expensive … free"), value 1 → 4
    scale: tuple[Answer, ...] = SCALE

    @property
    def code(self) -> str:
        return f"U{self.number}"

    @property
    def field(self) -> str:
        return f"u{self.number}"


_FITTING = (("Tidak sesuai", N_("Not appropriate")), ("Kurang sesuai", N_("Not quite appropriate")),
            ("Sesuai", N_("Appropriate")), ("Sangat sesuai", N_("Very appropriate")))

ELEMENTS: tuple[Element, ...] = (
    Element(1, "Persyaratan", N_("Requirements"),
            N_("Are the requirements for this service reasonable for what you came for?"), _scale(*_FITTING)),
    Element(2, "Sistem, Mekanisme, dan Prosedur", N_("Systems, mechanisms and procedures"),
            N_("How easy is the procedure of this service?"),
            _scale(("Tidak mudah", N_("Not easy")), ("Kurang mudah", N_("Not quite easy")),
                   ("Mudah", N_("Easy")), ("Sangat mudah", N_("Very easy")))),
    Element(3, "Waktu Penyelesaian", N_("Completion time"),
            N_("How fast were you served?"),
            _scale(("Tidak cepat", N_("Slow")), ("Kurang cepat", N_("Not quite fast")),
                   ("Cepat", N_("Fast")), ("Sangat cepat", N_("Very fast")))),
    Element(4, "Biaya/Tarif", N_("Cost / fees"),
            N_("Were the fees charged in line with the rules? (PST services are free of charge.)"),
            _scale(("Sangat mahal", N_("Very expensive")), ("Cukup mahal", N_("Rather expensive")),
                   ("Murah", N_("Cheap")), ("Gratis", N_("Free of charge")))),
    Element(5, "Produk Spesifikasi Jenis Pelayanan", N_("Service products"),
            N_("Did you get what the service standard promises (data, publications, consultation)?"),
            _scale(*_FITTING)),
    Element(6, "Kompetensi Pelaksana", N_("Staff competence"),
            N_("How capable were the staff in helping you?"),
            _scale(("Tidak kompeten", N_("Not competent")), ("Kurang kompeten", N_("Not quite competent")),
                   ("Kompeten", N_("Competent")), ("Sangat kompeten", N_("Very competent")))),
    Element(7, "Perilaku Pelaksana", N_("Staff behaviour"),
            N_("How polite and friendly were the staff?"),
            _scale(("Tidak sopan dan ramah", N_("Impolite and unfriendly")),
                   ("Kurang sopan dan ramah", N_("Not quite polite and friendly")),
                   ("Sopan dan ramah", N_("Polite and friendly")),
                   ("Sangat sopan dan ramah", N_("Very polite and friendly")))),
    Element(8, "Penanganan Pengaduan, Saran dan Masukan", N_("Handling of complaints, suggestions and feedback"),
            N_("How well are complaints, suggestions and feedback handled here?"),
            _scale(("Tidak ada", N_("No way to complain")),
                   ("Ada tetapi tidak berfungsi", N_("There is one, but it does not work")),
                   ("Berfungsi kurang maksimal", N_("It works, but not well enough")),
                   ("Dikelola dengan baik", N_("Well handled")))),
    Element(9, "Sarana dan Prasarana", N_("Facilities and infrastructure"),
            N_("How good are the facilities (room, seats, computers, toilets, parking)?"),
            _scale(("Buruk", N_("Bad")), ("Cukup", N_("Adequate")), ("Baik", N_("Good")),
                   ("Sangat baik", N_("Very good")))),
)
assert len(ELEMENTS) == ELEMENT_COUNT


@dataclass(frozen=True)
class Grade:
    letter: str        # A | B | C | D
    name_id: str       # "Sangat Baik" …, as published
    name: str          # msgid
    low: Decimal       # lowest two-decimal IKM in the band


# Nilai interval konversi (PermenPAN-RB 14/2017), highest band first.
GRADES: tuple[Grade, ...] = (
    Grade("A", "Sangat Baik", N_("Very good"), Decimal("88.31")),
    Grade("B", "Baik", N_("Good"), Decimal("76.61")),
    Grade("C", "Kurang Baik", N_("Poor"), Decimal("65.00")),
    Grade("D", "Tidak Baik", N_("Very poor"), Decimal("25.00")),
)


class AlreadyAnswered(KioskError):
    """This visit already has its survey response (one per visit)."""
    visitor_message = N_("You have already rated this visit. Thank you!")


def round_ikm(value: Fraction | Decimal) -> Decimal:
    """Half up to two decimals: the value that is published and banded."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def grade_for(ikm: Decimal | Fraction | float | str) -> Grade:
    """The band of an IKM, after rounding it to two decimals (88.305 → 88.31 → A)."""
    value = round_ikm(ikm if isinstance(ikm, (Decimal, Fraction)) else Decimal(str(ikm)))
    if not Decimal("25.00") <= value <= Decimal("100.00"):
        raise ValueError(f"an IKM lies between 25.00 and 100.00, got {value}")
    for grade in GRADES:
        if value >= grade.low:
            return grade
    raise AssertionError("unreachable: D starts at 25.00")


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    totals: tuple[int, ...]                 # sum of scores per element, U1 … U9
    nrr: tuple[Fraction, ...]               # exact mean score per element (empty when no respondents)
    ikm_exact: Fraction | None
    ikm: Decimal | None                     # rounded half up to 0.01; None for an empty period
    grade: Grade | None

    @property
    def empty(self) -> bool:
        return self.respondents == 0

    def nrr_shown(self, index: int, places: int = 3) -> Decimal:
        return to_places(self.nrr[index], places)

    def weighted_shown(self, index: int, places: int = 4) -> Decimal:
        return to_places(self.nrr[index] / ELEMENT_COUNT, places)

    def element_ikm(self, index: int) -> Decimal:
        """One element's NRR on the 25–100 scale (NRR × 25), to see which element pulls down."""
        return round_ikm(self.nrr[index] * 25)


def to_places(value: Fraction, places: int) -> Decimal:
    """An exact fraction shown with ``places`` decimals, half up."""
    q = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(q, rounding=ROUND_HALF_UP)


def compute_ikm(rows: Iterable[Sequence[int]]) -> IkmResult:
    """The IKM of the given answer rows (each nine scores 1–4, U1 … U9)."""
    totals = [0] * ELEMENT_COUNT
    n = 0
    for row in rows:
        scores = check_scores(row)
        for i, s in enumerate(scores):
            totals[i] += s
        n += 1
    if n == 0:
        return IkmResult(0, tuple(totals), (), None, None, None)
    nrr = tuple(Fraction(t, n) for t in totals)
    exact = sum(nrr, Fraction(0)) / ELEMENT_COUNT * 25
    ikm = round_ikm(exact)
    return IkmResult(n, tuple(totals), nrr, exact, ikm, grade_for(ikm))


def check_scores(scores: Sequence[int]) -> tuple[int, ...]:
    if len(scores) != ELEMENT_COUNT:
        raise ValidationError({"answers": N_("Please answer all nine questions.")})
    out = []
    for s in scores:
        if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= 4:
            raise ValidationError({"answers": N_("Please answer all nine questions.")})
        out.append(s)
    return tuple(out)


def has_response(visit_id: int | None, ticket_id: int | None = None) -> bool:
    """Whether this visit (or, without a visit, this ticket) has already given its official response.

    A visit and its ticket are one visitor: a response given with the ticket alone also answers for
    the visits linked to that ticket, and the other way round."""
    r = models.SurveyResponse
    if visit_id is not None:
        visit_ticket = models.Visit.select(models.Visit.ticket).where(models.Visit.id == visit_id)
        return r.select().where((r.visit == visit_id) | (r.ticket.in_(visit_ticket))).exists()
    if ticket_id is not None:
        linked = models.Visit.select(models.Visit.id).where(models.Visit.ticket == ticket_id)
        return r.select().where((r.ticket == ticket_id) | (r.visit.in_(linked))).exists()
    return False


def submit_response(clock: Clock, kiosk: str, scores: Sequence[int], *, visit_id: int | None = None,
                    ticket_id: int | None = None, language: str = "id", comment: str = "") -> models.SurveyResponse:
    """Store one response and say what it belongs to (``ResponseSource``).

    With a visit (the guestbook was filled in), its anonymous profile is copied; without one, a
    queue ticket identifies the visit. Either way a second response for the same visitor raises
    ``AlreadyAnswered`` (the unique indexes settle a race between kiosks). A response with neither
    is a walk-up: stored, reported apart, and never part of the official IKM — anyone can tap the
    screen thirty times, but only a visit the office served can rate it once."""
    answers = check_scores(scores)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": N_("The comment is too long (at most 1000 characters).")})
    db = models.database.obj
    try:
        with write_transaction(db):
            profile: dict[str, str] = {}
            link: dict[str, object] = {"source": ResponseSource.WALK_UP}
            if visit_id is not None:
                visit = models.Visit.get_or_none(models.Visit.id == visit_id)
                if visit is None:
                    raise NotFound(f"visit {visit_id} does not exist")
                profile = {k: getattr(visit, k) for k in ("gender", "age_group", "education", "occupation")}
                link = {"visit": visit_id, "source": ResponseSource.VISIT}
            elif ticket_id is not None:
                if not models.Ticket.select().where(models.Ticket.id == ticket_id).exists():
                    raise NotFound(f"ticket {ticket_id} does not exist")
                link = {"ticket": ticket_id, "source": ResponseSource.TICKET}
            if has_response(visit_id, ticket_id):
                raise AlreadyAnswered(_answered_text(visit_id, ticket_id))
            return models.SurveyResponse.create(
                kiosk=kiosk, language=language, comment=comment, created_at=to_utc_naive(clock.now()),
                **link, **{e.field: s for e, s in zip(ELEMENTS, answers)}, **profile)
    except IntegrityError:
        if has_response(visit_id, ticket_id):
            raise AlreadyAnswered(_answered_text(visit_id, ticket_id)) from None
        raise


class NotServedYet(KioskError):
    """The ticket's phone page asks for a rating before the desk has served the ticket."""
    visitor_message = N_("You can rate the service once you have been served at the desk.")


@dataclass(frozen=True)
class TicketRating:
    """Where a ticket's rating stands, for its phone page: ``state`` is ``not_yet`` (waiting, called or
    not there when called), ``open`` (served, not rated) or ``done`` (rated, at the kiosk or by phone)."""
    ticket_id: int
    number: str
    state: str


def ticket_rating(settings, clock: Clock, token: str) -> TicketRating:
    """The rating of the ticket behind a phone-page token. The token is the only key (the page never
    takes a ticket id), and it is refused as the phone page refuses it: unknown, or past its day."""
    from kiosk.core import calls         # here: calls builds on the queue, which the kiosk's steps import early

    status = calls.phone_status(settings, clock, token)
    ticket_id = models.TicketLink.get(models.TicketLink.token == (token or "")[:40]).ticket_id
    if status.status != models.TicketStatus.SERVED:
        state = "not_yet"
    else:
        state = "done" if has_response(None, ticket_id) else "open"
    return TicketRating(ticket_id, status.number, state)


def rate_ticket(settings, clock: Clock, token: str, scores: Sequence[int], *, language: str = "id",
                comment: str = "", kiosk: str = "web") -> models.SurveyResponse:
    """A rating from the ticket's phone page after the desk served it: one official response per ticket
    (or its visit), as at the kiosk. Before the ticket is served it is refused (``NotServedYet``): a
    visitor rates a service they have had."""
    rating = ticket_rating(settings, clock, token)
    if rating.state == "not_yet":
        raise NotServedYet(f"ticket {rating.number} is not served yet")
    visit = models.Visit.select(models.Visit.id).where(models.Visit.ticket == rating.ticket_id).first()
    # with the guestbook filled in, the response is the visit's (its anonymous profile goes with it)
    return submit_response(clock, kiosk, scores, visit_id=visit.id if visit else None,
                           ticket_id=None if visit else rating.ticket_id, language=language, comment=comment)


def _answered_text(visit_id: int | None, ticket_id: int | None) -> str:
    if visit_id is not None:
        return f"visit {visit_id} already has a survey response"
    return f"ticket {ticket_id} already has a survey response"


def responses_between(start: dt.datetime, end: dt.datetime, *, official: bool = True):
    """Responses with ``start <= created_at < end`` (naive UTC bounds): the official ones (one per
    visit or ticket), or with ``official=False`` the walk-up ones, which never enter the IKM."""
    r = models.SurveyResponse
    kind = (r.source != ResponseSource.WALK_UP) if official else (r.source == ResponseSource.WALK_UP)
    return r.select().where((r.created_at >= start) & (r.created_at < end) & kind).order_by(r.created_at)


def scores_of(response: models.SurveyResponse) -> tuple[int, ...]:
    return tuple(getattr(response, e.field) for e in ELEMENTS)
