"""Guestbook: every field's good and bad forms, random Unicode, the database round trip,
returning visitors (name, e-mail and phone), the visit record and `kiosk visits list`."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kiosk.cli import main as cli
from kiosk.core import guestbook as gb
from kiosk.core.clock import UTC, to_utc_naive
from kiosk.core.errors import ValidationError
from kiosk.core.models import Ticket, Visit, Visitor

TODAY = dt.date(2026, 11, 24)

GOOD = {
    "full_name": "Siti Nurhaliza", "email": "siti.n@example.co.id", "phone": "0812-3456-7890",
    "gender": "p", "age_group": "20_29", "birth_year": "", "education": "s1", "occupation": "pelajar",
    "institution_name": "Universitas Indonesia", "institution_type": "universitas",
    "purpose": "skripsi", "purpose_detail": "Data IPM kabupaten 2020–2025",
}


def form(**changes) -> dict:
    return {**GOOD, **changes}


def errors_of(runtime, **changes) -> dict:
    with pytest.raises(ValidationError) as err:
        gb.validate(form(**changes), runtime.settings, TODAY)
    return err.value.errors


# --- names ---

@pytest.mark.parametrize("raw, clean", [
    ("Sukarno", "Sukarno"),                              # one word
    ("  siti   nurhaliza ", "siti nurhaliza"),
    ("Ma'ruf Amin", "Ma'ruf Amin"),
    ("Ma\u2019ruf", "Ma\u2019ruf"),
    ("Moh. Hatta", "Moh. Hatta"),
    ("Ni Luh Putu Ayu-Sari", "Ni Luh Putu Ayu-Sari"),
    ("José Ramos-Horta", "José Ramos-Horta"),
    ("Jose\u0301", "Jos\u00e9"),                          # NFC
    ("ꦱꦶꦠꦶ", "ꦱꦶꦠꦶ"),                                    # Javanese script
    ("김민준", "김민준"),
])
def test_good_names(raw, clean):
    assert gb.clean_name(raw) == clean


@pytest.mark.parametrize("raw, msg", [
    ("", gb.MSG_NAME_EMPTY), ("   ", gb.MSG_NAME_EMPTY),
    ("Budi 2", gb.MSG_NAME_CHARS), ("budi@mail", gb.MSG_NAME_CHARS), ("<script>", gb.MSG_NAME_CHARS),
    ("'.-", gb.MSG_NAME_CHARS), ("Budi\u200b", gb.MSG_NAME_CHARS), ("Budi\x00", gb.MSG_NAME_CHARS),
    ("A" * 121, gb.MSG_NAME_LONG),
])
def test_bad_names(raw, msg):
    with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        gb.clean_name(raw)


# --- e-mail ---

@pytest.mark.parametrize("raw, clean", [
    ("andi@gmail.com", "andi@gmail.com"),
    (" Andi.Saputra@BPS.go.id ", "andi.saputra@bps.go.id"),
    ("a+tag@sub.example.ac.id", "a+tag@sub.example.ac.id"),
    ("o'neil@x-y.org", "o'neil@x-y.org"),
])
def test_good_emails(raw, clean):
    assert gb.clean_email(raw) == clean


@pytest.mark.parametrize("raw, msg", [
    ("", gb.MSG_EMAIL_EMPTY), ("andi", gb.MSG_EMAIL_BAD), ("andi@", gb.MSG_EMAIL_BAD),
    ("@gmail.com", gb.MSG_EMAIL_BAD), ("andi@gmail", gb.MSG_EMAIL_BAD), ("andi@@gmail.com", gb.MSG_EMAIL_BAD),
    ("an di@gmail.com", gb.MSG_EMAIL_BAD), ("andi..s@gmail.com", gb.MSG_EMAIL_BAD),
    (".andi@gmail.com", gb.MSG_EMAIL_BAD), ("andi@-gmail.com", gb.MSG_EMAIL_BAD),
    ("andi@gmail.c", gb.MSG_EMAIL_BAD), ("sïti@gmail.com", gb.MSG_EMAIL_BAD),
    ("a" * 65 + "@gmail.com", gb.MSG_EMAIL_BAD), ("a@" + "b" * 250 + ".com", gb.MSG_EMAIL_BAD),
])
def test_bad_emails(raw, msg):
    with pytest.raises(ValueError) as err:
        gb.clean_email(raw)
    assert str(err.value) == msg


# --- phone ---

@pytest.mark.parametrize("raw, e164", [
    ("081234567890", "+6281234567890"),
    ("0812-3456-7890", "+6281234567890"),
    ("0812 3456 7890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("+62-812-3456-7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("(0812) 345-678", "+62812345678"),            # shortest: 0812-345-678
    ("0812345678901", "+62812345678901"),
    ("81234567890", "+6281234567890"),
    ("+44 7911 123456", "+447911123456"),           # a foreign researcher's number
])
def test_good_phones(raw, e164):
    assert gb.clean_phone(raw) == e164


@pytest.mark.parametrize("raw, msg", [
    ("", gb.MSG_PHONE_EMPTY), ("0812", gb.MSG_PHONE_BAD), ("0812345", gb.MSG_PHONE_BAD),
    ("08123456789012", gb.MSG_PHONE_BAD), ("0212345678", gb.MSG_PHONE_BAD),   # a Jakarta landline
    ("0812-3456-789O", gb.MSG_PHONE_BAD), ("+62 21 345678", gb.MSG_PHONE_BAD),
    ("0800000000", gb.MSG_PHONE_BAD), ("++6281234567890", gb.MSG_PHONE_BAD), ("+0123456789", gb.MSG_PHONE_BAD),
    ("٠٨١٢٣٤٥٦٧٨٩٠", gb.MSG_PHONE_BAD),                                       # Arabic-Indic digits
])
def test_bad_phones(raw, msg):
    with pytest.raises(ValueError) as err:
        gb.clean_phone(raw)
    assert str(err.value) == msg


# --- birth year, choices, free text, the whole form ---

def test_birth_year_and_derived_age_group(runtime):
    entry = gb.validate(form(age_group="", birth_year="1990"), runtime.settings, TODAY)
    assert entry.birth_year == 1990 and entry.age_group == "30_39"
    assert gb.validate(form(age_group="", birth_year="2010"), runtime.settings, TODAY).age_group == "u20"
    assert gb.validate(form(age_group="", birth_year="1950"), runtime.settings, TODAY).age_group == "60p"
    assert errors_of(runtime, age_group="", birth_year="") == {"age_group": gb.MSG_AGE}
    for bad in ("90", "1890", "2025", "19x0", "١٩٩٠"):
        assert errors_of(runtime, birth_year=bad) == {"birth_year": gb.MSG_BIRTH_YEAR}


def test_choices_come_from_the_config(runtime):
    assert errors_of(runtime, gender="x") == {"gender": gb.MSG_CHOOSE}
    assert errors_of(runtime, education="", occupation="pns2") == {
        "education": gb.MSG_CHOOSE, "occupation": gb.MSG_CHOOSE}
    assert errors_of(runtime, purpose=None, institution_type=7) == {
        "purpose": gb.MSG_CHOOSE, "institution_type": gb.MSG_CHOOSE}


def test_free_text(runtime):
    entry = gb.validate(form(institution_name="  PT. Maju & Jaya (Tbk.)  ", purpose_detail=""),
                        runtime.settings, TODAY)
    assert entry.institution_name == "PT. Maju & Jaya (Tbk.)" and entry.purpose_detail == ""
    assert errors_of(runtime, institution_name="x" * 161) == {"institution_name": gb.MSG_INSTITUTION_LONG}
    assert errors_of(runtime, purpose_detail="y" * 301) == {"purpose_detail": gb.MSG_DETAIL_LONG}
    assert errors_of(runtime, purpose_detail="ok\x07") == {"purpose_detail": gb.MSG_TEXT_CHARS}
    assert errors_of(runtime, institution_name="\u202eevil") == {"institution_name": gb.MSG_TEXT_CHARS}


def test_every_bad_field_is_reported_at_once(runtime):
    with pytest.raises(ValidationError) as err:
        gb.validate({}, runtime.settings, TODAY)
    assert err.value.errors == {
        "full_name": gb.MSG_NAME_EMPTY, "email": gb.MSG_EMAIL_EMPTY, "phone": gb.MSG_PHONE_EMPTY,
        "gender": gb.MSG_CHOOSE, "age_group": gb.MSG_AGE, "education": gb.MSG_CHOOSE,
        "occupation": gb.MSG_CHOOSE, "institution_type": gb.MSG_CHOOSE, "purpose": gb.MSG_CHOOSE}


# --- random Unicode: only validation errors, and valid data round-trips unchanged ---

@pytest.mark.parametrize("field", gb.TEXT_FIELDS)
def test_random_unicode_never_raises_anything_but_a_validation_error(runtime, field):
    seen = {"ok": 0, "bad": 0}

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.text(max_size=400))
    def check(text):
        try:
            gb.validate(form(**{field: text}), runtime.settings, TODAY)
            seen["ok"] += 1
        except ValidationError as exc:
            assert list(exc.errors) == [field], exc.errors
            seen["bad"] += 1

    check()
    assert seen["bad"] > 0 and seen["ok"] + seen["bad"] >= 1000


names = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Lo", "Mn")), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=names, inst=st.text(max_size=160), detail=st.text(max_size=300),
       phone=st.from_regex(r"08[1-9][0-9]{7,10}", fullmatch=True))
def test_valid_data_round_trips_through_the_database(runtime, name, inst, detail, phone):
    try:
        entry = gb.validate(form(full_name=name, institution_name=inst, purpose_detail=detail, phone=phone),
                            runtime.settings, TODAY)
    except ValidationError:
        return
    visit = gb.complete(entry, db=runtime.db, clock=runtime.clock, kiosk="k1", language="id",
                        consent_at=runtime.clock.now(), consent_version="2026-1")
    stored = Visit.get_by_id(visit.id)
    person = stored.visitor
    assert gb.GuestbookEntry(
        full_name=person.full_name, email=person.email, phone=person.phone, gender=person.gender,
        age_group=person.age_group, birth_year=person.birth_year, education=person.education,
        occupation=person.occupation, institution_name=person.institution_name,
        institution_type=person.institution_type, purpose=stored.purpose,
        purpose_detail=stored.purpose_detail) == entry
    assert gb.validate({**gb.prefill_from(person), **{k: getattr(entry, k) for k in (
        "full_name", "email", "phone", "purpose", "purpose_detail")}}, runtime.settings, TODAY) == entry


# --- the visit ---

def _ticket(clock) -> Ticket:
    return Ticket.create(service_code="A", day=TODAY, seq=7, number="A-007", kiosk="k1",
                         issued_at=to_utc_naive(clock.now()))


def test_complete_links_ticket_consent_and_times(runtime, clock):
    ticket = _ticket(clock)
    entry = gb.validate(GOOD, runtime.settings, TODAY)
    consent = clock.now()
    clock.advance(95)
    visit = gb.complete(entry, db=runtime.db, clock=clock, kiosk="kiosk-1", language="en",
                        consent_at=consent, consent_version="2026-1", ticket_id=ticket.id)
    v = Visit.get_by_id(visit.id)
    assert v.ticket_id == ticket.id and v.service_code == "A" and v.language == "en"
    assert v.consent_at == to_utc_naive(consent) and v.consent_version == "2026-1"
    assert v.guestbook_completed_at == to_utc_naive(clock.now())
    assert (v.gender, v.age_group, v.education, v.occupation, v.institution_type, v.purpose) == (
        "p", "20_29", "s1", "pelajar", "universitas", "skripsi")
    assert v.visitor.full_name == "Siti Nurhaliza" and v.visitor.phone == "+6281234567890"
    # going back and correcting keeps the first completion time (the service standard's start)
    clock.advance(60)
    again = gb.complete(gb.validate(form(purpose="penelitian"), runtime.settings, TODAY), db=runtime.db,
                        clock=clock, kiosk="kiosk-1", language="en", consent_at=consent,
                        consent_version="2026-1", ticket_id=ticket.id, visit_id=visit.id)
    assert again.id == visit.id and Visit.select().count() == 1
    v = Visit.get_by_id(visit.id)
    assert v.purpose == "penelitian" and v.guestbook_completed_at == to_utc_naive(consent) + dt.timedelta(seconds=95)


def test_no_consent_no_visit(runtime, clock):
    entry = gb.validate(GOOD, runtime.settings, TODAY)
    with pytest.raises(ValidationError) as err:
        gb.complete(entry, db=runtime.db, clock=clock, kiosk="k", language="id", consent_at=None,
                    consent_version="2026-1")
    assert err.value.errors == {"consent": gb.MSG_CONSENT}
    assert Visit.select().count() == 0 and Visitor.select().count() == 0


def test_visit_without_ticket_is_fine(runtime, clock):
    visit = gb.complete(gb.validate(GOOD, runtime.settings, TODAY), db=runtime.db, clock=clock, kiosk="k",
                        language="id", consent_at=clock.now(), consent_version="v", ticket_id=None)
    assert Visit.get_by_id(visit.id).ticket_id is None


def _complete(runtime, clock, **changes):
    return gb.complete(gb.validate(form(**changes), runtime.settings, TODAY), db=runtime.db, clock=clock,
                       kiosk="k", language="id", consent_at=clock.now(), consent_version="v")


def test_returning_visitor_needs_full_name_email_and_phone(runtime, clock):
    _complete(runtime, clock)
    assert gb.find_returning("Siti Nurhaliza", "siti.n@example.co.id", "") is None
    assert gb.find_returning("Siti Nurhaliza", "siti.n@example.co.id", "0812-3456-7899") is None   # wrong phone
    assert gb.find_returning("Siti Nurhaliza", "other@example.co.id", "0812-3456-7890") is None    # wrong e-mail
    assert gb.find_returning("", "siti.n@example.co.id", "0812-3456-7890") is None                 # no name
    assert gb.find_returning("Siti", "siti.n@example.co.id", "0812-3456-7890") is None             # part of it
    found = gb.find_returning(" siti  NURHALIZA ", " SITI.N@example.co.id", "+62 812 3456 7890")   # other spellings
    assert found is not None
    prefill = gb.prefill_from(found)
    assert prefill["institution_name"] == "Universitas Indonesia" and prefill["education"] == "s1"
    assert not {"full_name", "email", "phone"} & set(prefill)      # never a name, nor what was typed


def test_a_family_phone_never_rewrites_an_earlier_visit_nor_leaks_its_answers(runtime, clock):
    """Issue 11.7: a second person with the same e-mail + phone overwrote visit 1 and got its answers."""
    first = _complete(runtime, clock, birth_year="1990", age_group="30_39")
    clock.advance(3600)
    second = _complete(runtime, clock, full_name="Budi Nurhaliza", institution_name="SMA 1 Bogor",
                       birth_year="2008", age_group="u20", gender="l")
    one, two = Visit.get_by_id(first.id).visitor, Visit.get_by_id(second.id).visitor
    assert (one.full_name, one.institution_name, one.birth_year, one.gender) == (
        "Siti Nurhaliza", "Universitas Indonesia", 1990, "p")
    assert (two.full_name, two.institution_name, two.birth_year, two.gender) == (
        "Budi Nurhaliza", "SMA 1 Bogor", 2008, "l")
    # each name gets back only its own answers; another name on that phone gets nothing
    assert gb.find_returning("Ani Nurhaliza", "siti.n@example.co.id", "0812-3456-7890") is None
    assert gb.prefill_from(gb.find_returning("Siti Nurhaliza", "siti.n@example.co.id", "081234567890"))[
        "birth_year"] == "1990"
    assert gb.prefill_from(gb.find_returning("Budi Nurhaliza", "siti.n@example.co.id", "081234567890"))[
        "institution_name"] == "SMA 1 Bogor"


def test_a_changed_answer_is_kept_for_the_new_visit_only(runtime, clock):
    first = _complete(runtime, clock)
    clock.advance(86400)
    same = _complete(runtime, clock)                        # nothing changed: the same answers are reused
    assert Visitor.select().count() == 1 and Visit.get_by_id(same.id).visitor_id == Visit.get_by_id(first.id).visitor_id
    clock.advance(86400)
    moved = _complete(runtime, clock, institution_name="BPS Kota Bogor", occupation="pns")
    assert Visit.get_by_id(first.id).visitor.institution_name == "Universitas Indonesia"
    assert Visit.get_by_id(moved.id).visitor.institution_name == "BPS Kota Bogor"
    assert gb.prefill_from(gb.find_returning("Siti Nurhaliza", "siti.n@example.co.id", "081234567890"))[
        "institution_name"] == "BPS Kota Bogor"           # the latest answers are offered


def test_correcting_the_form_leaves_no_stray_answers(runtime, clock):
    visit = _complete(runtime, clock, institution_name="Univ Indonesa")
    again = gb.complete(gb.validate(form(), runtime.settings, TODAY), db=runtime.db, clock=clock, kiosk="k",
                        language="id", consent_at=clock.now(), consent_version="v", visit_id=visit.id)
    assert again.id == visit.id
    assert [v.institution_name for v in Visitor.select()] == ["Universitas Indonesia"]


def test_visits_list_csv(runtime, clock, capsys):
    ticket = _ticket(clock)
    gb.complete(gb.validate(form(purpose_detail="=HYPERLINK(\"x\")"), runtime.settings, TODAY), db=runtime.db,
                clock=clock, kiosk="kiosk-1", language="id", consent_at=clock.now(), consent_version="2026-1",
                ticket_id=ticket.id)
    clock.set(dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC))   # 01:00 WIB on the 25th: another day
    tomorrow = gb.validate(form(full_name="Besok Saja", phone="0813-0000-1111"), runtime.settings, TODAY)
    gb.complete(tomorrow, db=runtime.db, clock=clock, kiosk="kiosk-1", language="id", consent_at=clock.now(),
                consent_version="2026-1")
    config = str(runtime.config_path)
    runtime.close()
    assert cli(["--config", config, "visits", "list", "--date", "2026-11-24"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1
    row = rows[0]
    assert row["full_name"] == "Siti Nurhaliza" and row["ticket"] == "A-007" and row["service"] == "A"
    assert row["started"] == "2026-11-24 09:00:00" and row["phone"] == "+6281234567890"
    assert row["purpose_detail"].startswith("'=")            # no formula in a spreadsheet
    assert cli(["--config", config, "visits", "list", "--date", "2026-11-25", "--anonymous"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["gender"] for r in rows] == ["p"] and "full_name" not in rows[0] and "email" not in rows[0]
    with pytest.raises(SystemExit):
        cli(["--config", config, "visits", "list", "--date", "24-11-2026"])
