"""The desk's other panels: today's guestbook, lockers with held ID cards, softcopies needing staff,
the complaints inbox. (Reports and health: ``desk_reports``.)

Each panel is a page (``GET /desk/<panel>``) whose list is also served alone (``?part=1``) so
``static/desk_panels.js`` can reload it when the server pushes a change. Every action is a
CSRF-checked POST → one core function → audit entry → push → back to the panel (POST/redirect/GET).
The database is read in a worker thread, and the templates get plain values, never records to
lazy-load from the event loop.
"""
from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from kiosk.core import complaints, lockers, outbox, queue, softcopy, visits
from kiosk.core.clock import local
from kiosk.core.errors import KioskError
from kiosk.core.logs import mask_email
from kiosk.i18n import N_
from kiosk.web.pages import audit, checked_form, render, require_staff

CARD_RETURNED = N_("Locker {label} released: the ID card was handed back.")
CARD_MISMATCH = N_("The number typed does not match the ID card held for locker {label}. Check the card "
                   "and type its number again.")
LOCKER_RELEASED = N_("Locker {label} released.")
MAIL_REQUEUED = N_("Message {id} will be sent again.")
COMPLAINT_CLOSED = N_("Complaint {reference} closed.")


def _notice(request: Request, msgid: str, **values) -> None:
    request.session["panel_notice"] = [msgid, {k: str(v)[:40] for k, v in values.items()}]


async def _page(request: Request, template: str, **context):
    """The panel page, or its list only (``?part=1``) for the live reload."""
    if request.query_params.get("part") == "1":
        return render(request, template.replace(".html", "_list.html"), **context)
    return render(request, template, notice=request.session.pop("panel_notice", None), **context)


def _when(settings, value: dt.datetime | None) -> str:
    return f"{local(value, settings.office.timezone):%d-%m %H:%M}" if value else ""


# --- today's guestbook ---

async def guestbook(request: Request):
    await require_staff(request)
    rt = request.app.state.rt
    q = request.query_params.get("q", "")[:80]
    day = queue.today(rt.settings, rt.clock)[2]
    rows = await run_in_threadpool(visits.search_day, rt.settings, day, q)
    return await _page(request, "desk_guestbook.html", rows=rows, q=q, day=day)


# --- lockers and held ID cards ---

def _lockers_view(settings):
    return [{"label": s.label, "since": _when(settings, s.since), "name": s.visitor_name, "ticket": s.ticket_number,
             "id_type": s.id_type, "masked": s.id_number_masked, "held": s.id_card_held}
            for s in lockers.statuses(only_occupied=True)]


async def lockers_page(request: Request):
    await require_staff(request)
    rt = request.app.state.rt
    rows = await run_in_threadpool(_lockers_view, rt.settings)
    return await _page(request, "desk_lockers.html", rows=rows)


def _hand_back(rt, label: str, typed: str) -> bool:
    """Release ``label`` if the typed number is the held card's (compared by keyed hash; the number
    itself is neither kept nor logged)."""
    held = lockers.card_held_for(label)
    if not lockers.card_matches(rt.settings.storage.data_dir, held, typed):
        return False
    lockers.release(rt.db, rt.clock, held.label, id_card_returned=True)
    return True


async def hand_back(request: Request):
    form = await checked_form(request)
    staff = await require_staff(request)
    rt = request.app.state.rt
    label = str(form.get("label") or "")[:20].strip().upper()
    typed = str(form.get("id_number") or "")[:40]
    if await run_in_threadpool(_hand_back, rt, label, typed):
        await audit(request, staff, "id_card_returned", f"locker {label}")
        _notice(request, CARD_RETURNED, label=label)
        await request.app.state.hub.changed()
    else:
        await audit(request, staff, "id_card_mismatch", f"locker {label}")
        _notice(request, CARD_MISMATCH, label=label)
    return RedirectResponse("/desk/lockers", status_code=303)


