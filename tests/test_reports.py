"""Staff reports: numbers checked against the database, real PDF bytes read back with pypdf,
CSV parsed with the csv module, and the CLI's exit codes."""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.cli import main
from kiosk.core import complaints, queue, report_tables, reports, standard, survey
from kiosk.core.clock import UTC, to_utc_naive
from kiosk.core.models import ResponseSource, SurveyResponse, Ticket, Visit
from kiosk.documents import reports_pdf

NOV = reports.Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
ROWS = [   # the hand-computed example of test_survey: IKM 81.25, grade B
    (4, 4, 3, 4, 3, 4, 4, 3, 3),
    (3, 3, 3, 4, 3, 3, 4, 3, 2),
    (4, 3, 2, 4, 3, 3, 3, 3, 3),
    (2, 3, 3, 4, 4, 3, 4, 3, 3),
]


def _utc(*args) -> dt.datetime:
    return dt.datetime(*args)      # naive UTC, as stored


def _responses():
    profiles = [("p", "20_29", "s1", "pelajar"), ("l", "30_39", "s2", "pns"),
                ("p", "20_29", "sma", "pelajar"), ("l", "", "", "")]
    for i, (row, (g, a, e, o)) in enumerate(zip(ROWS, profiles)):
        SurveyResponse.create(kiosk="k", created_at=_utc(2026, 11, 3 + i, 3, 0), gender=g, age_group=a,
                              education=e, occupation=o, comment="Ruang baca nyaman." if i == 0 else "",
                              **_official(), **{f"u{j + 1}": s for j, s in enumerate(row)})
    # 31 Oct 23:30 WIB (outside) and 30 Nov 23:30 WIB (inside): the period is in office time.
    for when, score in ((_utc(2026, 10, 31, 16, 30), 1), (_utc(2026, 11, 30, 16, 30), 4), (_utc(2026, 11, 30, 17, 0), 1)):
        SurveyResponse.create(kiosk="k", created_at=when, **_official(), **{f"u{j}": score for j in range(1, 10)})


def _official() -> dict:
    """A response given at a visit (the guestbook was filled in): the kind the official IKM counts."""
    visit = Visit.create(kiosk="k", started_at=_utc(2026, 11, 3, 2, 0))
    return {"visit": visit, "source": ResponseSource.VISIT}


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _pdf_text(path: Path) -> str:
    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_period_parsing_and_local_bounds():
    p = reports.Period.parse("2026-11-01", "2026-11-30")
    assert p == NOV and len(p) == 30
    assert p.bounds("Asia/Jakarta") == (_utc(2026, 10, 31, 17, 0), _utc(2026, 11, 30, 17, 0))
    assert reports.Period.parse("2026-11-24", "2026-11-24").bounds("Asia/Jayapura")[0] == _utc(2026, 11, 23, 15, 0)
    with pytest.raises(reports.ReportError, match="YYYY-MM-DD"):
        reports.Period.parse("24/11/2026", "2026-11-30")
    with pytest.raises(reports.ReportError, match="before"):
        reports.Period.parse("2026-11-30", "2026-11-01")


def test_ikm_report_pdf_and_csv(runtime, clock, tmp_path):
    _responses()
    report = reports.ikm_report(runtime.settings, clock, NOV, "id")
    # The four example rows plus one all-4 row on 30 Nov: totals grow by 4 per element, n = 5.
    # Σ scores = 117 + 36 = 153; IKM = 25 × 153 / (9 × 5) = 3825 / 45 = 85.00 → B.
    summary = {r.code: r.values["value"] for r in report.tables[0].rows}
    assert summary == {"respondents": 5, "ikm": Decimal("85.00"), "grade": "B", "performance": "Baik"}

    pdf = reports_pdf.write_pdf(report, tmp_path / "ikm.pdf", runtime.settings)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = _pdf_text(pdf)
    assert "85,00" in text and "B (Baik)" in text
    assert "Persyaratan" in text and "Sarana dan Prasarana" in text and "Ruang baca nyaman." in text

    out = report_tables.write_csv(report, tmp_path / "ikm.csv")
    rows = _read_csv(out)
    totals = {r["code"]: int(r["value"]) for r in rows if r["section"] == "elements" and r["measure"] == "score_total"
              and r["code"] != "total"}
    start, end = NOV.bounds("Asia/Jakarta")
    in_period = list(survey.responses_between(start, end))
    for e in survey.ELEMENTS:
        assert totals[e.code] == sum(getattr(r, e.field) for r in in_period)
    assert totals["U1"] == 13 + 4
    gender = {r["code"]: int(r["value"]) for r in rows if r["section"] == "gender" and r["measure"] == "count"}
    assert gender == {"p": 2, "l": 2, "": 1, "total": 5}
    assert next(r["value"] for r in rows if r["section"] == "summary" and r["code"] == "ikm") == "85.00"


