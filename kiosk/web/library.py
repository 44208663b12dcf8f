"""The public library pages: ``/library`` (newest, subjects), ``/library/search?q=`` (the kiosk's own search),
``/library/p/<id>`` (a publication: cover, abstract, numbers, where the printed copy is, read-only explained).

No login: the catalogue is public. The cover is the import's thumbnail (a small JPEG of the first page);
the publication's file itself is never served from here."""
from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

from kiosk.core import catalog, search
from kiosk.core.errors import NotFound
from kiosk.core.subjects import subject_name
from kiosk.web.pages import lang_of, render

PAGE_SIZE = 24
QUERY_MAX = 200


def _subject_chips(lang: str) -> list[tuple[str, str]]:
    return [(s, subject_name(s, lang)) for s in catalog.subjects()]


def _pub_id(request: Request) -> int:
    raw = request.path_params["pub_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound(f"no publication {raw[:20]!r}")
    return int(raw)


async def home(request: Request):
    lang = lang_of(request)
    subject = request.query_params.get("subject", "")[:100]

    def load():
        return catalog.newest(PAGE_SIZE, subject), _subject_chips(lang)

    pubs, subjects = await run_in_threadpool(load)
    return render(request, "library.html", pubs=pubs, subjects=subjects, subject=subject, query="",
                  subject_name=subject_name)


async def results(request: Request):
    lang = lang_of(request)
    query = request.query_params.get("q", "")[:QUERY_MAX]
    subject = request.query_params.get("subject", "")[:100]
    db = request.app.state.rt.db

    def load():
        return search.search(db, query, subject=subject, limit=PAGE_SIZE * 2), _subject_chips(lang)

    pubs, subjects = await run_in_threadpool(load)
    return render(request, "library.html", pubs=pubs, subjects=subjects, subject=subject, query=query.strip(),
                  subject_name=subject_name)


async def publication(request: Request):
    pub = await run_in_threadpool(catalog.get, _pub_id(request))
    return render(request, "library_pub.html", pub=pub, subject_name=subject_name)


async def cover(request: Request):
    pub = await run_in_threadpool(catalog.get, _pub_id(request))
    path = Path(pub.thumbnail_path) if pub.thumbnail_path else None
    if path is None or not path.is_file():
        raise NotFound(f"publication {pub.id} has no cover")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=3600"})


routes = [
    Route("/library", home, methods=["GET"]),
    Route("/library/search", results, methods=["GET"]),
    Route("/library/p/{pub_id:str}", publication, methods=["GET"]),
    Route("/library/p/{pub_id:str}/cover.jpg", cover, methods=["GET"]),
]
