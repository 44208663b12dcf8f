"""The ticket on the visitor's phone ``/q/<token>``: number, people ahead, wait, "called — counter 1", and
once the desk has served the ticket, the service rating (SKM) of that visit ``/q/<token>/rate``.

No login and no personal data: the token (128 random bits, ``kiosk.core.calls.phone_token``) is the
only key, and it stops working when the ticket's office day is over. The rating form never carries a
ticket id: the ticket rated is the token's, so one ticket's page cannot rate for another."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kiosk.core import calls, survey
from kiosk.core.errors import ValidationError
from kiosk.i18n import N_, gettext_for
from kiosk.web.pages import checked_form, lang_of, render

T_WAITING = N_("Waiting")
T_CALLED = N_("Called — counter {counter}")
T_SERVED = N_("Served. Thank you!")
T_NO_SHOW = N_("Called, but you were not there. Please ask PST staff.")
T_AHEAD = N_("People ahead of you: {count}")
T_ESTIMATE = N_("Estimated wait: about {minutes} min")
COMMENT_MAX_FORM = 2000     # what the form reads; core refuses more than survey.COMMENT_MAX with a message


def _view(status: calls.PhoneStatus, rating: str, lang: str) -> dict:
    def _(m: str) -> str:
        return gettext_for(lang, m)

    label = {"waiting": _(T_WAITING), "called": _(T_CALLED).format(counter=status.counter),
             "served": _(T_SERVED), "no_show": _(T_NO_SHOW)}.get(status.status, status.status)
    return {"number": status.number, "service": status.service_name, "status": status.status, "label": label,
            "ahead": _(T_AHEAD).format(count=status.ahead) if status.status == "waiting" else "",
            "estimate": (_(T_ESTIMATE).format(minutes=status.estimated_min)
                         if status.status == "waiting" and status.estimated_min is not None else ""),
            "rating": rating}


def _load(request: Request) -> tuple[calls.PhoneStatus, str]:
    rt = request.app.state.rt
    token = request.path_params["token"]
    status = calls.phone_status(rt.settings, rt.clock, token)
    return status, survey.ticket_rating(rt.settings, rt.clock, token).state


async def phone(request: Request):
    status, rating = await run_in_threadpool(_load, request)
    return render(request, "phone.html", view=_view(status, rating, lang_of(request)),
                  token=request.path_params["token"])


async def phone_json(request: Request):
    status, rating = await run_in_threadpool(_load, request)
    return JSONResponse(_view(status, rating, lang_of(request)), headers={"Cache-Control": "no-store"})


def _rate_view(request: Request, state: str, number: str, status_code: int = 200, error: str = "",
               chosen: dict | None = None, comment: str = ""):
    return render(request, "phone_rate.html", status_code=status_code, state=state, number=number,
                  token=request.path_params["token"], elements=survey.ELEMENTS, error=error,
                  chosen=chosen or {}, comment=comment)


async def rate_page(request: Request):
    rt = request.app.state.rt
    rating = await run_in_threadpool(survey.ticket_rating, rt.settings, rt.clock, request.path_params["token"])
    return _rate_view(request, rating.state, rating.number)


async def rate(request: Request):
    form = await checked_form(request)
    rt = request.app.state.rt
    token = request.path_params["token"]
    lang = lang_of(request)
    chosen = {e.field: str(form.get(e.field) or "") for e in survey.ELEMENTS}
    scores = [int(v) if v in ("1", "2", "3", "4") else 0 for v in chosen.values()]
    comment = str(form.get("comment") or "")[:COMMENT_MAX_FORM]
    try:
        await run_in_threadpool(survey.rate_ticket, rt.settings, rt.clock, token, scores, language=lang,
                                comment=comment)
    except ValidationError as exc:
        rating = await run_in_threadpool(survey.ticket_rating, rt.settings, rt.clock, token)
        return _rate_view(request, rating.state, rating.number, 400,
                          gettext_for(lang, next(iter(exc.errors.values()))), chosen, comment)
    except (survey.AlreadyAnswered, survey.NotServedYet):
        # polite, not an error page: the page says where the rating stands (already rated / not served yet)
        rating = await run_in_threadpool(survey.ticket_rating, rt.settings, rt.clock, token)
        return _rate_view(request, rating.state, rating.number, 409)
    rating = await run_in_threadpool(survey.ticket_rating, rt.settings, rt.clock, token)
    return _rate_view(request, "thanks", rating.number)


routes = [
    Route("/q/{token:str}", phone, methods=["GET"]),
    Route("/q/{token:str}/status.json", phone_json, methods=["GET"]),
    Route("/q/{token:str}/rate", rate_page, methods=["GET"]),
    Route("/q/{token:str}/rate", rate, methods=["POST"]),
]