def test_walk_up_responses_are_reported_apart_and_never_move_the_official_ikm(runtime, clock, tmp_path):
    """Issue 11.8: 30 taps of "1" without a visit turned IKM 100 (A) into 43.75 (D)."""
    visit = Visit.create(kiosk="k", started_at=_utc(2026, 11, 24, 2, 0))
    survey.submit_response(clock, "k", (4,) * 9, visit_id=visit.id)
    for i in range(30):
        survey.submit_response(clock, "k", (1,) * 9, comment="Tes" if i == 0 else "")
    day = reports.Period(dt.date(2026, 11, 24), dt.date(2026, 11, 24))
    report = reports.ikm_report(runtime.settings, clock, day, "en")
    summary = {r.code: r.values["value"] for r in report.tables[0].rows}
    assert (summary["respondents"], summary["ikm"], summary["grade"]) == (1, Decimal("100.00"), "A")
    walk_up = next(t for t in report.tables if t.key == "walk_up")
    assert {r.code: r.values["value"] for r in walk_up.rows} == {"respondents": 30, "ikm": Decimal("25.00")}
    assert walk_up.note.startswith("30 responses were given without a queue ticket or a guestbook visit.")
    comments = {t.key: [r.values["comment"] for r in t.rows] for t in report.tables if "comment" in t.key}
    assert comments == {"walk_up_comments": ["Tes"]}

    text = " ".join(_pdf_text(reports_pdf.write_pdf(report, tmp_path / "ikm.pdf", runtime.settings)).split())
    assert "IKM Grade Respondents 100.00 A (Very good) 1" in text
    assert "Walk-up responses (not part of the official IKM) Item Value Responses 30" in text
    rows = _read_csv(report_tables.write_csv(report, tmp_path / "ikm.csv"))
    assert {(r["section"], r["code"], r["value"]) for r in rows if r["section"] in ("summary", "walk_up")} >= {
        ("summary", "ikm", "100.00"), ("walk_up", "respondents", "30"), ("walk_up", "ikm", "25.00")}

    # only walk-ups in the period: no official IKM, and the report says why
    SurveyResponse.delete().where(SurveyResponse.visit == visit.id).execute()
    only = reports.ikm_report(runtime.settings, clock, day, "id")
    assert only.empty and only.empty_message.startswith("Tidak ada jawaban survei dari kunjungan")
    assert any(t.key == "walk_up" for t in only.tables)


def test_ikm_report_in_english(runtime, clock, tmp_path):
    _responses()
    report = reports.ikm_report(runtime.settings, clock, NOV, "en")
    text = _pdf_text(reports_pdf.write_pdf(report, tmp_path / "ikm-en.pdf", runtime.settings))
    assert "85.00" in text and "B (Good)" in text and "Requirements" in text


def test_empty_period_says_so(runtime, clock, tmp_path):
    _responses()
    empty = reports.Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    for kind in reports.REPORT_KINDS:
        report = reports.build(kind, runtime.settings, clock, empty, "en")
        assert report.empty
        text = _pdf_text(reports_pdf.write_pdf(report, tmp_path / f"{kind}.pdf", runtime.settings))
        assert report.empty_message in text.replace("\n", " ")
        rows = _read_csv(report_tables.write_csv(report, tmp_path / f"{kind}.csv"))
        assert any(r["code"] == "note" and r["label"] == report.empty_message for r in rows)
    report = reports.ikm_report(runtime.settings, clock, empty, "id")
    assert report.empty_message == "Tidak ada jawaban survei pada periode ini, sehingga IKM tidak dapat dihitung."


def _visit(started, **kw) -> Visit:
    return Visit.create(kiosk="k", started_at=started, **kw)