async def release(request: Request):
    """A locker with no ID card held (or none to hand back): the key came back."""
    form = await checked_form(request)
    staff = await require_staff(request)
    rt = request.app.state.rt
    label = str(form.get("label") or "")[:20].strip().upper()

    def job():
        if any(s.label == label and s.id_card_held for s in lockers.statuses(only_occupied=True)):
            raise KioskError(f"locker {label} holds an ID card: hand it back after checking its number")
        lockers.release(rt.db, rt.clock, label, id_card_returned=False)

    await run_in_threadpool(job)
    await audit(request, staff, "locker_release", f"locker {label}")
    _notice(request, LOCKER_RELEASED, label=label)
    await request.app.state.hub.changed()
    return RedirectResponse("/desk/lockers", status_code=303)


# --- softcopies needing staff ---

def _softcopy_view(settings):
    mails = [{"id": m.id, "status": m.status, "to": mask_email(m.to_address), "subject": m.subject,
              "attempts": m.attempts, "error": (m.last_error or "")[:200], "when": _when(settings, m.created_at)}
             for m in outbox.listing() if m.status in ("held", "failed")]
    requests = [{"number": r.number, "status": r.status, "to": mask_email(r.email or ""),
                 "when": _when(settings, r.created_at)} for r in softcopy.needing_staff()]
    return mails, requests


async def softcopy_page(request: Request):
    await require_staff(request)
    rt = request.app.state.rt
    mails, requests = await run_in_threadpool(_softcopy_view, rt.settings)
    return await _page(request, "desk_softcopy.html", mails=mails, requests=requests)


async def resend(request: Request):
    form = await checked_form(request)
    staff = await require_staff(request)
    rt = request.app.state.rt
    try:
        mail_id = int(str(form.get("mail_id") or ""))
    except ValueError:
        mail_id = 0
    mail = await run_in_threadpool(outbox.retry, rt.clock, mail_id)
    await audit(request, staff, "mail_resend", f"outbox {mail.id} ({mail.status})")
    _notice(request, MAIL_REQUEUED, id=mail.id)
    await request.app.state.hub.changed()
    return RedirectResponse("/desk/softcopy", status_code=303)


# --- complaints ---

def _complaints_view(settings, show_all: bool):
    return [{"reference": c.reference, "category": c.category, "text": c.text, "contact": c.contact,
             "status": c.status, "when": _when(settings, c.created_at), "closed": _when(settings, c.closed_at),
             "note": c.closing_note} for c in reversed(complaints.list_complaints(open_only=not show_all))]


async def complaints_page(request: Request):
    await require_staff(request)
    rt = request.app.state.rt
    show_all = request.query_params.get("all") == "1"
    rows = await run_in_threadpool(_complaints_view, rt.settings, show_all)
    return await _page(request, "desk_complaints.html", rows=rows, show_all=show_all)


async def close_complaint(request: Request):
    form = await checked_form(request)
    staff = await require_staff(request)
    rt = request.app.state.rt
    reference = str(form.get("reference") or "")[:24]
    note = str(form.get("note") or "")[:4000]
    closed = await run_in_threadpool(complaints.close_complaint, rt.clock, reference, note)
    await audit(request, staff, "complaint_close", closed.reference)
    _notice(request, COMPLAINT_CLOSED, reference=closed.reference)
    await request.app.state.hub.changed()
    return RedirectResponse("/desk/complaints", status_code=303)


routes = [
    Route("/desk/guestbook", guestbook, methods=["GET"]),
    Route("/desk/lockers", lockers_page, methods=["GET"]),
    Route("/desk/lockers/hand-back", hand_back, methods=["POST"]),
    Route("/desk/lockers/release", release, methods=["POST"]),
    Route("/desk/softcopy", softcopy_page, methods=["GET"]),
    Route("/desk/softcopy/resend", resend, methods=["POST"]),
    Route("/desk/complaints", complaints_page, methods=["GET"]),
    Route("/desk/complaints/close", close_complaint, methods=["POST"]),
]
