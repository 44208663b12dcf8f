"""The desk console ``/desk``: choose the counter and its services, call, recall, done, no-show.

Every action: CSRF-checked form → one core function → audit entry → the hub pushes the new state
to every display, desk and phone at once → back to the desk page (POST/redirect/GET).
"""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from kiosk.core import calls, queue
from kiosk.core.clock import local
from kiosk.i18n import N_
from kiosk.web.pages import audit, checked_form, render, require_staff


def _setup(request: Request) -> tuple[str, list[str]] | None:
    counter = request.session.get("counter")
    services = request.session.get("services")
    if not counter or not services:
        return None
    return counter, list(services)


async def desk(request: Request):
    await require_staff(request)
    rt = request.app.state.rt
    setup = _setup(request)
    if setup is None or request.query_params.get("change"):
        return render(request, "desk_setup.html", counters=calls.counters(rt.settings), services=rt.settings.services,
                      chosen=setup or ("", [s.code for s in rt.settings.services]))
    counter, services = setup
    current = await run_in_threadpool(calls.current_at, rt.settings, rt.clock, counter)
    waiting = await run_in_threadpool(calls.waiting_list, rt.settings, rt.clock, services)
    started_at = f"{local(current.started_at, rt.settings.office.timezone):%H:%M}" if current and current.started_at else ""
    return render(request, "desk.html", counter=counter, services=services, current=current, waiting=waiting,
                  started_at=started_at,
                  standard_min=rt.settings.queue.service_standard_min, notice=request.session.pop("notice", ""),
                  notice_number=request.session.pop("notice_number", ""), all_services=rt.settings.services)


async def waiting_fragment(request: Request):
    await require_staff(request)
    rt = request.app.state.rt
    setup = _setup(request)
    waiting = await run_in_threadpool(calls.waiting_list, rt.settings, rt.clock, setup[1] if setup else None)
    return render(request, "desk_waiting.html", waiting=waiting, standard_min=rt.settings.queue.service_standard_min)


async def setup(request: Request):
    form = await checked_form(request)
    staff = await require_staff(request)
    rt = request.app.state.rt
    counter = str(form.get("counter") or "")
    if counter not in calls.counters(rt.settings):
        raise calls.CallError(f"unknown counter {counter!r}")
    services = [queue.service_for(rt.settings, str(c)).code for c in form.getlist("services")]
    if not services:
        raise calls.CallError("choose at least one service for this counter")
    request.session.update({"counter": counter, "services": services})
    await audit(request, staff, "desk_setup", f"counter {counter}: {','.join(services)}")
    return RedirectResponse("/desk", status_code=303)


async def _act(request: Request, action: str):
    form = await checked_form(request)
    staff = await require_staff(request)
    rt = request.app.state.rt
    chosen = _setup(request)
    if chosen is None:
        return RedirectResponse("/desk", status_code=303)
    counter, services = chosen
    number = str(form.get("number") or "")[:12]
    if action == "call":
        ticket = await run_in_threadpool(calls.call_next, rt.settings, rt.clock, counter, services, staff.name)
        detail = f"{ticket.number} to counter {counter}" if ticket else f"nobody waiting ({','.join(services)})"
        if ticket is None:
            request.session["notice"] = N_("Nobody is waiting for these services.")
    elif action == "recall":
        ticket = await run_in_threadpool(calls.recall, rt.settings, rt.clock, number, counter, staff.name)
        detail = f"{ticket.number} at counter {counter}"
    elif action == "start":
        ticket = await run_in_threadpool(calls.start, rt.settings, rt.clock, number, counter)
        detail = f"{ticket.number} at counter {counter}"
    elif action == "done":
        ticket = await run_in_threadpool(calls.done, rt.settings, rt.clock, number)
        detail = ticket.number
    elif action == "transfer":
        to = str(form.get("service") or "")[:2]
        old, new = await run_in_threadpool(calls.transfer, rt.settings, rt.clock, number, to)
        detail = f"{old.number} -> {new.number}"
        request.session["notice"] = N_("Transferred: the new number is {number}.")
        request.session["notice_number"] = new.number
    else:
        ticket = await run_in_threadpool(calls.no_show, rt.settings, rt.clock, number)
        detail = ticket.number
    await audit(request, staff, action, detail)
    await request.app.state.hub.changed()
    return RedirectResponse("/desk", status_code=303)


async def transfer(request: Request):
    return await _act(request, "transfer")


async def call(request: Request):
    return await _act(request, "call")


async def recall(request: Request):
    return await _act(request, "recall")


async def start(request: Request):
    return await _act(request, "start")


async def done(request: Request):
    return await _act(request, "done")


async def no_show(request: Request):
    return await _act(request, "no_show")


routes = [
    Route("/desk", desk, methods=["GET"]),
    Route("/desk/waiting", waiting_fragment, methods=["GET"]),
    Route("/desk/setup", setup, methods=["POST"]),
    Route("/desk/call", call, methods=["POST"]),
    Route("/desk/recall", recall, methods=["POST"]),
    Route("/desk/start", start, methods=["POST"]),
    Route("/desk/done", done, methods=["POST"]),
    Route("/desk/no-show", no_show, methods=["POST"]),
    Route("/desk/transfer", transfer, methods=["POST"]),
]
