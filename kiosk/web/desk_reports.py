"""The desk's reports (PDF/CSV downloads of a period, as ``kiosk report`` writes them) and the health
panel (the printer, mail, outbox and disk checks ``kiosk doctor`` runs, each bounded in time)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk.core import health, queue, report_tables, reports
from kiosk.documents import reports_pdf
from kiosk.web.pages import audit, lang_of, render, require_staff

# what the desk needs to know about its devices; the database is /healthz's (and the doctor's)
HEALTH_CHECKS = ("printer", "mail", "outbox", "disk", "lockers")
HEALTH_TIMEOUT_S = 5.0
MEDIA = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


async def reports_page(request: Request):
    await require_staff(request)
    rt = request.app.state.rt
    today = queue.today(rt.settings, rt.clock)[2]
    return render(request, "desk_reports.html", kinds=reports.REPORT_KINDS, formats=report_tables.FORMATS,
                  start=today.replace(day=1).isoformat(), end=today.isoformat())


def _build(rt, kind: str, start: str, end: str, fmt: str, lang: str) -> tuple[str, bytes]:
    if fmt not in report_tables.FORMATS:
        raise report_tables.ReportError(f"unknown format {fmt!r} (known: {', '.join(report_tables.FORMATS)})")
    period = reports.Period.parse(start, end)
    report = reports.build(kind, rt.settings, rt.clock, period, lang)
    name = f"{kind}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    # reports_pdf writes files (as for the CLI); a private temporary folder, gone after the read
    with tempfile.TemporaryDirectory(prefix="kiosk-report-") as tmp:
        out = reports_pdf.write(report, Path(tmp) / name, fmt, rt.settings)
        return name, out.read_bytes()


async def download(request: Request):
    staff = await require_staff(request)
    rt = request.app.state.rt
    p = request.query_params
    kind, fmt = p.get("kind", "")[:10], p.get("format", "pdf")[:5]
    start, end = p.get("from", "")[:10], p.get("to", "")[:10]
    name, body = await run_in_threadpool(_build, rt, kind, start, end, fmt, lang_of(request))
    await audit(request, staff, "report", name)
    return Response(body, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _findings(rt) -> list[health.Finding]:
    now = rt.clock.now()
    checks = [c for c in health.doctor_checks(rt.settings, rt.db, rt.printer, rt.mailer, now, HEALTH_TIMEOUT_S)
              if c[0] in HEALTH_CHECKS]
    return health.run_checks(checks)


async def health_page(request: Request):
    await require_staff(request)
    rt = request.app.state.rt
    findings = await run_in_threadpool(_findings, rt)
    rows = [{"name": f.name, "level": f.level.name, "line": f.line} for f in findings]
    template = "desk_health_list.html" if request.query_params.get("part") == "1" else "desk_health.html"
    return render(request, template, rows=rows, worst=health.worst(findings).name)


routes = [
    Route("/desk/reports", reports_page, methods=["GET"]),
    Route("/desk/reports/download", download, methods=["GET"]),
    Route("/desk/health", health_page, methods=["GET"]),
]
