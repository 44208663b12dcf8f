"""Visitor accounts on the web (issue 16.2): ``/register``, ``/account/verify/<link>``, ``/account/login``,
``/account/logout``, ``/account`` (details, export, delete), ``/account/forgot`` and ``/account/reset/<link>``.

The staff's ``/login`` stays the desk's; a visitor's session holds ``account_id`` only. Every mail goes
through the outbox and is tried once at once: when the mail server is down the page says the mail waits
(the outbox sends it later), never that it was sent."""
from __future__ import annotations

import json
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk.core import account_rights, accounts, online_download, outbox, privacy
from kiosk.core.errors import KioskError, ValidationError
from kiosk.i18n import N_, gettext_for
from kiosk.web.pages import address, checked_form, lang_of, render

log = logging.getLogger(__name__)

T_CHECK_MAIL = N_("We sent a link to your e-mail address. Open it to confirm the address; then you can log in.")
FIELDS = ("full_name", "email", "phone", "institution_name", "occupation")


async def current_account(request: Request) -> accounts.Account | None:
    account_id = request.session.get("account_id")
    if not isinstance(account_id, int):
        return None
    account = await run_in_threadpool(accounts.get, account_id)
    if account is None:
        request.session.pop("account_id", None)
    request.scope["kiosk.account"] = account
    return account


def _login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse("/account/login?next=" + request.url.path, status_code=303)


def _safe_next(target: str) -> str:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/account"
    return target


async def send_now(request: Request, sent: accounts.Sent) -> bool:
    """Try the stored mail once; True when the server took it. Anything else leaves it queued in the outbox."""
    if sent.mail_id is None:
        return True          # nothing was due; the page answers as if sent (a guesser learns nothing)
    rt = request.app.state.rt
    try:
        attempt = await run_in_threadpool(outbox.send_first, rt.settings, rt.clock, rt.mailer, sent.mail_id)
    except KioskError as exc:
        log.warning("account mail %d not sent now: %s", sent.mail_id, exc)
        return False
    return attempt is not None and attempt.status == "sent"    # MailStatus.SENT


def _register_view(request: Request, values: dict, errors: dict, status: int = 200):
    rt = request.app.state.rt
    lang = lang_of(request)
    occupations = [(c.code, c.en if lang == "en" else c.id) for c in rt.settings.guestbook.occupations]
    return render(request, "account_register.html", status_code=status, values=values,
                  errors={k: gettext_for(lang, v) for k, v in errors.items()}, occupations=occupations,
                  notice=privacy.notice(rt.settings, lang), notice_version=rt.settings.privacy.notice_version)


async def register_page(request: Request):
    return _register_view(request, {}, {})


async def register(request: Request):
    form = await checked_form(request)
    rt = request.app.state.rt
    data = {k: str(form.get(k) or "")[:1000] for k in (*FIELDS, "password", "password2", "consent")}
    try:
        sent = await run_in_threadpool(accounts.register, rt.settings, rt.clock, data, address(request),
                                       lang_of(request))
    except ValidationError as exc:
        return _register_view(request, {k: data[k] for k in FIELDS}, exc.errors, status=400)
    delivered = await send_now(request, sent)
    return render(request, "account_message.html", heading=N_("Check your e-mail"), delivered=delivered,
                  text=T_CHECK_MAIL)


async def verify(request: Request):
    rt = request.app.state.rt
    await run_in_threadpool(accounts.verify, rt.clock, request.path_params["token"])
    return render(request, "account_message.html", heading=N_("Your e-mail is confirmed"), delivered=True,
                  text=N_("Thank you. You can now log in and download publications."), login_link=True)


async def login_page(request: Request):
    return render(request, "account_login.html", next=_safe_next(request.query_params.get("next", "/account")),
                  error="", email="")


async def login(request: Request):
    form = await checked_form(request)
    rt = request.app.state.rt
    email = str(form.get("email") or "")[:254]
    target = _safe_next(str(form.get("next") or "/account"))
    try:
        account = await run_in_threadpool(accounts.login, rt.settings, rt.clock, email,
                                          str(form.get("password") or "")[:1000], address(request))
    except accounts.LoginRefused as exc:
        return render(request, "account_login.html", status_code=401, next=target, email=email,
                      error=gettext_for(lang_of(request), exc.visitor_message))
    lang = request.session.get("lang")
    request.session.clear()          # a fresh session (and CSRF token) at every login
    request.session.update({"account_id": account.id, **({"lang": lang} if lang else {})})
    return RedirectResponse(target, status_code=303)


