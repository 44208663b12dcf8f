"""The public library pages over HTTP against the real application: newest, subjects, search, a publication."""
from __future__ import annotations

from starlette.testclient import TestClient

from kiosk.web.app import create_app
from pdf_helpers import add_publication


def _client(rt) -> TestClient:
    return TestClient(create_app(rt, poll=False))


def _library(rt, tmp_path):
    docs = tmp_path / "docs"
    a = add_publication(docs, "Statistik Kesejahteraan Rakyat 2026", subject="Sosial", hardcopy_location="Rak B-3",
                        abstract="Ringkasan kesejahteraan", catalogue_number="4101002")
    b = add_publication(docs, "Indeks Harga Konsumen 2026", subject="Harga", read_only=True)
    return a, b


def test_library_lists_newest_and_subjects_without_login(runtime, tmp_path):
    a, b = _library(runtime, tmp_path)
    client = _client(runtime)
    page = client.get("/library")
    assert page.status_code == 200
    assert a.title in page.text and b.title in page.text
    assert "Sosial" in page.text and "Harga" in page.text
    only = client.get("/library/search", params={"subject": "Harga"}).text
    assert b.title in only and a.title not in only
    # English one tap away: subject names and headings in English
    en = client.get("/library?lang=en").text
    assert "Newest publications" in en and "Prices" in en


def test_search_uses_the_kiosks_search_prefixes_and_diacritics(runtime, tmp_path):
    a, b = _library(runtime, tmp_path)
    client = _client(runtime)
    found = client.get("/library/search", params={"q": "kesej"}).text
    assert a.title in found and b.title not in found
    assert "Hasil pencarian untuk “kesej”" in found
    none = client.get("/library/search", params={"q": "zzzqqq"}).text
    assert 'id="empty"' in none
    # FTS syntax is only words: no error page
    assert client.get("/library/search", params={"q": '"*(-:^ OR NEAR'}).status_code == 200


def test_publication_page_shelf_read_only_and_numbers(runtime, tmp_path):
    a, b = _library(runtime, tmp_path)
    client = _client(runtime)
    page = client.get(f"/library/p/{a.id}").text
    assert "Versi cetak tersedia di Rak B-3" in page
    assert "4101002" in page and "Ringkasan kesejahteraan" in page
    assert 'id="read-only"' not in page
    ro = client.get(f"/library/p/{b.id}").text
    assert "Hanya versi digital" in ro
    assert 'id="read-only"' in ro
    assert "Versi cetak tersedia" not in ro
    assert "Digital version only" in client.get(f"/library/p/{b.id}?lang=en").text
    english = client.get(f"/library/p/{a.id}?lang=en").text      # English says "Shelf", never "Rak"
    assert "Printed version available at Shelf B-3" in english and "Rak B-3" not in english


def test_unknown_or_malformed_publication_is_a_404_page(runtime, tmp_path):
    _library(runtime, tmp_path)
    client = _client(runtime)
    for path in ("/library/p/99999", "/library/p/abc", "/library/p/-1", "/library/p/99999/cover.jpg",
                 "/library/p/1/cover.jpg"):   # 1 exists but has no cover
        assert client.get(path).status_code == 404, path


def test_cover_is_served_and_the_pdf_never_is(runtime, tmp_path):
    from PIL import Image

    a, _ = _library(runtime, tmp_path)
    cover = tmp_path / "cover.jpg"
    Image.new("RGB", (30, 42), "white").save(cover, "JPEG")
    a.thumbnail_path = str(cover)
    a.save()
    client = _client(runtime)
    r = client.get(f"/library/p/{a.id}/cover.jpg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert f"/library/p/{a.id}/cover.jpg" in client.get(f"/library/p/{a.id}").text
    assert a.file_path not in client.get(f"/library/p/{a.id}").text


def test_hostile_catalogue_text_and_query_are_escaped(runtime, tmp_path):
    add_publication(tmp_path / "docs", "<script>alert(1)</script> Statistik", abstract="<img src=x onerror=alert(2)>")
    client = _client(runtime)
    for html in (client.get("/library").text, client.get("/library/p/1").text,
                 client.get("/library/search", params={"q": "<b>statistik</b>"}).text):
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>statistik" not in html


def test_a_visitors_error_page_leads_back_to_the_library_not_the_desk(runtime):
    client = _client(runtime)
    page = client.get("/library/p/424242").text
    assert 'href="/library"' in page and 'href="/desk"' not in page
    assert client.get("/account/verify/" + "x" * 43).text.count('href="/desk"') == 0


def test_the_site_root_is_the_public_library_not_the_staff_login(runtime):
    # the public address (posters, the ticket's QR) sent visitors to the staff login
    response = _client(runtime).get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/library"


def test_search_corrects_a_typo_and_offers_the_spelling(runtime, tmp_path):
    """Issue 14.8: the online library's search is the kiosk's, typos included, with "Maksud Anda: …"."""
    a, b = _library(runtime, tmp_path)
    client = _client(runtime)
    page = client.get("/library/search", params={"q": "kesejahtran", "subject": "Sosial"}).text
    assert a.title in page and b.title not in page
    assert ('<p id="suggestion"><a class="chip" href="/library/search?q=kesejahteraan&amp;subject=Sosial">'
            'Maksud Anda: kesejahteraan</a></p>') in page
    assert "Did you mean: kesejahteraan" in client.get("/library/search", params={"q": "kesejahtran", "lang": "en"}).text
    assert 'id="suggestion"' not in client.get("/library/search", params={"q": "kesejahteraan"}).text
