"""The service rating on the ticket's phone page ``/q/<token>/rate`` (issue 14 item 9: rated after being
served, not at the kiosk before the desk) and the element-specific answer words online (issue 16 item 5),
over HTTP against the real application; the offer appearing live in a phone-sized chromium."""
from __future__ import annotations

import datetime as dt
import shutil

import httpx2
import pytest
from starlette.testclient import TestClient

from kiosk.core import calls, queue, survey
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import ResponseSource, SurveyResponse, Visit
from kiosk.web.app import create_app
from web_helpers import logged_in, make_account
from web_helpers import PASSWORD, csrf_of, desk_client, live_server, post_action

ALL_TIME = (dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1))


def ticket_path(rt) -> tuple[object, str]:
    ticket = queue.issue_ticket(rt.settings, rt.clock, "A").ticket
    return ticket, "/q/" + calls.phone_url(rt.settings, ticket).rsplit("/", 1)[1]


def serve(desk, number: str) -> None:
    assert post_action(desk, "call").status_code == 303
    assert post_action(desk, "done", number=number).status_code == 303


def answers(client: TestClient, path: str, **changes) -> dict:
    # the session's token (any form page shows it: the rate page has no form before service)
    return {"csrf": csrf_of(client.get("/login").text), **{f"u{n}": "3" for n in range(1, 10)}, **changes}


def test_a_served_ticket_offers_the_rating_and_not_before(web_rt):
    ticket, path = ticket_path(web_rt)
    phone = TestClient(create_app(web_rt, poll=False))
    page = phone.get(path).text
    assert '<p id="rate-offer" hidden>' in page
    assert phone.get(path + "/status.json").json()["rating"] == "not_yet"
    early = phone.get(path + "/rate")
    assert 'id="not-yet"' in early.text and "setelah dilayani di loket" in early.text and "<form" not in early.text
    refused = phone.post(path + "/rate", data=answers(phone, path))         # a hand-made POST before service
    assert refused.status_code == 409 and 'id="not-yet"' in refused.text
    assert SurveyResponse.select().count() == 0

    serve(desk_client(web_rt), ticket.number)
    page = phone.get(path).text
    assert '<p id="rate-offer">' in page and "Beri penilaian layanan" in page
    assert f'href="{path}/rate?lang=id"' in page
    assert phone.get(path + "?lang=en").text.count("Rate the service") >= 1
    assert phone.get(path + "/status.json").json()["rating"] == "open"


def test_the_form_words_each_element_its_own_way_and_the_rating_counts_once_in_the_ikm(web_rt):
    ticket, path = ticket_path(web_rt)
    serve(desk_client(web_rt), ticket.number)
    phone = TestClient(create_app(web_rt, poll=False))
    form = phone.get(path + "/rate").text
    for words in ("Tidak cepat", "Sangat cepat", "Sangat mahal", "Gratis", "Tidak sesuai", "Sangat kompeten"):
        assert f"<span>{words}</span>" in form
    assert "<span>Tidak baik</span>" not in form                 # the generic words answer no element
    assert form.count('type="radio"') == 9 * 4
    english = phone.get(path + "/rate?lang=en").text
    assert "<span>Free of charge</span>" in english and "<span>Not quite fast</span>" in english

    done = phone.post(path + "/rate", data=answers(phone, path, u3="4", comment="cepat sekali"))
    assert done.status_code == 200 and 'id="thanks"' in done.text
    row = SurveyResponse.get()
    assert (row.source, row.ticket_id, row.u3, row.u1, row.comment) == (ResponseSource.TICKET, ticket.id, 4, 3,
                                                                         "cepat sekali")
    assert [r.id for r in survey.responses_between(*ALL_TIME)] == [row.id]      # official IKM
    again = phone.post(path + "/rate", data=answers(phone, path))
    assert again.status_code == 409 and 'id="already"' in again.text and "Traceback" not in again.text
    assert SurveyResponse.select().count() == 1
    assert phone.get(path + "/status.json").json()["rating"] == "done"
    page = phone.get(path).text
    assert '<p id="rate-offer" hidden>' in page and '<p id="rate-done" class="muted">' in page


def test_a_ticket_rated_at_the_kiosk_is_not_rated_again_by_phone(web_rt):
    ticket, path = ticket_path(web_rt)
    now = to_utc_naive(web_rt.clock.now())
    visit = Visit.create(ticket=ticket.id, kiosk="k", started_at=now, guestbook_completed_at=now)
    survey.submit_response(web_rt.clock, "k", [4] * 9, visit_id=visit.id)        # the kiosk's own survey step
    serve(desk_client(web_rt), ticket.number)
    phone = TestClient(create_app(web_rt, poll=False))
    assert 'id="already"' in phone.get(path + "/rate").text
    assert phone.post(path + "/rate", data=answers(phone, path)).status_code == 409
    assert SurveyResponse.select().count() == 1


def test_a_served_visit_with_a_guestbook_rates_as_its_visit(web_rt):
    ticket, path = ticket_path(web_rt)
    now = to_utc_naive(web_rt.clock.now())
    visit = Visit.create(ticket=ticket.id, kiosk="k", started_at=now, guestbook_completed_at=now)
    serve(desk_client(web_rt), ticket.number)
    phone = TestClient(create_app(web_rt, poll=False))
    assert phone.post(path + "/rate", data=answers(phone, path)).status_code == 200
    row = SurveyResponse.get()
    assert row.source == ResponseSource.VISIT and row.visit_id == visit.id
    assert [r.id for r in survey.responses_between(*ALL_TIME)] == [row.id]


