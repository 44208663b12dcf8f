"""What every page shares: templates (autoescaped), language, the logged-in staff, CSRF.

CSRF: one random token per session, put in every form by ``csrf_field`` and compared (constant
time) by ``checked_form`` before a POST does anything; every POST handler reads its form through it.
"""
from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from kiosk.core import staff_accounts
from kiosk.core.clock import to_utc_naive
from kiosk.i18n import LANGUAGES, gettext_for

HERE = Path(__file__).parent
ENV = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(default=True, default_for_string=True))


class LoginRequired(Exception):
    """No staff session: the handler sends the browser to the login page."""


def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        if "session" in request.scope:
            request.session["lang"] = asked
        return asked
    if "session" in request.scope and request.session.get("lang") in LANGUAGES:
        return request.session["lang"]
    return "id"


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def checked_form(request: Request):
    """The POSTed form, after its CSRF token matched the session's; 403 otherwise."""
    form = await request.form()
    sent = str(form.get("csrf") or "")
    have = request.session.get("csrf") or ""
    if not have or not hmac.compare_digest(sent.encode(), have.encode()):
        raise HTTPException(403, "missing or wrong form token (reload the page and try again)")
    return form


def render(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    lang = lang_of(request)
    staff = request.scope.get("kiosk.staff")

    def _(msgid: str) -> str:
        return gettext_for(lang, msgid)

    def csrf_field() -> Markup:
        return Markup('<input type="hidden" name="csrf" value="{}">').format(csrf_token(request))

    settings = request.app.state.rt.settings
    html = ENV.get_template(template).render(_=_, lang=lang, staff=staff, csrf_field=csrf_field,
                                             office=settings.office.name, request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def address(request: Request) -> str:
    return request.client.host if request.client else ""


def now_utc(request: Request):
    return to_utc_naive(request.app.state.rt.clock.now())


async def require_staff(request: Request, admin: bool = False) -> staff_accounts.Staff:
    """The logged-in account, read again from the database (a disabled account's cookie stops working)."""
    staff_id = request.session.get("staff_id")
    if not isinstance(staff_id, int):
        raise LoginRequired()
    staff = await run_in_threadpool(staff_accounts.active_staff, staff_id)
    if staff is None:
        request.session.clear()
        raise LoginRequired()
    request.scope["kiosk.staff"] = staff
    if admin and not staff.is_admin:
        raise HTTPException(403, "this page is for admin accounts")
    return staff


async def audit(request: Request, staff: staff_accounts.Staff | str, action: str, detail: str = "") -> None:
    name = staff if isinstance(staff, str) else staff.name
    await run_in_threadpool(staff_accounts.audit, now_utc(request), name, action, detail, address(request))
