"""Privacy: the full ID number never reaches the database file or the log; the purge removes
personal data older than the retention (also from the file's bytes) and keeps the counts."""
from __future__ import annotations

import datetime as dt
import logging

import pytest

from kiosk.cli import main as cli
from kiosk.core import guestbook as gb
from kiosk.core import identity, lockers, privacy
from kiosk.core.config import sqlite_path
from kiosk.core.errors import ValidationError
from kiosk.core.logs import setup_logging
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import Complaint, SoftcopyRequest, Visit, Visitor
from pg_server import on_postgres, postgres_server, postgres_url  # noqa: F401  (fixtures)

NIK = "3271014506900001"
TODAY = dt.date(2026, 11, 24)


def entry(settings, name="Siti Nurhaliza", email="siti.n@example.co.id", phone="081234567890"):
    return gb.validate({
        "full_name": name, "email": email, "phone": phone, "gender": "p", "age_group": "20_29",
        "education": "s1", "occupation": "pelajar", "institution_name": "Universitas Padjadjaran",
        "institution_type": "universitas", "purpose": "skripsi", "purpose_detail": "Tabel kemiskinan 2024",
    }, settings, TODAY)


def visit(runtime, clock, **kw) -> int:
    return gb.complete(entry(runtime.settings, **kw), db=runtime.db, clock=clock, kiosk="k1", language="id",
                       consent_at=clock.now(), consent_version="2026-1").id


def file_bytes(runtime) -> bytes:
    db = sqlite_path(runtime.settings)
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_full_id_number_never_reaches_the_database_or_the_log(runtime, clock):
    data = runtime.settings.storage.data_dir
    log_file = setup_logging(data, "DEBUG", to_stderr=False)
    logging.getLogger("peewee").setLevel(logging.DEBUG)      # every SQL statement and its parameters
    try:
        key = identity.load_or_create_key(data)
        v = visit(runtime, clock)
        typed = "3271 0145 0690 0001"
        for bad in ("3271 0145 0690 000", "3271013206900001"):     # mistakes typed on the way
            try:
                identity.protect(key, "ktp", bad)
            except ValidationError as exc:
                logging.getLogger("kiosk.test").info("rejected: %s", exc)
        card = identity.protect(key, "ktp", typed)
        label = lockers.assign(runtime.db, clock, v, card)
        lockers.statuses()
        lockers.release(runtime.db, clock, label)
    finally:
        for h in list(logging.getLogger().handlers):
            if type(h).__name__ in ("KioskLogFile", "KioskStderr"):
                h.flush()
                h.close()
                logging.getLogger().removeHandler(h)
        logging.getLogger("peewee").setLevel(logging.NOTSET)
    stored = file_bytes(runtime)
    logged = log_file.read_bytes()
    assert b"3271********0001" in stored            # the grep works: the masked form is there
    assert b"INSERT INTO" in logged                 # and the log really holds the SQL
    for needle in (NIK, "32710145069000", "0145 0690", "3271013206900001"):
        assert needle.encode() not in stored, needle
        assert needle.encode("utf-16-le") not in stored, needle
        assert needle.encode() not in logged, needle
    row = Visit.get_by_id(v)
    assert row.id_number_hash == identity.id_hash(key, "ktp", NIK)