def test_csrf_is_required(web_rt):
    ticket, path = ticket_path(web_rt)
    serve(desk_client(web_rt), ticket.number)
    phone = TestClient(create_app(web_rt, poll=False))
    data = answers(phone, path)
    assert phone.post(path + "/rate", data={**data, "csrf": ""}).status_code == 403
    other = TestClient(create_app(web_rt, poll=False))                           # another browser's token
    assert other.post(path + "/rate", data=data).status_code == 403
    assert SurveyResponse.select().count() == 0


def test_one_tickets_page_cannot_rate_for_another(web_rt):
    mine, my_path = ticket_path(web_rt)
    theirs, their_path = ticket_path(web_rt)
    desk = desk_client(web_rt)
    serve(desk, mine.number)
    phone = TestClient(create_app(web_rt, poll=False))
    # the other ticket is not served: its page cannot rate, whatever the form says
    r = phone.post(their_path + "/rate", data=answers(phone, their_path, ticket_id=str(mine.id),
                                                       ticket=str(mine.id), token=my_path.rsplit("/", 1)[1]))
    assert r.status_code == 409 and SurveyResponse.select().count() == 0
    serve(desk, theirs.number)
    assert phone.post(their_path + "/rate", data=answers(phone, their_path, ticket_id=str(mine.id))).status_code == 200
    assert [r.ticket_id for r in SurveyResponse.select()] == [theirs.id]      # the token's ticket, not the field's
    assert phone.get(my_path + "/status.json").json()["rating"] == "open"
    assert phone.get("/q/not-a-token/rate").status_code == 404
    assert phone.post("/q/not-a-token/rate", data=answers(phone, my_path)).status_code == 404


def test_hostile_comment_is_escaped_and_kept_on_a_form_error(web_rt):
    ticket, path = ticket_path(web_rt)
    serve(desk_client(web_rt), ticket.number)
    phone = TestClient(create_app(web_rt, poll=False))
    hostile = '<script>alert("x")</script>'
    r = phone.post(path + "/rate", data=answers(phone, path, u9="", comment=hostile))
    assert r.status_code == 400 and 'role="alert"' in r.text and "sembilan" in r.text.lower()
    assert hostile not in r.text and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in r.text
    assert 'value="3" required checked' in r.text                               # the answers given stay chosen
    assert SurveyResponse.select().count() == 0


def test_the_link_of_a_past_day_cannot_rate(web_rt, clock):
    ticket, path = ticket_path(web_rt)
    serve(desk_client(web_rt), ticket.number)
    phone = TestClient(create_app(web_rt, poll=False))
    data = answers(phone, path)
    clock.advance(24 * 3600)
    r = phone.post(path + "/rate", data=data)
    assert r.status_code == 404 and "hanya berlaku pada harinya" in r.text
    assert SurveyResponse.select().count() == 0


def test_the_online_rating_uses_each_elements_own_words(runtime):
    make_account(runtime)
    client = logged_in(runtime)
    page = client.get("/library/rate").text
    for words in ("Tidak cepat", "Sangat cepat", "Gratis", "Dikelola dengan baik"):
        assert f"> {words}</label>" in page
    assert "> Tidak baik</label>" not in page
    assert "> Free of charge</label>" in client.get("/library/rate?lang=en").text


CHROMIUM = shutil.which("chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_in_a_phone_sized_chromium_the_offer_appears_when_the_desk_marks_the_ticket_done(web_rt):
    sync_api = pytest.importorskip("playwright.sync_api")
    ticket, path = ticket_path(web_rt)
    with sync_api.sync_playwright() as p, live_server(web_rt, poll=False) as base:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                        has_touch=True).new_page()
            errors: list[str] = []
            phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            phone.goto(base + path)
            assert not phone.is_visible("#rate-offer")
            phone.wait_for_timeout(300)                         # its event stream opens
            # the desk works in the live server (its push reaches the phone's event stream)
            with httpx2.Client(base_url=base) as staff:
                token = csrf_of(staff.get("/login").text)
                staff.post("/login", data={"name": "budi", "password": PASSWORD, "csrf": token,
                                           "next": "/desk"})
                staff.post("/desk/setup", data={"csrf": csrf_of(staff.get("/desk").text), "counter": "1",
                                                "services": ["A"]})
                staff.post("/desk/call", data={"csrf": csrf_of(staff.get("/desk").text)})
                phone.wait_for_function(
                    "() => document.getElementById('label').textContent === 'Dipanggil — loket 1'", timeout=5000)
                assert not phone.is_visible("#rate-offer")
                staff.post("/desk/done", data={"csrf": csrf_of(staff.get("/desk").text), "number": ticket.number})
            phone.wait_for_selector("#rate-offer", state="visible", timeout=5000)
            phone.click("#rate-offer a")
            phone.wait_for_selector("form")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 360      # no sideways scrolling
            for n in range(1, 10):
                phone.click(f"input[name=u{n}][value='4']")
            phone.fill("textarea[name=comment]", "Terima kasih")
            phone.click("button[type=submit]")
            phone.wait_for_selector("#thanks")
            assert SurveyResponse.get().ticket_id == ticket.id
            assert not [e for e in errors if "Content Security Policy" in e]
        finally:
            browser.close()
