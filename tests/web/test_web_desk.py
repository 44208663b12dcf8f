"""Desk, display and phone page over HTTP against the real application; calls made at once by several desks."""
from __future__ import annotations

import json
import shutil
import threading

import pytest
from starlette.testclient import TestClient

from kiosk.core import calls, queue
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import Call, Ticket, TicketStatus, Visit
from kiosk.web.app import create_app
from web_helpers import desk_client, post_action

import helpers


def issue(rt, code="A", n=1):
    return [queue.issue_ticket(rt.settings, rt.clock, code).ticket for _ in range(n)]


def test_call_next_calls_the_oldest_of_the_desks_services(web_rt, clock):
    issue(web_rt, "B")
    clock.advance(60)
    issue(web_rt, "A")
    clock.advance(60)
    issue(web_rt, "C")
    client = desk_client(web_rt, services=("A", "C"))
    assert post_action(client, "call").status_code == 303
    page = client.get("/desk").text
    assert 'id="current-number">A-001<' in page
    post_action(client, "done", number="A-001")
    post_action(client, "call")
    assert 'id="current-number">C-001<' in client.get("/desk").text
    assert Ticket.get(Ticket.number == "B-001").status == TicketStatus.WAITING   # not this desk's service
    post_action(client, "call")
    assert "Tidak ada yang menunggu untuk layanan ini" in client.get("/desk").text


def test_recall_announces_again_and_done_ends_it(web_rt):
    issue(web_rt)
    client = desk_client(web_rt)
    post_action(client, "call")
    post_action(client, "recall", number="A-001")
    assert [c.recall for c in Call.select().order_by(Call.id)] == [False, True]
    post_action(client, "done", number="A-001")
    assert Ticket.get().status == TicketStatus.SERVED
    r = post_action(client, "recall", number="A-001")          # no longer being called: one sentence
    assert r.status_code == 400 and "Traceback" not in r.text


def test_waiting_list_turns_amber_at_4_and_red_past_5_minutes_from_the_guestbook(web_rt, clock):
    t = issue(web_rt)[0]
    clock.advance(120)              # the guestbook took two minutes: the standard counts from its end
    Visit.create(ticket=t.id, kiosk="k", started_at=to_utc_naive(clock.now()),
                 guestbook_completed_at=to_utc_naive(clock.now()))
    client = desk_client(web_rt)
    row = lambda: client.get("/desk/waiting").text.split("<tr class=\"")[1].split('"')[0]  # noqa: E731
    clock.advance(3 * 60 + 50)
    assert row() == "ok"
    clock.advance(20)               # 4:10 after the guestbook
    assert row() == "amber"
    clock.advance(60)               # 5:10
    assert row() == "red"


def test_two_desks_at_the_same_moment_never_get_the_same_ticket(web_rt):
    issue(web_rt, "A", 30)
    got: list[str] = []
    lock = threading.Lock()

    def desk(name: str) -> None:
        for _ in range(8):
            t = calls.call_next(web_rt.settings, web_rt.clock, name, ["A"], staff=name)
            if t is not None:
                with lock:
                    got.append(t.number)

    helpers.kiosks_at_once(web_rt.db, desk, [str(i) for i in range(1, 6)])
    assert len(got) == 30 and len(set(got)) == 30
    assert Call.select().count() == 30
    assert Ticket.select().where(Ticket.status == TicketStatus.WAITING).count() == 0


def test_display_shows_calls_and_counts_without_personal_data(web_rt):
    issue(web_rt, "A", 3)
    Visit.create(kiosk="k", started_at=to_utc_naive(web_rt.clock.now()), ticket=1, id_number_masked="3201********0001")
    client = desk_client(web_rt)
    post_action(client, "call")
    page = TestClient(create_app(web_rt, poll=False)).get("/display")
    assert page.status_code == 200
    assert "A-001" in page.text and "Perpustakaan" in page.text and "<b>2</b>" in page.text
    assert "3201" not in page.text
    state = calls.display_state(web_rt.settings, web_rt.clock).as_json()
    assert state["counters"][0] == ["1", "A-001"]
    assert state["recent"][0]["phrase"] == "Nomor antrean A satu, silakan menuju loket satu"
    json.dumps(state)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed (apt-get install espeak-ng)")