def test_visits_report_counts_match_the_database(runtime, clock, tmp_path):
    _visit(_utc(2026, 11, 2, 2, 0), service_code="A", purpose="penelitian", occupation="pelajar")
    _visit(_utc(2026, 11, 2, 16, 59), service_code="B", purpose="skripsi", occupation="pns")   # 23:59 WIB, 2 Nov
    _visit(_utc(2026, 11, 2, 17, 0), service_code="A", purpose="penelitian", occupation="")   # 00:00 WIB, 3 Nov
    _visit(_utc(2026, 11, 30, 16, 0), service_code="A", purpose="bisnis", institution_type="swasta")
    _visit(_utc(2026, 12, 1, 1, 0), service_code="A")                                        # December: outside
    report = reports.visits_report(runtime.settings, clock, NOV, "id")
    rows = _read_csv(report_tables.write_csv(report, tmp_path / "visits.csv"))
    per_day = {r["code"]: int(r["value"]) for r in rows if r["section"] == "per_day" and r["code"] != "total"}
    assert len(per_day) == 30
    assert (per_day["2026-11-02"], per_day["2026-11-03"], per_day["2026-11-30"]) == (2, 1, 1)
    start, end = NOV.bounds("Asia/Jakarta")
    in_db = Visit.select().where((Visit.started_at >= start) & (Visit.started_at < end)).count()
    assert sum(per_day.values()) == in_db == 4
    service = {r["code"]: int(r["value"]) for r in rows if r["section"] == "service" and r["measure"] == "count"}
    assert service == {"A": 3, "B": 1, "total": 4}
    occupation = {r["label"]: int(r["value"]) for r in rows if r["section"] == "occupation" and r["measure"] == "count"}
    assert occupation == {"Pelajar/Mahasiswa": 1, "PNS/TNI/Polri": 1, "(tidak dicatat)": 2, "Total": 4}
    text = _pdf_text(reports_pdf.write_pdf(report, tmp_path / "visits.pdf", runtime.settings))
    assert "Kunjungan per hari" in text and "Penelitian" in text


def test_queue_report_waits_and_the_standard(runtime, clock, tmp_path):
    day = dt.date(2026, 11, 24)

    def ticket(seq, issued_min, called_min=None, status="served", code="A", print_failed=False):
        base = _utc(2026, 11, 24, 2, 0)
        return Ticket.create(service_code=code, day=day, seq=seq, number=f"{code}-{seq:03d}", kiosk="k",
                             issued_at=base + dt.timedelta(minutes=issued_min),
                             called_at=None if called_min is None else base + dt.timedelta(minutes=called_min),
                             status=status, print_failed=print_failed)

    ticket(1, 0, 2)                                  # wait 2
    ticket(2, 0, 4)                                  # wait 4
    ticket(3, 0, 6, status="no_show")                # wait 6
    t4 = ticket(4, 0, 25, print_failed=True)         # 25 after the ticket, but 3 after the guestbook
    _visit(_utc(2026, 11, 24, 2, 1), ticket=t4, guestbook_completed_at=_utc(2026, 11, 24, 2, 22))
    ticket(5, 0, 20)                                 # wait 20
    ticket(6, 0, None, status="waiting")             # taken just now: not decided yet, left out
    ticket(7, -10, None, status="waiting")           # waiting 10 min, not called: late
    ticket(1, 0, 1, code="B")                        # wait 1
    report = reports.queue_report(runtime.settings, clock, NOV, "en")
    services = {r.code: r.values for r in report.tables[1].rows}
    a = services["A"]
    # A waits: 2, 4, 6, 3, 20 → sorted 2 3 4 6 20; median 4; p90 = ⌈0.9·5⌉ = 5th = 20.
    # Within 5 min: 2, 4, 3 → 3 of 6 decided (5 called + A-007 past the standard; A-006 pending) = 50.0 %.
    assert (a["issued"], a["called"], a["served"], a["no_show"], a["print_failed"]) == (7, 5, 4, 1, 1)
    assert (a["median_wait_min"], a["p90_wait_min"]) == (Decimal("4.0"), Decimal("20.0"))
    assert (a["within_standard"], a["within_percent"]) == (3, Decimal("50.0"))
    assert services["B"]["within_percent"] == Decimal("100.0")
    assert services["C"]["issued"] == 0 and services["C"]["median_wait_min"] is None
    total = report.tables[1].total.values
    # All: waits 1 2 3 4 6 20 → median (3+4)/2 = 3.5; within 4 of 7 = 57.1 %.
    assert (total["issued"], total["median_wait_min"], total["within_percent"]) == (8, Decimal("3.5"), Decimal("57.1"))
    rows = _read_csv(report_tables.write_csv(report, tmp_path / "queue.csv"))
    issued = sum(int(r["value"]) for r in rows if r["section"] == "services" and r["measure"] == "issued"
                 and r["code"] != "total")
    assert issued == Ticket.select().count() == 8
    text = _pdf_text(reports_pdf.write_pdf(report, tmp_path / "queue.pdf", runtime.settings))
    assert "57.1 %" in text