def test_purge_anonymises_old_data_and_keeps_counts(runtime, clock, capsys):
    old = visit(runtime, clock, name="Lama Sekali", email="lama@example.com", phone="081111111111")
    key = identity.load_key(runtime.settings.storage.data_dir)
    lockers.assign(runtime.db, clock, old, identity.protect(key, "ktp", NIK))
    both_old = visit(runtime, clock, name="Dua Kali", email="dua@example.com", phone="082222222222")
    now = to_utc_naive(clock.now())
    SoftcopyRequest.create(number="SC-20261124-0001", name="Lama Sekali", email="lama.sc@example.com",
                           terms_accepted_at=now, created_at=now)
    Complaint.create(reference="ADU-20261124-0001", kiosk="k1", category="service", text="Antrean lama sekali",
                     contact="lama.adu@example.com", created_at=now)
    # no contact given, but a NIK typed into the text (issue 11.13)
    Complaint.create(reference="ADU-20261124-0002", kiosk="k1", category="service",
                     text=f"Kartu saya NIK {NIK} belum dikembalikan", created_at=now)
    clock.advance(200 * 86400)
    both_new = visit(runtime, clock, name="Dua Kali", email="dua@example.com", phone="082222222222")
    clock.advance(170 * 86400)                     # 370 days after the first visits
    recent = visit(runtime, clock, name="Baru Datang", email="baru@example.com", phone="083333333333")

    config = str(runtime.config_path)
    dry = privacy.purge(runtime.db, runtime.settings, clock, dry_run=True)
    assert (dry.visitors, dry.visits, dry.visits_kept, dry.softcopy_requests, dry.complaints) == (1, 2, 4, 1, 2)
    assert Visitor.get(Visitor.full_name == "Lama Sekali")

    result = privacy.purge(runtime.db, runtime.settings, clock)
    assert (result.visitors, result.visits, result.visits_kept) == (1, 2, 4)
    assert (result.softcopy_requests, result.complaints) == (1, 2)
    request = SoftcopyRequest.get()
    assert (request.name, request.email) == (None, None)
    assert [(c.reference, c.text, c.contact) for c in Complaint.select().order_by(Complaint.id)] == [
        ("ADU-20261124-0001", "", ""), ("ADU-20261124-0002", "", "")]
    gone = Visit.get_by_id(old)
    assert gone.visitor_id is None and gone.anonymised_at is not None
    assert (gone.id_number_masked, gone.id_number_hash, gone.purpose_detail) == ("", "", "")
    assert (gone.gender, gone.age_group, gone.purpose, gone.consent_version) == ("p", "20_29", "skripsi", "2026-1")
    assert Visitor.select().where(Visitor.anonymised_at.is_null(False)).count() == 1
    person = Visitor.get(Visitor.anonymised_at.is_null(False))
    assert (person.full_name, person.email, person.phone, person.institution_name) == (None, None, None, "")
    # the visitor who came back keeps their data, but their old visit no longer points at them
    assert Visit.get_by_id(both_old).visitor_id is None
    assert Visit.get_by_id(both_new).visitor.full_name == "Dua Kali"
    assert Visit.get_by_id(recent).visitor.email == "baru@example.com"
    # counts for reports: every visit is still there, with its anonymous profile
    assert Visit.select().where(Visit.gender == "p").count() == 4
    # the removed text is gone from the file itself, not just from the rows
    stored = file_bytes(runtime)
    for text in (b"Lama Sekali", b"lama@example.com", b"+6281111111111", b"3271********0001",
                 b"lama.sc@example.com", b"lama.adu@example.com", b"Antrean lama sekali", NIK.encode()):
        assert text not in stored, text
    assert b"Baru Datang" in stored
    # purging again changes nothing
    again = privacy.purge(runtime.db, runtime.settings, clock)
    assert (again.visitors, again.visits) == (0, 0)
    runtime.close()
    assert cli(["--config", config, "privacy", "purge", "--dry-run"]) == 0      # the CLI runs on the real clock
    out = capsys.readouterr().out
    assert "would anonymise 0 visitor(s) and 0 visit(s) older than 365 days" in out
    assert "the text and contact of 0 complaint(s)" in out
    assert cli(["--config", config, "privacy", "purge"]) == 0
    assert "anonymised 0 visitor(s) and 0 visit(s)" in capsys.readouterr().out


def test_notice_names_what_why_how_long_and_who(runtime):
    texts = privacy.notice(runtime.settings, "id")
    assert [head for head, _ in texts] == ["Apa yang kami catat", "Untuk apa", "Berapa lama", "Siapa yang dihubungi"]
    joined = " ".join(body for _, body in texts)
    assert "365 hari" in joined and "BPS Kota Contoh" in joined
    en = " ".join(body for _, body in privacy.notice(runtime.settings, "en"))
    assert "after 365 days" in en
    # one name for the contact in each language (the glossary: "Petugas PST", "PST staff"), not both at once
    assert "data Anda: Petugas PST, BPS Kota Contoh" in joined and "PST staff" not in joined
    assert "your data: PST staff, BPS Kota Contoh" in en and "Petugas" not in en


@pytest.mark.postgres
def test_guestbook_purge_and_visits_list_on_postgres(tmp_path, postgres_url, clock):  # noqa: F811
    from helpers import make_runtime
    from kiosk.core import visits

    rt = make_runtime(tmp_path, clock=clock, replace=on_postgres(postgres_url))
    try:
        old = visit(rt, clock, name="Lama Sekali", email="lama@example.com", phone="081111111111")
        key = identity.load_or_create_key(rt.settings.storage.data_dir)
        lockers.assign(rt.db, clock, old, identity.protect(key, "ktp", NIK))
        rows = visits.visits_of_day(rt.settings, dt.date(2026, 11, 24))
        assert [(r["full_name"], r["locker"], r["id_number_masked"]) for r in rows] == [
            ("Lama Sekali", "L01", "3271********0001")]
        assert gb.find_returning("Lama Sekali", "lama@example.com", "0811-1111-1111") is not None
        clock.advance(366 * 86400)
        recent = visit(rt, clock, name="Baru Datang", email="baru@example.com", phone="083333333333")
        result = privacy.purge(rt.db, rt.settings, clock)
        assert (result.visitors, result.visits, result.visits_kept) == (1, 1, 2)
        assert gb.find_returning("Lama Sekali", "lama@example.com", "0811-1111-1111") is None
        assert Visit.get_by_id(old).visitor_id is None and Visit.get_by_id(recent).visitor.full_name == "Baru Datang"
    finally:
        rt.close()
