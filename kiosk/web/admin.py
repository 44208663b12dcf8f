"""Admin pages (admin accounts only): staff accounts — add, disable, enable — and the audit log.

The account rules (names, roles, password length, argon2) are ``kiosk.core.staff_accounts``'s, the same
as ``kiosk staff``; each change is written with its audit entry in one transaction, by the admin's name.
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from kiosk.core import staff_accounts
from kiosk.i18n import N_
from kiosk.web.pages import checked_form, now_utc, render, require_staff

ADDED = N_("Account {name} added.")
DISABLED = N_("Account {name} disabled: it can no longer log in.")
ENABLED = N_("Account {name} enabled.")


async def admin(request: Request):
    await require_staff(request, admin=True)
    now = now_utc(request)
    accounts = await run_in_threadpool(staff_accounts.accounts, now)
    entries = await run_in_threadpool(staff_accounts.audit_log, 200)
    return render(request, "admin.html", accounts=accounts, entries=entries, roles=tuple(staff_accounts.Role),
                  notice=request.session.pop("admin_notice", None))


async def add(request: Request):
    form = await checked_form(request)
    me = await require_staff(request, admin=True)
    name = str(form.get("name") or "")[:60]
    role = str(form.get("role") or "")[:10]
    password = str(form.get("password") or "")[:1000]
    added = await run_in_threadpool(staff_accounts.add, name, role, password, now_utc(request), me.name)
    request.session["admin_notice"] = [ADDED, {"name": added.name}]
    return RedirectResponse("/admin", status_code=303)


async def _set_active(request: Request, active: bool):
    form = await checked_form(request)
    me = await require_staff(request, admin=True)
    name = str(form.get("name") or "")[:60].strip().lower()
    if not active and name == me.name:
        raise staff_accounts.AccountError("an admin cannot disable their own account (another admin can)")
    await run_in_threadpool(staff_accounts.set_active, name, active, now_utc(request), me.name)
    request.session["admin_notice"] = [ENABLED if active else DISABLED, {"name": name}]
    return RedirectResponse("/admin", status_code=303)


async def disable(request: Request):
    return await _set_active(request, False)


async def enable(request: Request):
    return await _set_active(request, True)


routes = [
    Route("/admin", admin, methods=["GET"]),
    Route("/admin/staff/add", add, methods=["POST"]),
    Route("/admin/staff/disable", disable, methods=["POST"]),
    Route("/admin/staff/enable", enable, methods=["POST"]),
]
