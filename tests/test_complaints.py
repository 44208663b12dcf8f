"""Complaints: validation, daily reference numbers that stay unique across kiosks, closing."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import complaints, privacy
from kiosk.core.clock import UTC
from kiosk.core.config import sqlite_path
from kiosk.core.errors import KioskError, LimitReached, NotFound, ValidationError
from kiosk.core.models import Complaint
from helpers import kiosks_at_once

ZONE = "Asia/Jakarta"


def _file(clock, text="Antrean terlalu lama di loket 2.", **kw):
    return complaints.file_complaint(clock, ZONE, "kiosk-1", kw.pop("category", "service"), text, **kw)


def test_references_count_per_local_day(runtime, clock):
    clock.set(dt.datetime(2026, 11, 24, 2, 0, tzinfo=UTC))          # 09:00 WIB, 24 Nov
    assert [_file(clock).reference for _ in range(3)] == [
        "ADU-20261124-0001", "ADU-20261124-0002", "ADU-20261124-0003"]
    clock.set(dt.datetime(2026, 11, 24, 17, 30, tzinfo=UTC))        # 00:30 WIB, already 25 Nov
    assert _file(clock).reference == "ADU-20261125-0001"


def test_a_complaint_is_stored_with_its_fields(runtime, clock):
    c = _file(clock, "  AC di ruang baca mati sejak pagi.  ", category="facility",
              contact=" +62 812-3456-7890 ", language="en")
    row = Complaint.get(Complaint.reference == c.reference)
    assert (row.category, row.text, row.contact, row.language, row.status) == (
        "facility", "AC di ruang baca mati sejak pagi.", "+62 812-3456-7890", "en", "open")
    assert row.visit_id is None and row.kiosk == "kiosk-1"


def test_anonymous_is_allowed(runtime, clock):
    assert _file(clock, contact="").contact == ""


@pytest.mark.parametrize("category, text, contact, field", [
    ("", "Antrean terlalu lama di loket 2.", "", "category"),
    ("parking", "Antrean terlalu lama di loket 2.", "", "category"),
    ("service", "lama", "", "text"),
    ("service", "   " + "a" * 5 + "   ", "", "text"),
    ("service", "x" * 2001, "", "text"),
    ("service", "Antrean terlalu lama di loket 2.", "budi@", "contact"),
    ("service", "Antrean terlalu lama di loket 2.", "12ab", "contact"),
])
def test_bad_input_names_its_field(runtime, clock, category, text, contact, field):
    with pytest.raises(ValidationError) as err:
        complaints.file_complaint(clock, ZONE, "kiosk-1", category, text, contact)
    assert list(err.value.errors) == [field]
    assert Complaint.select().count() == 0


def test_close_and_list(runtime, clock):
    a, b = _file(clock), _file(clock)
    clock.advance(3600)
    closed = complaints.close_complaint(clock, b.reference.lower(), "  Loket 2 ditambah petugas.  ")
    assert closed.status == "closed" and closed.closing_note == "Loket 2 ditambah petugas."
    assert closed.closed_at == dt.datetime(2026, 11, 24, 3, 0)
    assert [c.reference for c in complaints.list_complaints()] == [a.reference, b.reference]
    assert [c.reference for c in complaints.list_complaints(open_only=True)] == [a.reference]
    with pytest.raises(KioskError, match="already closed"):
        complaints.close_complaint(clock, b.reference, "lagi")
    with pytest.raises(NotFound):
        complaints.close_complaint(clock, "ADU-20990101-0001", "x")
    with pytest.raises(KioskError, match="closing note is required"):
        complaints.close_complaint(clock, a.reference, "   ")


def test_three_kiosk_threads_never_share_a_reference(runtime, clock):
    # peewee gives each thread its own connection to the file, as separate kiosk processes would have.
    per_thread = 8

    def kiosk(name: str) -> None:
        for _ in range(per_thread):
            complaints.file_complaint(clock, ZONE, name, "other", "Saran: tambah colokan listrik.")

    kiosks_at_once(runtime.db, kiosk, [f"kiosk-{i}" for i in range(3)])
    refs = [c.reference for c in Complaint.select()]
    assert len(refs) == len(set(refs)) == 3 * per_thread
    assert sorted(refs)[-1] == f"ADU-20261124-{3 * per_thread:04d}"


def test_what_the_visitor_typed_is_purged_after_the_retention(runtime, clock):
    """Issue 11.13: the text was never purged, so a typed NIK survived; now text and contact go together."""
    nik = "3271011234560001"
    old = _file(clock, f"Nama saya Budi, NIK {nik}, data tidak dikirim.", contact="budi@example.com")
    complaints.close_complaint(clock, old.reference, "Data dikirim ulang.")
    clock.advance(366 * 86400)
    new = _file(clock, contact="+6281234567890")
    assert complaints.purge_contacts(clock, 365) == 1
    purged = Complaint.get_by_id(old.id)
    assert (purged.text, purged.contact) == ("", "")
    # the record stays: reference, category, dates, status and the staff's note
    assert (purged.reference, purged.category, purged.status, purged.closing_note) == (
        old.reference, "service", "closed", "Data dikirim ulang.")
    kept = Complaint.get_by_id(new.id)
    assert (kept.text, kept.contact) == (new.text, "+6281234567890")
    assert complaints.purge_contacts(clock, 365) == 0


def test_the_privacy_purge_leaves_no_trace_of_a_typed_nik_in_the_database_file(runtime, clock):
    nik = "3271011234560001"
    _file(clock, f"Nama saya Budi, NIK {nik}, data tidak dikirim.")
    clock.advance(366 * 86400)
    result = privacy.purge(runtime.db, runtime.settings, clock)
    assert result.complaints == 1
    runtime.close()
    path = sqlite_path(runtime.settings)
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            assert nik.encode() not in file.read_bytes(), file


def test_one_kiosk_takes_a_few_complaints_per_minute_then_asks_to_wait(runtime, clock):
    """Issue 11.11: complaints per kiosk per minute are limited (config, default 3)."""
    limit = runtime.settings.complaints.per_kiosk_per_minute
    assert limit == 3

    def file(kiosk="kiosk-1"):
        return complaints.file_complaint(clock, ZONE, kiosk, "service", "Antrean terlalu lama di loket 2.",
                                         per_minute=limit)

    for _ in range(limit):
        file()
        clock.advance(10)
    with pytest.raises(complaints.TooManyComplaints) as err:
        file()
    assert isinstance(err.value, LimitReached)
    assert err.value.visitor_message.startswith("Thank you. This kiosk has just received several complaints")
    assert "per_kiosk_per_minute" in str(err.value)
    assert file("kiosk-2").reference == "ADU-20261124-0004"     # another kiosk is not held back
    clock.advance(31)                                             # the first one is now 61 s old
    assert file().reference == "ADU-20261124-0005"
    assert Complaint.select().where(Complaint.kiosk == "kiosk-1").count() == limit + 1
