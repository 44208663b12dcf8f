"""Complaints, the survey and the IKM report on a real PostgreSQL server shared by several kiosks."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import complaints, queue, reports, survey
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import Complaint, SurveyResponse, Visit
from pg_server import pg_runtime, postgres_server, postgres_url  # noqa: F401  (fixtures)
from helpers import kiosks_at_once

pytestmark = pytest.mark.postgres

def test_three_kiosks_filing_at_once_get_distinct_consecutive_references(pg_runtime, clock):
    def kiosk(name: str) -> None:
        for _ in range(10):
            complaints.file_complaint(clock, "Asia/Jakarta", name, "other", "Saran: tambah colokan listrik.")

    kiosks_at_once(pg_runtime.db, kiosk, [f"kiosk-{i}" for i in range(3)])
    refs = sorted(c.reference for c in Complaint.select())
    assert refs == [f"ADU-20261124-{n:04d}" for n in range(1, 31)]


def test_one_response_per_visit_and_the_ikm_report_on_postgres(pg_runtime, clock):
    visit = Visit.create(kiosk="k", started_at=to_utc_naive(clock.now()), gender="p")
    survey.submit_response(clock, "k", (4, 4, 3, 4, 3, 4, 4, 3, 3), visit_id=visit.id)
    with pytest.raises(survey.AlreadyAnswered):
        survey.submit_response(clock, "k2", (1,) * 9, visit_id=visit.id)
    ticket = queue.issue_ticket(pg_runtime.settings, clock, "A").ticket
    survey.submit_response(clock, "k", (3, 3, 3, 4, 3, 3, 4, 3, 2), ticket_id=ticket.id)
    with pytest.raises(survey.AlreadyAnswered):
        survey.submit_response(clock, "k2", (1,) * 9, ticket_id=ticket.id)
    survey.submit_response(clock, "k", (1,) * 9)          # a walk-up: kept apart
    # Σ = 32 + 28 = 60 over 2 respondents: IKM = 25 × 60 / 18 = 83.333… → 83.33 → B
    report = reports.ikm_report(pg_runtime.settings, clock, reports.Period(dt.date(2026, 11, 24), dt.date(2026, 11, 24)))
    summary = {r.code: r.values["value"] for r in report.tables[0].rows}
    assert (summary["respondents"], str(summary["ikm"]), summary["grade"]) == (2, "83.33", "B")
    walk_up = next(t for t in report.tables if t.key == "walk_up")
    assert walk_up.rows[0].values["value"] == 1
    assert SurveyResponse.select().count() == 3
