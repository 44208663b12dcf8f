"""The SKM survey: the nine elements, the IKM arithmetic worked by hand, the bands, one response per visit."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from kiosk.core import queue, survey
from kiosk.core.clock import to_utc_naive
from kiosk.core.errors import NotFound, ValidationError
from kiosk.core.models import ResponseSource, SurveyResponse, Visit


def test_nine_elements_in_the_regulations_order():
    assert [e.name_id for e in survey.ELEMENTS] == [
        "Persyaratan", "Sistem, Mekanisme, dan Prosedur", "Waktu Penyelesaian", "Biaya/Tarif",
        "Produk Spesifikasi Jenis Pelayanan", "Kompetensi Pelaksana", "Perilaku Pelaksana",
        "Penanganan Pengaduan, Saran dan Masukan", "Sarana dan Prasarana"]
    assert [e.code for e in survey.ELEMENTS] == [f"U{i}" for i in range(1, 10)]
    assert [a.score for a in survey.SCALE] == [1, 2, 3, 4]
    assert [a.label_id for a in survey.SCALE] == ["Tidak baik", "Kurang baik", "Baik", "Sangat baik"]


def test_each_element_answers_in_the_regulations_own_words():
    """Issue 14.9: the scales of PermenPAN-RB 14/2017 per element (../shared/skm-scales.md), values 1-4."""
    scales = {e.code: [a.label_id for a in e.scale] for e in survey.ELEMENTS}
    assert scales == {
        "U1": ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        "U2": ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
        "U3": ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
        "U4": ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"],
        "U5": ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
        "U6": ["Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"],
        "U7": ["Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"],
        "U8": ["Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"],
        "U9": ["Buruk", "Cukup", "Baik", "Sangat baik"],
    }
    for e in survey.ELEMENTS:
        assert [a.score for a in e.scale] == [1, 2, 3, 4]
        assert [a.icon for a in e.scale] == [a.icon for a in survey.SCALE]     # the same faces everywhere
    # a negative answer stays negative in English
    assert [a.label for a in survey.SCALE] == ["Very poor", "Poor", "Good", "Very good"]
    assert survey.grade_for("70").name == "Poor"
    assert "Fair" not in {a.label for e in survey.ELEMENTS for a in e.scale}


def test_hand_computed_ikm_of_four_respondents():
    rows = [
        (4, 4, 3, 4, 3, 4, 4, 3, 3),   # 32
        (3, 3, 3, 4, 3, 3, 4, 3, 2),   # 28
        (4, 3, 2, 4, 3, 3, 3, 3, 3),   # 28
        (2, 3, 3, 4, 4, 3, 4, 3, 3),   # 29
    ]
    result = survey.compute_ikm(rows)
    # Column sums: U1 4+3+4+2=13, U2 4+3+3+3=13, U3 3+3+2+3=11, U4 4·4=16, U5 3+3+3+4=13,
    # U6 4+3+3+3=13, U7 4+4+3+4=15, U8 3·4=12, U9 3+2+3+3=11.
    assert result.respondents == 4
    assert result.totals == (13, 13, 11, 16, 13, 13, 15, 12, 11)
    # NRR = sum / 4: 3.25 3.25 2.75 4.00 3.25 3.25 3.75 3.00 2.75
    assert [float(x) for x in result.nrr] == [3.25, 3.25, 2.75, 4.0, 3.25, 3.25, 3.75, 3.0, 2.75]
    # Σ NRR = 29.25; × 1/9 = 3.25; × 25 = 81.25 → band B (76.61–88.30)
    assert result.ikm_exact == Fraction(8125, 100)
    assert result.ikm == Decimal("81.25")
    assert result.grade.letter == "B" and result.grade.name_id == "Baik"
    assert result.weighted_shown(0) == Decimal("0.3611")        # 3.25 / 9 = 0.36111…
    assert result.element_ikm(2) == Decimal("68.75")            # U3: 2.75 × 25


def test_ikm_with_a_repeating_fraction():
    rows = [(4,) * 9, (4,) * 8 + (3,), (4,) * 5 + (3,) + (4,) * 3]
    # Scores: 36 + 35 + 35 = 106 over 3 respondents × 9 elements.
    # IKM = 25 × 106 / 27 = 2650 / 27 = 98.148148… → 98.15 → A
    result = survey.compute_ikm(rows)
    assert result.ikm_exact == Fraction(2650, 27)
    assert result.ikm == Decimal("98.15")
    assert result.grade.letter == "A"
    assert result.nrr_shown(5) == Decimal("3.667")              # U6: (4+4+3)/3 = 3.666…


def test_ikm_rounds_half_up_where_float_rounding_would_not():
    rows = [(3,) * 9] * 7 + [(4,) * 9]
    # Every NRR = (7·3 + 4) / 8 = 25/8 = 3.125; IKM = 3.125 × 25 = 78.125 → 78.13 (half up).
    assert round(3.125 * 25, 2) == 78.12     # what float rounding would have published
    result = survey.compute_ikm(rows)
    assert result.ikm == Decimal("78.13")
    assert result.grade.letter == "B"


@pytest.mark.parametrize("ikm, letter", [
    ("100.00", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"),
    ("65.00", "C"), ("64.99", "D"), ("25.00", "D"),
    ("88.305", "A"),      # rounded to 88.31 before banding
    ("88.3049", "B"),     # rounded to 88.30
    ("64.995", "C"),      # rounded to 65.00
])
def test_band_edges(ikm, letter):
    assert survey.grade_for(Decimal(ikm)).letter == letter


def test_band_names_are_the_regulations():
    assert [(g.letter, g.name_id) for g in survey.GRADES] == [
        ("A", "Sangat Baik"), ("B", "Baik"), ("C", "Kurang Baik"), ("D", "Tidak Baik")]


def test_an_ikm_outside_25_to_100_is_refused():
    with pytest.raises(ValueError):
        survey.grade_for(Decimal("24.99"))
    with pytest.raises(ValueError):
        survey.grade_for(Decimal("100.01"))


def test_empty_period_has_no_ikm_and_no_division():
    result = survey.compute_ikm([])
    assert result.empty and result.respondents == 0
    assert result.ikm is None and result.grade is None and result.nrr == ()


@pytest.mark.parametrize("bad", [(4,) * 8, (4,) * 10, (0,) + (4,) * 8, (5,) + (4,) * 8, (True,) + (4,) * 8])
def test_bad_answer_rows_are_refused(bad):
    with pytest.raises(ValidationError) as err:
        survey.check_scores(bad)
    assert err.value.errors == {"answers": "Please answer all nine questions."}


def _visit(clock, **profile) -> Visit:
    return Visit.create(kiosk="kiosk-1", started_at=to_utc_naive(clock.now()), **profile)


def test_one_response_per_visit_with_the_profile_copied(runtime, clock):
    visit = _visit(clock, gender="p", age_group="20_29", education="s1", occupation="pelajar",
                   institution_type="universitas")
    saved = survey.submit_response(clock, "kiosk-1", (4, 3, 3, 4, 3, 4, 4, 2, 3), visit_id=visit.id,
                                   language="en", comment="  Ruang baca nyaman.  ")
    row = SurveyResponse.get_by_id(saved.id)
    assert (row.u1, row.u2, row.u8, row.u9) == (4, 3, 2, 3)
    assert row.visit_id == visit.id and row.language == "en" and row.kiosk == "kiosk-1"
    assert (row.gender, row.age_group, row.education, row.occupation) == ("p", "20_29", "s1", "pelajar")
    assert row.comment == "Ruang baca nyaman."
    assert survey.has_response(visit.id)

    with pytest.raises(survey.AlreadyAnswered) as err:
        survey.submit_response(clock, "kiosk-2", (1,) * 9, visit_id=visit.id)
    assert err.value.visitor_message == "You have already rated this visit. Thank you!"
    assert SurveyResponse.select().count() == 1


def test_walk_up_responses_are_stored_apart_and_never_enter_the_official_ikm(runtime, clock):
    """Issue 11.8: 30 taps of "1" without a visit turned IKM 100 (A) into 43.75 (D)."""
    visit = _visit(clock)
    survey.submit_response(clock, "kiosk-1", (4,) * 9, visit_id=visit.id)
    for _ in range(30):
        survey.submit_response(clock, "kiosk-1", (1,) * 9)
    assert SurveyResponse.select().count() == 31
    assert not survey.has_response(None)
    start, end = to_utc_naive(clock.now()) - dt.timedelta(hours=1), to_utc_naive(clock.now()) + dt.timedelta(hours=1)
    official = list(survey.responses_between(start, end))
    walk_up = list(survey.responses_between(start, end, official=False))
    assert [r.source for r in official] == [ResponseSource.VISIT] and len(walk_up) == 30
    assert {r.source for r in walk_up} == {ResponseSource.WALK_UP}
    result = survey.compute_ikm(survey.scores_of(r) for r in official)
    assert (result.respondents, result.ikm, result.grade.letter) == (1, Decimal("100.00"), "A")


def test_a_ticket_without_a_guestbook_rates_once_and_answers_for_its_visits(runtime, clock):
    ticket = queue.issue_ticket(runtime.settings, clock, "A").ticket
    saved = survey.submit_response(clock, "kiosk-1", (3,) * 9, ticket_id=ticket.id)
    assert (saved.source, saved.ticket_id, saved.visit_id) == (ResponseSource.TICKET, ticket.id, None)
    assert survey.has_response(None, ticket.id)
    with pytest.raises(survey.AlreadyAnswered):
        survey.submit_response(clock, "kiosk-2", (1,) * 9, ticket_id=ticket.id)
    # the same visitor fills in the guestbook afterwards: the ticket's response already counts for them
    visit = _visit(clock, ticket=ticket)
    assert survey.has_response(visit.id)
    with pytest.raises(survey.AlreadyAnswered):
        survey.submit_response(clock, "kiosk-2", (1,) * 9, visit_id=visit.id, ticket_id=ticket.id)
    # and the other way round: a visit that rated first closes its ticket
    other = queue.issue_ticket(runtime.settings, clock, "A").ticket
    survey.submit_response(clock, "kiosk-1", (4,) * 9, visit_id=_visit(clock, ticket=other).id)
    with pytest.raises(survey.AlreadyAnswered):
        survey.submit_response(clock, "kiosk-2", (1,) * 9, ticket_id=other.id)
    with pytest.raises(NotFound):
        survey.submit_response(clock, "kiosk-1", (3,) * 9, ticket_id=999)
    assert SurveyResponse.select().count() == 2


def test_unknown_visit_and_long_comment_are_refused(runtime, clock):
    with pytest.raises(NotFound):
        survey.submit_response(clock, "kiosk-1", (3,) * 9, visit_id=999)
    with pytest.raises(ValidationError) as err:
        survey.submit_response(clock, "kiosk-1", (3,) * 9, comment="x" * 1001)
    assert "comment" in err.value.errors
    assert SurveyResponse.select().count() == 0


def test_a_race_on_the_unique_index_is_reported_as_already_answered(runtime, clock, monkeypatch):
    visit = _visit(clock)
    survey.submit_response(clock, "kiosk-1", (3,) * 9, visit_id=visit.id)
    # Another kiosk checked before this one wrote: the check passes, the unique index refuses.
    monkeypatch.setattr(survey, "has_response", _fake_then_real())
    with pytest.raises(survey.AlreadyAnswered):
        survey.submit_response(clock, "kiosk-2", (4,) * 9, visit_id=visit.id)
    assert SurveyResponse.select().count() == 1


def _fake_then_real():
    calls = []

    def has_response(visit_id, ticket_id=None):
        calls.append(visit_id)
        if len(calls) == 1:
            return False
        return SurveyResponse.select().where(SurveyResponse.visit == visit_id).exists()
    return has_response
