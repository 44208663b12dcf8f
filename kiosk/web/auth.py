"""Login and logout. (The admin pages: ``kiosk.web.admin``.)"""
from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from kiosk.core import staff_accounts
from kiosk.i18n import gettext_for
from kiosk.web.pages import address, audit, checked_form, lang_of, now_utc, render, require_staff


def _safe_next(target: str) -> str:
    """Only a path on this site (never //evil.example or https://…)."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/desk"
    return target


async def login_page(request: Request):
    return render(request, "login.html", next=_safe_next(request.query_params.get("next", "/desk")), error="")


async def login(request: Request):
    form = await checked_form(request)
    name = str(form.get("name") or "")[:60]
    password = str(form.get("password") or "")[:1000]
    target = _safe_next(str(form.get("next") or "/desk"))
    try:
        staff = await run_in_threadpool(staff_accounts.login, name, password, now_utc(request), address(request))
    except staff_accounts.LoginRefused as exc:
        return render(request, "login.html", status_code=401, next=target,
                      error=gettext_for(lang_of(request), exc.visitor_message))
    lang = request.session.get("lang")
    request.session.clear()               # a fresh session (and CSRF token) at every login
    request.session.update({"staff_id": staff.id, **({"lang": lang} if lang else {})})
    return RedirectResponse(target, status_code=303)


async def logout(request: Request):
    await checked_form(request)
    staff = await require_staff(request)
    await audit(request, staff, "logout")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
