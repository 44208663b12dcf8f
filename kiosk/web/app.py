"""The ASGI application of ``kiosk serve``: routes per area, one error handler, security headers.

``create_app(rt)`` takes an opened runtime (the CLI opens it once); ``kiosk.commands.web`` serves it
with uvicorn. Areas: ``auth`` (login, logout, admin), ``desk``, ``display``, ``phone``.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.core import calls, health
from kiosk.core.errors import TRY_AGAIN, KioskError, N_, NotFound, StorageError
from kiosk.i18n import gettext_for
from kiosk.runtime import Runtime
from kiosk.web import account, admin, auth, checkin, desk, desk_panels, desk_reports, display, library, phone
from kiosk.web.hub import Hub
from kiosk.web.pages import HERE, LoginRequired, lang_of, render

log = logging.getLogger(__name__)

SESSION_HOURS = 12
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # the phone page's token is in its URL: never hand it to another site
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Pure ASGI (a streamed SSE response passes through untouched)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                have = {k.lower() for k, _ in message["headers"]}
                message["headers"] = list(message["headers"]) + [h for h in SECURITY_HEADERS if h[0] not in have]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def load_secret(path: Path) -> str:
    """The session-signing secret; made (0600, 256 random bits) when the file is missing."""
    try:
        text = path.read_text(encoding="ascii").strip()
        if len(text) >= 32:
            return text
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text(encoding="ascii").strip()


# --- the one error handler of the web face ---

async def on_kiosk_error(request: Request, exc: KioskError):
    lang = lang_of(request)
    storage = isinstance(exc, StorageError)
    if storage:
        log.warning("%s %s: %s", request.method, request.url.path, exc)
    else:
        log.info("%s %s refused: %s", request.method, request.url.path, exc)
    status = 503 if storage else 404 if isinstance(exc, NotFound) else 400
    return render(request, "error.html", status_code=status, message=gettext_for(lang, exc.visitor_message),
                  detail=str(exc) if request.scope.get("kiosk.staff") else "", retry=storage)


async def on_http_error(request: Request, exc: HTTPException):
    if exc.status_code in (403, 404, 405):
        text = {403: N_("You may not do this here."), 404: NotFound.visitor_message,
                405: N_("You may not do this here.")}[exc.status_code]
        return render(request, "error.html", status_code=exc.status_code,
                      message=gettext_for(lang_of(request), text), detail=str(exc.detail or ""), retry=False)
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)


async def on_login_required(request: Request, exc: LoginRequired):
    return RedirectResponse("/login?next=" + request.url.path, status_code=303)


async def on_unexpected(request: Request, exc: Exception):
    # the last boundary: the traceback goes to the log, the browser gets one sentence
    log.error("%s %s failed unexpectedly", request.method, request.url.path, exc_info=exc)
    return render(request, "error.html", status_code=500,
                  message=gettext_for(lang_of(request), TRY_AGAIN),
                  detail="", retry=True)


HEALTHZ_TIMEOUT_S = 5.0
HEALTHZ_CACHE_S = 10.0      # quick_check reads the whole file: a monitor polling every second must not


async def healthz(request: Request):
    """The doctor's database and schema checks (bounded in time, each in a thread), answered from the
    last result for ``HEALTHZ_CACHE_S`` so it stays cheap whoever polls it."""
    rt: Runtime = request.app.state.rt
    state = request.app.state
    async with state.healthz_lock:
        if state.healthz is None or time.monotonic() - state.healthz[0] > HEALTHZ_CACHE_S:
            checks = [c for c in health.doctor_checks(rt.settings, rt.db, None, None, rt.clock.now(),
                                                      HEALTHZ_TIMEOUT_S) if c[0] in ("database", "schema")]
            findings = await run_in_threadpool(health.run_checks, checks)
            failed = [f for f in findings if f.level == health.Level.FAIL]
            for f in failed:
                log.warning("healthz: %s: %s", f.name, f.line)
            state.healthz = (time.monotonic(), not failed)
    if not state.healthz[1]:
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("ok")


async def events(request: Request):
    from starlette.responses import StreamingResponse

    return StreamingResponse(request.app.state.hub.stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def make_server(app: Starlette, host: str, port: int, **options):
    """A uvicorn server for ``app`` that ends the open event streams as soon as it is asked to stop (they
    would otherwise hold the shutdown until uvicorn cancels them; the displays reconnect by themselves)."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            app.state.hub.close()
            super().handle_exit(sig, frame)

    options.setdefault("timeout_graceful_shutdown", 3)
    return Server(uvicorn.Config(app, host=host, port=port, server_header=False, **options))


def create_app(rt: Runtime, *, poll: bool = True) -> Starlette:
    web = rt.settings.web

    def compute():
        return (calls.feed_version(rt.settings, rt.clock), calls.display_state(rt.settings, rt.clock).as_json())

    hub = Hub(compute)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(hub.poll_forever()) if poll else None
        try:
            yield
        finally:
            hub.close()
            if task is not None:
                task.cancel()

    routes = [
        Route("/healthz", healthz),
        # the address on posters and tickets is the public one: visitors land in the library, staff go to /desk
        Route("/", lambda request: RedirectResponse("/library", status_code=303)),
        Route("/events", events),
        *auth.routes, *admin.routes, *desk.routes, *desk_panels.routes, *desk_reports.routes,
        *display.routes, *phone.routes, *library.routes, *account.routes, *checkin.routes,
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=load_secret(web.session_secret_file), session_cookie="kiosk_session",
                   max_age=SESSION_HOURS * 3600, same_site="strict", https_only=web.public_url.startswith("https://")),
    ]
    handlers = {KioskError: on_kiosk_error, HTTPException: on_http_error, LoginRequired: on_login_required,
                Exception: on_unexpected}
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan)
    app.state.rt = rt
    app.state.hub = hub
    app.state.healthz = None            # (when, ok) of the last /healthz checks
    app.state.healthz_lock = asyncio.Lock()
    return app
