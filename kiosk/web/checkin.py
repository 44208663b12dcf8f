"""The guestbook on the visitor's phone: ``/c/<token>`` from the QR code on the kiosk's guestbook step
(``kiosk.core.checkin``). The same fields, rules and messages as the kiosk's form; a logged-in library account
finds it filled in (one tap). No login is needed and the URL carries no personal data."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from kiosk.core import checkin
from kiosk.core import guestbook as gb
from kiosk.core.errors import ValidationError
from kiosk.i18n import gettext_for
from kiosk.web.account import current_account
from kiosk.web.pages import checked_form, lang_of, render

TEXT_FIELDS = ("full_name", "email", "phone", "institution_name", "purpose_detail")   # age asked once: its group


def _view(request: Request, token: str, values: dict, errors: dict, status_code: int = 200, done: bool = False):
    rt = request.app.state.rt
    lang = lang_of(request)
    settings = rt.settings.guestbook
    choices = {field: [(c.code, c.en if lang == "en" else c.id) for c in getattr(settings, key)]
               for field, key in gb.CHOICE_FIELDS.items()}
    return render(request, "checkin.html", status_code=status_code, token=token, values=values, choices=choices,
                  errors={k: gettext_for(lang, v) for k, v in errors.items()}, done=done)


async def form_page(request: Request):
    rt = request.app.state.rt
    token = request.path_params["token"]
    await run_in_threadpool(checkin.check, rt.clock, token)
    account = await current_account(request)
    values = await run_in_threadpool(checkin.prefill_for_account, account.id) if account else {}
    return _view(request, token, values, {})


async def send(request: Request):
    form = await checked_form(request)
    rt = request.app.state.rt
    token = request.path_params["token"]
    raw = {name: str(form.get(name) or "")[:400] for name in (*TEXT_FIELDS, *gb.CHOICE_FIELDS)}
    try:
        await run_in_threadpool(checkin.submit, rt.settings, rt.clock, token, raw)
    except ValidationError as exc:
        return _view(request, token, raw, exc.errors, status_code=400)
    return _view(request, token, {}, {}, done=True)


routes = [
    Route("/c/{token:str}", form_page, methods=["GET"]),
    Route("/c/{token:str}", send, methods=["POST"]),
]
