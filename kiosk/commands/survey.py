"""Complaints and staff reports: ``kiosk complaints list|close``, ``kiosk report ikm|visits|queue``."""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.core import complaints, report_tables, reports
from kiosk.core.clock import local
from kiosk.core.errors import KioskError
from kiosk.documents import reports_pdf
from kiosk.runtime import Runtime


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("complaints", help="complaints and suggestions left at the kiosk (pengaduan)")
    cs = p.add_subparsers(dest="complaints_command", metavar="ACTION")
    cs.required = True
    q = cs.add_parser("list", help="every complaint, oldest first, tab-separated")
    q.add_argument("--open", action="store_true", help="only those not closed yet")
    q.set_defaults(func=cmd_complaints_list, runtime="read")
    q = cs.add_parser("close", help="close a complaint with a note on what was done")
    q.add_argument("reference", metavar="REF", help="reference number, e.g. ADU-20261124-0003")
    q.add_argument("--note", required=True, help="what was done (kept with the complaint)")
    q.set_defaults(func=cmd_complaints_close)

    p = sub.add_parser("report", help="staff reports as PDF or CSV: ikm (SKM survey), visits, queue")
    p.add_argument("kind", choices=reports.REPORT_KINDS, help="which report")
    p.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day, YYYY-MM-DD (office time)")
    p.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day, YYYY-MM-DD (included)")
    p.add_argument("--format", choices=report_tables.FORMATS, help="pdf or csv (default: from the --out suffix)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="file to write")
    p.add_argument("--lang", choices=("id", "en"), help="language of the report (default: the kiosk's)")
    p.set_defaults(func=cmd_report, runtime="read")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def cmd_complaints_list(args, runtime: Runtime) -> int:
    zone = runtime.settings.office.timezone
    rows = complaints.list_complaints(open_only=args.open)
    print("\t".join(("reference", "created", "status", "category", "contact", "text", "closing_note")))
    for c in rows:
        print("\t".join((c.reference, local(c.created_at, zone).strftime("%Y-%m-%d %H:%M"), c.status,
                         c.category, c.contact or "-", _one_line(c.text), _one_line(c.closing_note))))
    return 0


def cmd_complaints_close(args, runtime: Runtime) -> int:
    c = complaints.close_complaint(runtime.clock, args.reference, args.note)
    print(f"{c.reference} closed")
    return 0


def cmd_report(args, runtime: Runtime) -> int:
    fmt = args.format or args.out.suffix.lower().lstrip(".")
    if fmt not in report_tables.FORMATS:
        raise KioskError(f"--format pdf|csv is needed (cannot tell from {args.out.name!r})")
    period = reports.Period.parse(args.start, args.end)
    lang = args.lang or runtime.settings.kiosk.language
    report = reports.build(args.kind, runtime.settings, runtime.clock, period, lang)
    try:
        out = reports_pdf.write(report, args.out, fmt, runtime.settings)
    except OSError as exc:
        raise KioskError(f"cannot write {args.out}: {exc.strerror}") from None
    print(f"{out}" + (f"  ({report.empty_message})" if report.empty else ""))
    return 0
