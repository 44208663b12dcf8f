"""The ticket on the visitor's phone ``/q/<token>``: number, people ahead, wait, "called — counter 1".

No login and no personal data: the token (128 random bits, ``kiosk.core.calls.phone_token``) is the
only key, and it stops working when the ticket's office day is over."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kiosk.core import calls
from kiosk.i18n import N_, gettext_for
from kiosk.web.pages import lang_of, render

T_WAITING = N_("Waiting")
T_CALLED = N_("Called — counter {counter}")
T_SERVED = N_("Served. Thank you!")
T_NO_SHOW = N_("Called, but you were not there. Please ask PST staff.")
T_AHEAD = N_("People ahead of you: {count}")
T_ESTIMATE = N_("Estimated wait: about {minutes} min")


def _view(status: calls.PhoneStatus, lang: str) -> dict:
    def _(m: str) -> str:
        return gettext_for(lang, m)

    label = {"waiting": _(T_WAITING), "called": _(T_CALLED).format(counter=status.counter),
             "served": _(T_SERVED), "no_show": _(T_NO_SHOW)}.get(status.status, status.status)
    return {"number": status.number, "service": status.service_name, "status": status.status, "label": label,
            "ahead": _(T_AHEAD).format(count=status.ahead) if status.status == "waiting" else "",
            "estimate": (_(T_ESTIMATE).format(minutes=status.estimated_min)
                         if status.status == "waiting" and status.estimated_min is not None else "")}


async def phone(request: Request):
    rt = request.app.state.rt
    status = await run_in_threadpool(calls.phone_status, rt.settings, rt.clock, request.path_params["token"])
    return render(request, "phone.html", view=_view(status, lang_of(request)), token=request.path_params["token"])


async def phone_json(request: Request):
    rt = request.app.state.rt
    status = await run_in_threadpool(calls.phone_status, rt.settings, rt.clock, request.path_params["token"])
    return JSONResponse(_view(status, lang_of(request)), headers={"Cache-Control": "no-store"})


routes = [
    Route("/q/{token:str}", phone, methods=["GET"]),
    Route("/q/{token:str}/status.json", phone_json, methods=["GET"]),
]
