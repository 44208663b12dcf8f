"""The public library pages: ``/library`` (newest, subjects), ``/library/search?q=`` (the kiosk's own search,
typos corrected with "Maksud Anda: …"), ``/library/p/<id>`` (a publication: cover, abstract, numbers, where the
printed copy is, read-only explained).

No login: the catalogue is public. The cover is the import's thumbnail (a small JPEG of the first page);
the publication's file itself is never served from here."""
from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from kiosk.core import catalog, complaints, online, online_download, online_feedback, search, softcopy, survey
from kiosk.core.clock import local
from kiosk.core import accounts
from kiosk.core.errors import NotFound, ValidationError
from kiosk.core.subjects import shelf_name, subject_name
from kiosk.i18n import gettext_for
from kiosk.web.account import current_account, send_now
from kiosk.web.pages import address, checked_form, lang_of, render

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
        return search.find(db, query, subject=subject, limit=PAGE_SIZE * 2), _subject_chips(lang)

    found, subjects = await run_in_threadpool(load)
    return render(request, "library.html", pubs=found.publications, subjects=subjects, subject=subject,
                  query=query.strip(), suggestion=found.suggestion, subject_name=subject_name)


def _purposes(request: Request) -> list[tuple[str, str]]:
    lang = lang_of(request)
    return [(c.code, c.en if lang == "en" else c.id) for c in request.app.state.rt.settings.guestbook.purposes]


def _pub_view(request: Request, pub, account, status_code: int = 200, errors: dict | None = None,
              values: dict | None = None):
    lang = lang_of(request)
    return render(request, "library_pub.html", status_code=status_code, pub=pub, subject_name=subject_name,
                  shelf_name=shelf_name,
                  account=account, offered=softcopy.refusal_reason(pub) is None, purposes=_purposes(request),
                  errors={k: gettext_for(lang, v) for k, v in (errors or {}).items()}, values=values or {})


async def publication(request: Request):
    account = await current_account(request)
    pub = await run_in_threadpool(catalog.get, _pub_id(request))
    return _pub_view(request, pub, account)


async def download(request: Request):
    """The download menu's form: a stamped copy for this account (and by e-mail when asked)."""
    form = await checked_form(request)
    account = await current_account(request)
    if account is None:
        return RedirectResponse("/account/login?next=" + request.url.path.rsplit("/", 1)[0], status_code=303)
    rt = request.app.state.rt
    pub_id = _pub_id(request)
    values = {"purpose": str(form.get("purpose") or "")[:40], "purpose_text": str(form.get("purpose_text") or "")[:400],
              "by_email": form.get("by_email") == "yes"}
    try:
        done = await run_in_threadpool(
            online_download.request_download, rt.settings, rt.clock, account.id, pub_id,
            purpose_code=values["purpose"], purpose_text=values["purpose_text"],
            terms_accepted=form.get("terms") == "yes", by_email=values["by_email"], address=address(request),
            language=lang_of(request))
    except ValidationError as exc:
        pub = await run_in_threadpool(catalog.get, pub_id)
        return _pub_view(request, pub, account, 400, exc.errors, values)
    delivered = await send_now(request, accounts.Sent(done.mail_id)) if done.mail_id else True
    expires = local(done.expires_at, rt.settings.office.timezone)
    return render(request, "library_download.html", done=done, by_email=values["by_email"], delivered=delivered,
                  expires=f"{expires:%d-%m-%Y %H:%M}")


