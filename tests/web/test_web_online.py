"""Reading online over HTTP against the real application: pages rendered on the server, each carrying the
reader's mark; the PDF never served; every id-bearing URL checked."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from starlette.testclient import TestClient

from kiosk.core import online
from kiosk.web.app import create_app
from pdf_helpers import add_publication, make_titled_pdf
from web_helpers import VISITOR_PASSWORD as PASSWORD, csrf_of, logged_in, make_account  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_caches():
    online.RENDERED.clear()
    online.MARKED.clear()


def test_read_a_page_with_the_mark_next_previous_jump_zoom(runtime, tmp_path):
    pub = add_publication(tmp_path / "docs", "Statistik Daerah 2026", pages=4)
    make_account(runtime)
    client = logged_in(runtime)
    assert 'id="read" href="/library/p/%d/read"' % pub.id in client.get(f"/library/p/{pub.id}").text
    page = client.get(f"/library/p/{pub.id}/read?page=2")
    assert page.status_code == 200
    assert f'src="/library/p/{pub.id}/page/2.jpg?zoom=1"' in page.text
    assert 'href="?page=1&amp;zoom=1"' in page.text and 'href="?page=3&amp;zoom=1"' in page.text
    assert 'href="?page=2&amp;zoom=2"' in page.text                       # zoom
    assert 'name="page"' in page.text and 'max="4"' in page.text          # jump
    img = client.get(f"/library/p/{pub.id}/page/2.jpg?zoom=1")
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"
    assert "no-store" in img.headers["cache-control"]
    normal = Image.open(io.BytesIO(img.content))
    big = Image.open(io.BytesIO(client.get(f"/library/p/{pub.id}/page/2.jpg?zoom=2").content))
    assert normal.height == online.HEIGHTS[1] and big.height == online.HEIGHTS[2]
    # out-of-range asks land on the nearest page
    assert f"page/4.jpg" in client.get(f"/library/p/{pub.id}/read?page=99").text
    assert client.get(f"/library/p/{pub.id}/page/5.jpg").status_code == 404
    assert client.get(f"/library/p/{pub.id}/page/0.jpg").status_code == 404
    assert client.get(f"/library/p/{pub.id}/page/1.jpg?zoom=7").status_code == 404


def test_the_mark_is_in_the_image_and_differs_per_reader(runtime, tmp_path):
    pub = add_publication(tmp_path / "docs", "Statistik Daerah 2026", pages=1)
    make_account(runtime)
    make_account(runtime, email="budi@example.com")
    a = Image.open(io.BytesIO(logged_in(runtime).get(f"/library/p/{pub.id}/page/1.jpg").content)).convert("L")
    b = Image.open(io.BytesIO(logged_in(runtime, "budi@example.com").get(f"/library/p/{pub.id}/page/1.jpg")
                              .content)).convert("L")
    assert a.size == b.size
    # the bottom band carries the reader's address: the two images differ there and the band has dark text
    band = (0, a.height - 30, a.width, a.height)
    assert list(a.crop(band).getdata()) != list(b.crop(band).getdata())
    assert min(a.crop(band).getdata()) < 100
    # the unmarked render and the marked image differ (the mark is burnt in)
    plain = online.RENDERED.get((pub.id, pub.content_hash, 0, online.HEIGHTS[1])).convert("L")
    assert list(plain.crop(band).getdata()) != list(a.crop(band).getdata())


def test_mark_text():
    import datetime as dt
    assert online.mark_text("a@b.co", dt.date(2026, 12, 1)) == "Dibaca daring — a@b.co — 01-12-2026"


def test_reading_needs_an_account_and_the_pdf_is_never_served(runtime, tmp_path):
    pub = add_publication(tmp_path / "docs", "Statistik Daerah 2026", pages=2)
    anon = TestClient(create_app(runtime, poll=False))
    r = anon.get(f"/library/p/{pub.id}/read", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/account/login?next=")
    assert anon.get(f"/library/p/{pub.id}/page/1.jpg").status_code == 403
    make_account(runtime)
    client = logged_in(runtime)
    pdf = open(pub.file_path, "rb").read()
    for path in (f"/library/p/{pub.id}", f"/library/p/{pub.id}/read", f"/library/p/{pub.id}/page/1.jpg"):
        body = client.get(path).content
        assert b"%PDF" not in body[:1024] and pdf[:200] not in body
    for path in ("/library/p/999/read", "/library/p/999/page/1.jpg", "/library/p/x/read",
                 f"/library/p/{pub.id}/page/x.jpg"):
        assert client.get(path).status_code == 404, path


def test_a_missing_or_damaged_file_is_a_clear_page_not_a_crash(runtime, tmp_path):
    pub = add_publication(tmp_path / "docs", "Statistik Daerah 2026", pages=2)
    make_account(runtime)
    client = logged_in(runtime)
    with open(pub.file_path, "r+b") as fh:
        fh.write(b"garbage" * 100)
    r = client.get(f"/library/p/{pub.id}/page/1.jpg")
    assert r.status_code == 400 and "halaman ini tidak dapat ditampilkan" in r.text.lower()
    import os
    os.unlink(pub.file_path)
    assert client.get(f"/library/p/{pub.id}/read").status_code == 400


def test_a_changed_file_is_rendered_again(runtime, tmp_path):
    pub = add_publication(tmp_path / "docs", "Statistik Daerah 2026", pages=1)
    make_account(runtime)
    client = logged_in(runtime)
    first = client.get(f"/library/p/{pub.id}/page/1.jpg").content
    make_titled_pdf(tmp_path / "new.pdf", "Judul Lain Sama Sekali", 1).replace(pub.file_path)
    pub.content_hash = "changed"
    pub.save()
    assert client.get(f"/library/p/{pub.id}/page/1.jpg").content != first


# --- the download menu ---

def download(client, pub_id, **changes):
    page = client.get("/account").text
    data = {"csrf": csrf_of(page), "purpose": "skripsi", "purpose_text": "bab 2", "terms": "yes", **changes}
    return client.post(f"/library/p/{pub_id}/download", data=data, follow_redirects=False)


FILE_LINK = re.compile(r'href="(/library/downloads/(\d+)\.pdf)"')


def test_a_verified_account_downloads_a_stamped_copy_only_it_can_fetch(runtime, tmp_path, clock):
    import shutil
    import subprocess

    from pypdf import PdfReader

    from kiosk.core.models import SoftcopyRequest

    pub = add_publication(tmp_path / "docs", "Statistik Daerah 2026", pages=3)
    make_account(runtime)
    make_account(runtime, email="budi@example.com")
    client = logged_in(runtime)
    assert 'action="/library/p/%d/download"' % pub.id in client.get(f"/library/p/{pub.id}").text
    done = download(client, pub.id)
    assert done.status_code == 200 and "Softcopy Anda sudah siap" in done.text
    link, download_id = FILE_LINK.search(done.text).groups()
    r = client.get(link)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"] and "no-store" in r.headers["cache-control"]
    out = tmp_path / "got.pdf"
    out.write_bytes(r.content)
    request = SoftcopyRequest.get()
    assert request.status == "sent" and request.email == "siti.rahma@example.com"
    for page in PdfReader(out).pages:
        text = page.extract_text()
        assert "Siti Rahma" in text and "siti.rahma@example.com" in text and request.number in text
    if shutil.which("qpdf"):
        assert subprocess.run(["qpdf", "--check", str(out)], capture_output=True).returncode == 0
    # listed on the account page
    assert link in client.get("/account").text
    # another account, no session, unknown id, garbage: the same 404
    other = logged_in(runtime, "budi@example.com")
    anon = TestClient(create_app(runtime, poll=False))
    for c, path in ((other, link), (anon, link), (client, "/library/downloads/999.pdf"),
                    (client, "/library/downloads/abc.pdf"), (client, f"/library/downloads/-{download_id}.pdf")):
        assert c.get(path).status_code == 404, path
    # expired after [online] download_link_hours
    clock.advance(runtime.settings.online.download_link_hours * 3600 + 1)
    assert client.get(link).status_code == 404
    from kiosk.core import online_download
    assert online_download.purge_expired(clock) == 1
    assert "kedaluwarsa" in client.get("/account").text


def test_unverified_accounts_and_read_only_publications_get_no_download(runtime, tmp_path):
    from kiosk.core.models import SoftcopyRequest

    pub = add_publication(tmp_path / "docs", "Statistik Daerah 2026")
    ro = add_publication(tmp_path / "docs", "Rahasia Baca Saja", read_only=True)
    make_account(runtime, verified=False)
    client = logged_in(runtime)
    page = client.get(f"/library/p/{pub.id}").text
    assert 'id="need-verify"' in page and "/download" not in page
    r = download(client, pub.id)
    assert r.status_code == 400 and "konfirmasi alamat e-mail" in r.text
    make_account(runtime, email="budi@example.com")
    verified = logged_in(runtime, "budi@example.com")
    assert 'id="download"' not in verified.get(f"/library/p/{ro.id}").text
    r = download(verified, ro.id)
    assert r.status_code == 400
    assert SoftcopyRequest.select().count() == 0


def test_download_form_errors_csrf_and_the_daily_limit_per_account(tmp_path, clock):
    from helpers import make_runtime
    from kiosk.core.models import SoftcopyRequest

    rt = make_runtime(tmp_path, clock=clock, replace={"downloads_per_account_per_day = 5":
                                                      "downloads_per_account_per_day = 2"})
    try:
        pubs = [add_publication(tmp_path / "docs", f"Statistik {n}") for n in range(3)]
        make_account(rt)
        client = logged_in(rt)
        r = download(client, pubs[0].id, terms="", purpose="", purpose_text="")
        assert r.status_code == 400 and 'id="err-terms"' in r.text and 'id="err-purpose"' in r.text
        r = client.post(f"/library/p/{pubs[0].id}/download", data={"purpose": "skripsi", "terms": "yes"})
        assert r.status_code == 403
        assert download(client, pubs[0].id).status_code == 200
        assert download(client, pubs[1].id).status_code == 200
        third = download(client, pubs[2].id)
        assert third.status_code == 400 and "sebanyak yang diperbolehkan untuk satu akun" in third.text
        assert SoftcopyRequest.select().count() == 2
        clock.advance(24 * 3600)
        assert download(client, pubs[2].id).status_code == 200
    finally:
        rt.close()


def test_also_by_email_through_the_outbox(tmp_path, clock):
    from helpers import make_runtime
    from pg_server import free_port
    from smtp_helpers import Server, mail_config

    port = free_port()
    server = Server(port).start()
    rt = make_runtime(tmp_path, clock=clock, replace=mail_config(port, timeout_s=3))
    try:
        pub = add_publication(tmp_path / "docs", "Statistik Daerah 2026")
        make_account(rt)
        client = logged_in(rt)
        done = download(client, pub.id, by_email="yes")
        assert done.status_code == 200 and 'id="mailed"' in done.text
        [(_f, to, raw)] = server.sink.received
        assert to == ["siti.rahma@example.com"] and b"application/pdf" in raw
        assert FILE_LINK.search(done.text)       # and the download too
    finally:
        rt.close()
        server.stop()


# --- rate and complain ---

def rate(client, **changes):
    data = {"csrf": csrf_of(client.get("/account").text), **{f"u{n}": "4" for n in range(1, 10)}, **changes}
    return client.post("/library/rate", data=data, follow_redirects=False)


def test_an_account_rates_once_per_period_and_counts_in_the_official_ikm(runtime, tmp_path, clock):
    import datetime as dt

    from kiosk.core import survey
    from kiosk.core.models import SurveyResponse

    make_account(runtime)
    client = logged_in(runtime)
    missing = rate(client, u9="")
    assert missing.status_code == 400 and SurveyResponse.select().count() == 0
    done = rate(client, u1="3", comment="<b>ramah</b>")
    assert done.status_code == 200 and 'id="thanks"' in done.text
    assert 'id="already"' in client.get("/library/rate").text
    again = rate(client)
    assert again.status_code == 400 and "sudah menilai" in again.text
    assert SurveyResponse.select().count() == 1
    row = SurveyResponse.get()
    assert row.source == "online" and row.u1 == 3 and row.u9 == 4 and row.occupation == ""
    start, end = dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1)
    assert [r.id for r in survey.responses_between(start, end)] == [row.id]          # official
    assert list(survey.responses_between(start, end, official=False)) == []
    # another account is another service user
    make_account(runtime, email="budi@example.com")
    assert rate(logged_in(runtime, "budi@example.com")).status_code == 200
    # the next period (default: semester) opens a new answer
    clock.advance(200 * 24 * 3600)
    assert rate(client).status_code == 200
    assert SurveyResponse.select().count() == 3


def test_complaint_online_gets_a_reference_and_the_channels(tmp_path, clock):
    from helpers import make_runtime
    from kiosk.core.models import Complaint

    rt = make_runtime(tmp_path, clock=clock, replace={"complaints_per_account_per_day = 3":
                                                      "complaints_per_account_per_day = 2"})
    try:
        make_account(rt)
        client = logged_in(rt)
        anon = TestClient(create_app(rt, poll=False))
        assert anon.get("/library/complain", follow_redirects=False).status_code == 303

        def send(**data):
            token = csrf_of(client.get("/library/complain").text)
            return client.post("/library/complain", data={"csrf": token, **data}, follow_redirects=False)

        bad = send(category="nope", text="short")
        assert bad.status_code == 400 and 'id="err-category"' in bad.text and 'id="err-text"' in bad.text
        ok = send(category="service", text="<script>x</script> antrean terlalu lama hari ini")
        assert ok.status_code == 200
        ref = re.search(r"Nomor referensi: (ADU-\d{8}-\d{4})", ok.text).group(1)
        assert "<script>x" not in ok.text and "SP4N-LAPOR!" in ok.text
        row = Complaint.get(Complaint.reference == ref)
        assert row.contact == "siti.rahma@example.com" and row.kiosk == "web"
        assert send(category="staff", text="kedua kalinya mengeluh").status_code == 200
        third = send(category="other", text="ketiga kalinya mengeluh")
        assert third.status_code == 400 and "sebanyak yang kami terima" in third.text
        assert Complaint.select().count() == 2
    finally:
        rt.close()


# --- the whole visitor's way in a real browser ---

CHROMIUM = __import__("shutil").which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_in_chromium_register_verify_login_search_read_download(tmp_path, clock):
    """Register → the verification mail from a real SMTP server on loopback → verify → log in → search → read
    a page → download: the PDF carries the account's name on every page and passes qpdf --check."""
    import shutil
    import subprocess

    from pypdf import PdfReader

    from helpers import make_runtime
    from pg_server import free_port
    from smtp_helpers import Server, mail_config
    from web_helpers import live_server

    sync_api = pytest.importorskip("playwright.sync_api")
    smtp_port, web_port = free_port(), free_port()
    server = Server(smtp_port).start()
    rt = make_runtime(tmp_path, clock=clock, replace={
        **mail_config(smtp_port, timeout_s=3),
        'public_url = "http://127.0.0.1:8080"': f'public_url = "http://127.0.0.1:{web_port}"'})
    try:
        pub = add_publication(tmp_path / "docs", "Statistik Kesejahteraan Rakyat 2026", pages=3)
        with live_server(rt, port=web_port, poll=False) as base, sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless", "--disable-gpu"])
            try:
                context = browser.new_context(accept_downloads=True)
                page = context.new_page()
                violations: list[str] = []
                page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
                page.goto(f"{base}/register")
                for name, value in (("full_name", "Siti Rahma"), ("email", "siti.rahma@example.com"),
                                    ("phone", "0812 3456 7890"), ("institution_name", "Universitas Contoh"),
                                    ("password", PASSWORD), ("password2", PASSWORD)):
                    page.fill(f"input[name={name}]", value)
                page.select_option("select[name=occupation]", "pelajar")
                page.check("input[name=consent]")
                page.click("form[action='/register'] button[type=submit]")
                page.wait_for_selector("#heading")
                assert "Periksa e-mail Anda" in page.text_content("#heading")
                [(_f, _to, raw)] = server.sink.received
                import email
                import email.policy
                body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",)).get_content()
                link = re.search(rf"{re.escape(base)}/account/verify/[A-Za-z0-9_-]+", body).group(0)
                page.goto(link)
                assert "E-mail Anda sudah dikonfirmasi" in page.text_content("#heading")
                page.goto(f"{base}/account/login")
                page.fill("input[name=email]", "siti.rahma@example.com")
                page.fill("input[name=password]", PASSWORD)
                page.click("form[action='/account/login'] button[type=submit]")
                page.wait_for_selector("#verified")
                page.fill("#q", "kesejahteraan")
                page.click("form.lib-search button[type=submit]")
                page.click(f"a[href='/library/p/{pub.id}']")
                with page.expect_response(lambda r: "/page/1.jpg" in r.url) as shown:
                    page.click("#read")
                assert shown.value.status == 200 and shown.value.headers["content-type"] == "image/jpeg"
                page.click("a[rel=next]")
                assert page.url.endswith("page=2&zoom=1")
                page.goto(f"{base}/library/p/{pub.id}")
                page.select_option("select[name=purpose]", "skripsi")
                page.check("input[name=terms]")
                page.click("form[action$='/download'] button[type=submit]")
                with page.expect_download() as got:
                    page.click("#file")
                saved = tmp_path / "saved.pdf"
                got.value.save_as(saved)
                assert violations == []
            finally:
                browser.close()
        for p_ in PdfReader(saved).pages:
            assert "Siti Rahma" in p_.extract_text()
        if shutil.which("qpdf"):
            assert subprocess.run(["qpdf", "--check", str(saved)], capture_output=True).returncode == 0
    finally:
        rt.close()
        server.stop()