def test_each_call_has_an_indonesian_voice_wav(web_rt, tmp_path):
    issue(web_rt, "A", 7)
    client = desk_client(web_rt)
    for _ in range(7):
        post_action(client, "call")
    last = Call.select().order_by(Call.id.desc()).first()
    display = TestClient(create_app(web_rt, poll=False))
    r = display.get(f"/display/voice/{last.id}.wav")
    assert r.status_code == 200 and r.content[:4] == b"RIFF" and len(r.content) > 10_000
    assert r.headers["content-type"] == "audio/wav"
    cached = list((web_rt.settings.storage.data_dir / "voice-cache").glob("*.wav"))
    assert len(cached) == 1
    assert display.get(f"/display/voice/{last.id}.wav").content == r.content
    assert display.get("/display/chime.wav").content[:4] == b"RIFF"
    assert display.get("/display/voice/99999.wav").status_code == 404


def test_spoken_numbers():
    assert calls.call_phrase("A-007", "1") == "Nomor antrean A tujuh, silakan menuju loket satu"
    said = {11: "sebelas", 12: "dua belas", 20: "dua puluh", 21: "dua puluh satu", 100: "seratus",
            115: "seratus lima belas", 999: "sembilan ratus sembilan puluh sembilan", 1000: "seribu",
            2024: "dua ribu dua puluh empat"}
    assert {n: calls.spoken_number(n) for n in said} == said


def test_phone_page_follows_the_ticket(web_rt, clock):
    first, mine = issue(web_rt, "A", 2)
    url = calls.phone_url(web_rt.settings, mine)
    assert url.startswith("http://127.0.0.1:8080/q/") and len(url.rsplit("/", 1)[1]) >= 22
    assert calls.phone_url(web_rt.settings, mine) == url         # one token per ticket
    path = "/q/" + url.rsplit("/", 1)[1]
    phone = TestClient(create_app(web_rt, poll=False))
    page = phone.get(path)
    assert page.status_code == 200 and "A-002" in page.text and "Menunggu" in page.text
    assert "Orang di depan Anda: 1" in page.text
    desk = desk_client(web_rt)
    post_action(desk, "call")
    post_action(desk, "done", number="A-001")
    post_action(desk, "call")
    status = phone.get(path + "/status.json").json()
    assert status["status"] == "called" and status["label"] == "Dipanggil — loket 1"
    assert phone.get(path + "/status.json?lang=en").json()["label"] == "Called — counter 1"
    assert phone.get("/q/not-a-token").status_code == 404
    clock.advance(24 * 3600)                                       # the office day is over
    r = phone.get(path + "?lang=id")
    assert r.status_code == 404 and "hanya berlaku pada harinya" in r.text


def test_transfer_keeps_the_visitors_place_and_phone(web_rt, clock):
    mine = issue(web_rt, "A")[0]
    url = calls.phone_url(web_rt.settings, mine)
    clock.advance(60)
    issue(web_rt, "B")                           # B-001 came after A-001 took their number
    desk = desk_client(web_rt)
    post_action(desk, "call")
    r = post_action(desk, "transfer", number="A-001", service="B")
    assert r.status_code == 303
    assert "Dipindahkan: nomor barunya B-002." in desk.get("/desk").text
    old = Ticket.get(Ticket.number == "A-001")
    new = Ticket.get(Ticket.number == "B-002")
    assert old.status == TicketStatus.SERVED and new.status == TicketStatus.WAITING
    assert new.issued_at == old.issued_at and new.shown_at is not None
    # B's desk calls the transferred visitor first: they waited longer than B-001
    b_desk = desk_client(web_rt, name="ani", counter="2", services=("B",))
    post_action(b_desk, "call")
    assert 'id="current-number">B-002<' in b_desk.get("/desk").text
    phone = TestClient(create_app(web_rt, poll=False))
    status = phone.get("/q/" + url.rsplit("/", 1)[1] + "/status.json").json()
    assert status["number"] == "B-002" and status["label"] == "Dipanggil — loket 2"
    assert post_action(b_desk, "transfer", number="A-001", service="C").status_code == 400   # served already