async def download_file(request: Request):
    account = await current_account(request)
    if account is None:
        raise NotFound("download asked without a session")
    raw = request.path_params["download_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound(f"no download {raw[:20]!r}")
    rt = request.app.state.rt
    path, name = await run_in_threadpool(online_download.file_for, rt.clock, account.id, int(raw))
    return FileResponse(path, media_type="application/pdf", filename=name,
                        headers={"Cache-Control": "private, no-store"})


async def cover(request: Request):
    pub = await run_in_threadpool(catalog.get, _pub_id(request))
    path = Path(pub.thumbnail_path) if pub.thumbnail_path else None
    if path is None or not path.is_file():
        raise NotFound(f"publication {pub.id} has no cover")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=3600"})


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 7 else default


async def read(request: Request):
    """The reader: one marked page at a time, next / previous / jump / zoom, no script needed."""
    account = await current_account(request)
    if account is None:
        return RedirectResponse("/account/login?next=" + request.url.path, status_code=303)
    info = await run_in_threadpool(online.reading, _pub_id(request))
    page = min(max(_int_param(request, "page", 1), 1), max(info.page_count, 1))
    zoom = 2 if _int_param(request, "zoom", 1) == 2 else 1
    return render(request, "library_read.html", pub=info, page=page, zoom=zoom, account=account)


async def page_image(request: Request):
    account = await current_account(request)
    if account is None:
        return Response(status_code=403)
    rt = request.app.state.rt
    raw = request.path_params["page"]
    if not raw.isdigit() or len(raw) > 6:
        raise NotFound(f"no page {raw[:10]!r}")
    data = await run_in_threadpool(online.page_jpeg, rt.settings, rt.clock, account.id, account.email,
                                   _pub_id(request), int(raw), _int_param(request, "zoom", 1))
    # marked for this reader only: never kept by a shared cache or the browser after logout
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


async def rate_page(request: Request):
    account = await current_account(request)
    if account is None:
        return RedirectResponse("/account/login?next=/library/rate", status_code=303)
    rt = request.app.state.rt
    done = await run_in_threadpool(online_feedback.has_rated, rt.settings, rt.clock, account.id)
    return render(request, "library_rate.html", elements=survey.ELEMENTS, done=done,
                  error="", chosen={}, comment="")


async def rate(request: Request):
    form = await checked_form(request)
    account = await current_account(request)
    if account is None:
        return RedirectResponse("/account/login?next=/library/rate", status_code=303)
    rt = request.app.state.rt
    chosen = {e.field: str(form.get(e.field) or "") for e in survey.ELEMENTS}
    scores = [int(v) if v in ("1", "2", "3", "4") else 0 for v in chosen.values()]
    comment = str(form.get("comment") or "")[:2000]
    try:
        await run_in_threadpool(online_feedback.rate, rt.settings, rt.clock, account.id, scores, comment,
                                lang_of(request))
    except ValidationError as exc:
        return render(request, "library_rate.html", status_code=400, elements=survey.ELEMENTS,
                      done=False, error=gettext_for(lang_of(request), next(iter(exc.errors.values()))),
                      chosen=chosen, comment=comment)
    return render(request, "library_rate.html", elements=survey.ELEMENTS, done=True,
                  thanks=True, error="", chosen={}, comment="")


def _complain_view(request: Request, status_code: int = 200, errors: dict | None = None, values: dict | None = None,
                   reference: str = ""):
    lang = lang_of(request)
    channels = [(ch.label(lang), ch.contact) for ch in request.app.state.rt.settings.complaints.channels]
    return render(request, "library_complain.html", status_code=status_code, categories=complaints.CATEGORIES,
                  channels=channels, errors={k: gettext_for(lang, v) for k, v in (errors or {}).items()},
                  values=values or {}, reference=reference)


async def complain_page(request: Request):
    if await current_account(request) is None:
        return RedirectResponse("/account/login?next=/library/complain", status_code=303)
    return _complain_view(request)


async def complain(request: Request):
    form = await checked_form(request)
    account = await current_account(request)
    if account is None:
        return RedirectResponse("/account/login?next=/library/complain", status_code=303)
    rt = request.app.state.rt
    values = {"category": str(form.get("category") or "")[:20], "text": str(form.get("text") or "")[:4000]}
    try:
        row = await run_in_threadpool(online_feedback.complain, rt.settings, rt.clock, account.id, values["category"],
                                      values["text"], lang_of(request))
    except ValidationError as exc:
        return _complain_view(request, 400, exc.errors, values)
    return _complain_view(request, reference=row.reference)


routes = [
    Route("/library", home, methods=["GET"]),
    Route("/library/search", results, methods=["GET"]),
    Route("/library/p/{pub_id:str}", publication, methods=["GET"]),
    Route("/library/p/{pub_id:str}/cover.jpg", cover, methods=["GET"]),
    Route("/library/p/{pub_id:str}/read", read, methods=["GET"]),
    Route("/library/p/{pub_id:str}/page/{page:str}.jpg", page_image, methods=["GET"]),
    Route("/library/p/{pub_id:str}/download", download, methods=["POST"]),
    Route("/library/downloads/{download_id:str}.pdf", download_file, methods=["GET"]),
    Route("/library/rate", rate_page, methods=["GET"]),
    Route("/library/rate", rate, methods=["POST"]),
    Route("/library/complain", complain_page, methods=["GET"]),
    Route("/library/complain", complain, methods=["POST"]),
]