async def logout(request: Request):
    await checked_form(request)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/library", status_code=303)


async def home(request: Request):
    account = await current_account(request)
    if account is None:
        return _login_redirect(request)
    downloads = await run_in_threadpool(online_download.downloads_of, request.app.state.rt.clock, account.id)
    return render(request, "account.html", account=account, error="", downloads=downloads)


async def resend(request: Request):
    await checked_form(request)
    account = await current_account(request)
    if account is None:
        return _login_redirect(request)
    rt = request.app.state.rt
    sent = await run_in_threadpool(accounts.resend_verification, rt.settings, rt.clock, account.id, lang_of(request))
    delivered = await send_now(request, sent)
    return render(request, "account_message.html", heading=N_("Check your e-mail"), delivered=delivered,
                  text=T_CHECK_MAIL)


async def export(request: Request):
    account = await current_account(request)
    if account is None:
        return _login_redirect(request)
    data = await run_in_threadpool(account_rights.export_data, account.id)
    return Response(json.dumps(data, ensure_ascii=False, indent=2), media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="data-saya.json"',
                             "Cache-Control": "no-store"})


async def delete(request: Request):
    form = await checked_form(request)
    account = await current_account(request)
    if account is None:
        return _login_redirect(request)
    try:
        await run_in_threadpool(account_rights.delete, account.id, str(form.get("password") or "")[:1000])
    except accounts.LoginRefused:
        downloads = await run_in_threadpool(online_download.downloads_of, request.app.state.rt.clock, account.id)
        return render(request, "account.html", status_code=401, account=account, downloads=downloads,
                      error=gettext_for(lang_of(request), accounts.LoginRefused.visitor_message))
    request.session.pop("account_id", None)
    return render(request, "account_message.html", heading=N_("Your account is deleted"), delivered=True,
                  text=N_("Your account and your downloads are gone. Visits to the PST room stay in the "
                          "guestbook until the office's retention period ends."))


async def forgot_page(request: Request):
    return render(request, "account_forgot.html", error="", email="")


async def forgot(request: Request):
    form = await checked_form(request)
    rt = request.app.state.rt
    email = str(form.get("email") or "")[:254]
    try:
        sent = await run_in_threadpool(accounts.request_reset, rt.settings, rt.clock, email, address(request),
                                       lang_of(request))
    except ValidationError as exc:
        return render(request, "account_forgot.html", status_code=400, email=email,
                      error=gettext_for(lang_of(request), exc.errors["email"]))
    delivered = await send_now(request, sent)
    return render(request, "account_message.html", heading=N_("Check your e-mail"), delivered=delivered,
                  text=N_("If this e-mail address has an account, we sent it a link to choose a new password."))


async def reset_page(request: Request):
    rt = request.app.state.rt
    await run_in_threadpool(accounts.check_reset_link, rt.clock, request.path_params["token"])
    return render(request, "account_reset.html", token=request.path_params["token"], error="")


async def reset(request: Request):
    form = await checked_form(request)
    rt = request.app.state.rt
    token = request.path_params["token"]
    try:
        await run_in_threadpool(accounts.reset_password, rt.clock, token, str(form.get("password") or "")[:1000],
                                str(form.get("password2") or "")[:1000])
    except ValidationError as exc:
        return render(request, "account_reset.html", status_code=400, token=token,
                      error=gettext_for(lang_of(request), next(iter(exc.errors.values()))))
    return render(request, "account_message.html", heading=N_("Your new password is set"), delivered=True,
                  text=N_("You can now log in with it."), login_link=True)


routes = [
    Route("/register", register_page, methods=["GET"]),
    Route("/register", register, methods=["POST"]),
    Route("/account/verify/{token:str}", verify, methods=["GET"]),
    Route("/account/login", login_page, methods=["GET"]),
    Route("/account/login", login, methods=["POST"]),
    Route("/account/logout", logout, methods=["POST"]),
    Route("/account", home, methods=["GET"]),
    Route("/account/resend", resend, methods=["POST"]),
    Route("/account/export.json", export, methods=["GET"]),
    Route("/account/delete", delete, methods=["POST"]),
    Route("/account/forgot", forgot_page, methods=["GET"]),
    Route("/account/forgot", forgot, methods=["POST"]),
    Route("/account/reset/{token:str}", reset_page, methods=["GET"]),
    Route("/account/reset/{token:str}", reset, methods=["POST"]),
]
