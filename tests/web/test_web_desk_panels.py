"""The desk's panels over HTTP against the real application: Start, today's guestbook, lockers with held
ID cards (hand back after checking the number), softcopies held or failed (send again), complaints
(answer and close), reports as PDF/CSV, printer and outbox health, /healthz on the doctor's checks."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from kiosk.core import complaints, identity, lockers, queue
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import AuditEntry, Complaint, LockerAssignment, OutboxMail, SoftcopyRequest, Ticket, Visit, \
    Visitor
from kiosk.web.app import create_app
from starlette.testclient import TestClient
from web_helpers import csrf_of, desk_client, post_action

NIK = "3271014506900001"
SCRIPT = "<script>alert(1)</script>"


def visit(rt, name="Siti Aminah", ticket=True) -> tuple[int, str]:
    now = to_utc_naive(rt.clock.now())
    t = queue.issue_ticket(rt.settings, rt.clock, "A").ticket if ticket else None
    person = Visitor.create(full_name=name, email="s@example.com", phone="+6281234567890", created_at=now,
                            last_visit_at=now)
    v = Visit.create(visitor=person, ticket=t, kiosk="k", started_at=now, guestbook_completed_at=now)
    return v.id, t.number if t else ""


def post(client, page: str, action: str, **data):
    return client.post(action, data={"csrf": csrf_of(client.get(page).text), **data}, follow_redirects=False)


# --- Start ---

def test_start_records_serving_begun_once_and_no_show_is_refused_after(web_rt, clock):
    queue.issue_ticket(web_rt.settings, web_rt.clock, "A")
    client = desk_client(web_rt)
    post_action(client, "call")
    assert 'id="start"' in client.get("/desk").text
    clock.advance(90)
    assert post_action(client, "start", number="A-001").status_code == 303
    t = Ticket.get()
    assert t.started_at == to_utc_naive(clock.now()) and t.status == "called"
    page = client.get("/desk").text
    assert 'id="serving"' in page and 'id="start"' not in page and "/desk/no-show" not in page
    assert post_action(client, "start", number="A-001").status_code == 400       # only once
    assert post_action(client, "no-show", number="A-001").status_code == 400     # they came
    assert post_action(client, "done", number="A-001").status_code == 303
    assert Ticket.get().status == "served"
    assert AuditEntry.get(AuditEntry.action == "start").detail == "A-001 at counter 1"


def test_start_at_another_counter_is_refused(web_rt):
    queue.issue_ticket(web_rt.settings, web_rt.clock, "A")
    one = desk_client(web_rt, counter="1")
    post_action(one, "call")
    two = desk_client(web_rt, name="ani", counter="2")
    assert post_action(two, "start", number="A-001").status_code == 400
    assert Ticket.get().started_at is None


# --- guestbook ---

def test_guestbook_of_today_searched_by_name_or_number_and_escaped(web_rt, clock):
    visit(web_rt, "Siti Aminah")
    clock.advance(60)
    visit(web_rt, "Budi " + SCRIPT)
    client = desk_client(web_rt)
    page = client.get("/desk/guestbook").text
    assert "Siti Aminah" in page and "A-001" in page and "A-002" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    by_name = client.get("/desk/guestbook", params={"q": "siti"}).text
    assert "Siti Aminah" in by_name and "A-002" not in by_name
    by_number = client.get("/desk/guestbook", params={"q": "a2"}).text
    assert "A-002" in by_number and "Siti Aminah" not in by_number
    part = client.get("/desk/guestbook", params={"part": "1", "q": "nobody"}).text
    assert "<html" not in part and "Tidak ada kunjungan yang cocok" in part


# --- lockers ---

def held_locker(rt, name="Siti Aminah") -> str:
    visit_id, _ = visit(rt, name)
    key = identity.load_key(rt.settings.storage.data_dir)
    return lockers.assign(rt.db, rt.clock, visit_id, identity.protect(key, "ktp", NIK))


def test_hand_back_releases_only_when_the_typed_number_matches_the_held_card(web_rt):
    label = held_locker(web_rt, "Siti " + SCRIPT)
    client = desk_client(web_rt)
    page = client.get("/desk/lockers").text
    assert label in page and "3271********0001" in page and NIK not in page
    assert "<script>alert" not in page

    r = post(client, "/desk/lockers", "/desk/lockers/hand-back", label=label, id_number="3271014506900002")
    assert r.status_code == 303
    after = client.get("/desk/lockers").text
    assert "tidak cocok" in after and f'id="locker-{label}"' in after
    assert LockerAssignment.get().released_at is None

    post(client, "/desk/lockers", "/desk/lockers/hand-back", label=label, id_number="3271 0145 0690 0001")
    a = LockerAssignment.get()
    assert a.released_at is not None and a.id_card_returned_at is not None
    assert f'id="locker-{label}"' not in client.get("/desk/lockers").text
    details = [(e.action, e.detail) for e in AuditEntry.select().where(AuditEntry.action.startswith("id_card"))]
    assert details == [("id_card_mismatch", f"locker {label}"), ("id_card_returned", f"locker {label}")]
    assert not any(NIK in e.detail or "3271 0145" in e.detail for e in AuditEntry.select())


def test_a_locker_holding_a_card_is_not_released_without_its_number(web_rt):
    label = held_locker(web_rt)
    visit_id, _ = visit(web_rt, "Budi")
    plain = lockers.assign(web_rt.db, web_rt.clock, visit_id, None)
    client = desk_client(web_rt)
    assert post(client, "/desk/lockers", "/desk/lockers/release", label=label).status_code == 400
    assert post(client, "/desk/lockers", "/desk/lockers/release", label=plain).status_code == 303
    open_ = [a.locker.label for a in LockerAssignment.select().where(LockerAssignment.released_at.is_null())]
    assert open_ == [label]


# --- softcopies ---

def test_held_and_failed_messages_are_listed_masked_and_sent_again(web_rt):
    now = to_utc_naive(web_rt.clock.now())
    req = SoftcopyRequest.create(number="SC-1", name="Siti", email="siti.aminah@example.com", status="held",
                                 terms_accepted_at=now, created_at=now)
    held = OutboxMail.create(message_id="<1@x>", request=req, to_address="siti.aminah@example.com",
                             subject="Softcopy " + SCRIPT, eml_path="x.eml", status="held", next_attempt_at=now,
                             created_at=now, last_error="no answer after DATA")
    OutboxMail.create(message_id="<2@x>", to_address="b@example.com", subject="sent one", eml_path="y.eml",
                      status="sent", next_attempt_at=now, created_at=now)
    client = desk_client(web_rt)
    page = client.get("/desk/softcopy").text
    assert f'id="mail-{held.id}"' in page and "s***@example.com" in page and "siti.aminah@" not in page
    assert "sent one" not in page and "<script>alert" not in page
    assert post(client, "/desk/softcopy", "/desk/softcopy/resend", mail_id=str(held.id)).status_code == 303
    assert OutboxMail.get_by_id(held.id).status == "queued" and SoftcopyRequest.get().status == "queued"
    assert f'id="mail-{held.id}"' not in client.get("/desk/softcopy").text
    assert post(client, "/desk/softcopy", "/desk/softcopy/resend", mail_id=str(held.id)).status_code == 400


# --- complaints ---

def test_complaints_inbox_answer_and_close_escaped(web_rt):
    c = complaints.file_complaint(web_rt.clock, web_rt.settings.office.timezone, "k", "service",
                                  "Antrean lama " + SCRIPT, "andi@example.com")
    client = desk_client(web_rt)
    page = client.get("/desk/complaints").text
    assert c.reference in page and "<script>alert" not in page and "&lt;script&gt;" in page
    assert post(client, "/desk/complaints", "/desk/complaints/close", reference=c.reference,
                note="").status_code == 400
    r = post(client, "/desk/complaints", "/desk/complaints/close", reference=c.reference,
             note="Sudah dihubungi " + SCRIPT)
    assert r.status_code == 303
    closed = Complaint.get()
    assert closed.status == "closed" and closed.closing_note.startswith("Sudah dihubungi")
    assert f'id="complaint-{c.reference}"' not in client.get("/desk/complaints").text
    everything = client.get("/desk/complaints", params={"all": "1"}).text
    assert "Sudah dihubungi &lt;script&gt;" in everything


# --- reports ---

def test_reports_download_as_pdf_and_csv(web_rt):
    queue.issue_ticket(web_rt.settings, web_rt.clock, "A")
    client = desk_client(web_rt)
    assert "/desk/reports/download" in client.get("/desk/reports").text
    day = web_rt.clock.now().date().isoformat()
    pdf = client.get("/desk/reports/download", params={"kind": "queue", "from": day, "to": day, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-") and len(pdf.content) > 1000
    assert pdf.headers["content-type"] == "application/pdf" and "attachment" in pdf.headers["content-disposition"]
    got = client.get("/desk/reports/download", params={"kind": "queue", "from": day, "to": day, "format": "csv"})
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert got.status_code == 200 and rows[0][0] == "section" and rows[1][:2] == ["report", "queue"]
    bad = client.get("/desk/reports/download", params={"kind": "queue", "from": "kemarin", "to": day})
    assert bad.status_code == 400 and "Traceback" not in bad.text
    assert client.get("/desk/reports/download", params={"kind": "x", "from": day, "to": day}).status_code == 400


# --- health ---

def test_health_panel_runs_the_doctors_printer_and_outbox_checks(web_rt):
    now = to_utc_naive(web_rt.clock.now())
    OutboxMail.create(message_id="<1@x>", to_address="a@example.com", subject="s", eml_path="x.eml", status="held",
                      next_attempt_at=now, created_at=now)
    client = desk_client(web_rt)
    page = client.get("/desk/health").text
    for name in ("printer", "mail", "outbox", "disk"):
        assert f"<td>{name}</td>" in page
    assert "1 held" in page and 'class="amber"' in page


def test_healthz_runs_the_doctors_database_check(web_rt):
    client = TestClient(create_app(web_rt, poll=False))
    assert client.get("/healthz").text == "ok"
    path = web_rt.db.database
    web_rt.db.close()
    # damage a table's pages but not the schema: the old schema-only check still answered "ok"
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ticket'").fetchone()[0]
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\x0d\xff\xff\xff" * 8)
    client = TestClient(create_app(web_rt, poll=False))
    r = client.get("/healthz")
    assert r.status_code == 503 and "Traceback" not in r.text


def test_the_live_feed_notices_what_the_panels_show(web_rt):
    """The hub pushes when the version changes: a visit, a locker, a complaint or an outbox change made
    anywhere (a kiosk, the CLI) must change it, or the panels would wait for their timer."""
    from kiosk.core import calls

    def version():
        return calls.feed_version(web_rt.settings, web_rt.clock)

    seen = [version()]
    label = held_locker(web_rt)                     # a visit and a locker (and a ticket)
    seen.append(version())
    lockers.release(web_rt.db, web_rt.clock, label)
    seen.append(version())
    c = complaints.file_complaint(web_rt.clock, web_rt.settings.office.timezone, "k", "service", "Lama sekali", "")
    seen.append(version())
    complaints.close_complaint(web_rt.clock, c.reference, "sudah")
    seen.append(version())
    now = to_utc_naive(web_rt.clock.now())
    OutboxMail.create(message_id="<1@x>", to_address="a@example.com", subject="s", eml_path="x.eml", status="held",
                      next_attempt_at=now, created_at=now)
    seen.append(version())
    assert len(set(seen)) == len(seen)