def test_the_status_and_the_report_count_the_standard_the_same_way(runtime, clock):
    """One definition (kiosk.core.standard): on the same day's data, ``queue status`` and the queue
    report give the same share — a number taken a minute ago is pending in both, one that has waited
    past the standard without a call is late in both."""
    s = runtime.settings
    queue.issue_ticket(s, clock, "A")                       # 09:00, called at 09:04: within
    clock.advance(4 * 60)
    queue.call_next(s, clock, "A")
    queue.issue_ticket(s, clock, "B")                       # 09:04, never called: late by 09:12
    clock.advance(7 * 60)
    queue.issue_ticket(s, clock, "A")                       # 09:11, waiting 1 min at 09:12: pending
    clock.advance(60)
    status = queue.queue_status(s, clock)
    report = reports.queue_report(s, clock, reports.Period(dt.date(2026, 11, 24), dt.date(2026, 11, 24)), "en")
    total = report.tables[1].total.values
    assert (status.within_standard, status.decided) == (1, 2)
    assert total["within_standard"] == status.within_standard == 1
    assert total["within_percent"] == Decimal("50.0") == Decimal(status.within_standard * 100 / status.decided)
    tickets = list(Ticket.select())
    share = standard.share(tickets, standard.start_times(tickets), to_utc_naive(clock.now()),
                           s.queue.service_standard_min)
    assert (share.within, share.late, share.pending) == (1, 1, 1)


def test_core_computes_the_figures_and_never_names_the_layout():
    """Issue 12.7: the PDF layout and the font search live above core (kiosk.documents)."""
    import ast

    offenders = []
    for path in sorted((Path(reports.__file__).parent).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}:{node.lineno} {n}" for n in names if n.startswith("kiosk.documents")
                          or (n.startswith("reportlab") and path.stem in ("reports", "report_tables"))]
    assert offenders == []


def test_p90_is_nearest_rank():
    assert reports.p90([5.0]) == 5.0
    assert reports.p90([float(i) for i in range(1, 11)]) == 9.0      # ⌈9⌉ = 9th of 10
    assert reports.p90([float(i) for i in range(1, 12)]) == 10.0     # ⌈9.9⌉ = 10th of 11


def test_cli_reports_and_complaints(runtime, clock, tmp_path, capsys):
    config = str(runtime.settings.source)
    _responses()
    out = tmp_path / "r" / "ikm.pdf"
    assert main(["--config", config, "report", "ikm", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--out", str(out)]) == 0
    assert "85,00" in _pdf_text(out)
    assert main(["--config", config, "report", "visits", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--format", "csv", "--out", str(tmp_path / "v.txt")]) == 0
    assert (tmp_path / "v.txt").read_text(encoding="utf-8-sig").startswith("section,code,label,measure,value")
    capsys.readouterr()
    assert main(["--config", config, "report", "ikm", "--from", "2026-11-31", "--to", "2026-11-30",
                 "--out", str(out)]) == 1
    assert capsys.readouterr().err.strip() == \
        "kiosk: --from '2026-11-31': expected a date like 2026-11-24 (YYYY-MM-DD)"
    assert main(["--config", config, "report", "queue", "--from", "2026-11-01", "--to", "2026-11-30",
                 "--out", str(tmp_path / "q.xlsx")]) == 1
    assert "--format pdf|csv is needed" in capsys.readouterr().err

    ref = complaints.file_complaint(clock, "Asia/Jakarta", "k", "staff", "Petugas loket 3 kurang ramah.").reference
    assert main(["--config", config, "complaints", "list", "--open"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[1].startswith(f"{ref}\t2026-11-24 09:00\topen\tstaff\t-\tPetugas loket 3")
    assert main(["--config", config, "complaints", "close", ref, "--note", "Sudah dibina."]) == 0
    assert capsys.readouterr().out.strip() == f"{ref} closed"
    assert main(["--config", config, "complaints", "list", "--open"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert main(["--config", config, "complaints", "close", "ADU-20990101-0001", "--note", "x"]) == 1
    assert capsys.readouterr().err.strip() == "kiosk: no complaint with reference ADU-20990101-0001"
