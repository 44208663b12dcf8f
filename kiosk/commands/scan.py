"""The printed library's scanner for staff: ``kiosk scan``, ``kiosk scanner status`` (issue 17).

``kiosk scan --pages N`` runs the kiosk's own path without the screen: N pages from ``rt.scanner``
into a batch, then ``kiosk.core.scan.send`` (number, PDF, stamp, outbox — or ``--out`` for a file to
hand over). Staff are not held to the visitor limits, but the page limit (copyright) holds. If the
scanner fails part-way, the pages already scanned are kept in their batch and nothing is sent;
``--batch ID`` goes on with them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.core import scan, softcopy
from kiosk.core.errors import KioskError, ValidationError
from kiosk.core.logs import mask_email
from kiosk.core.statuses import RequestStatus
from kiosk.core.ports import ScannerError
from kiosk.i18n import gettext_for
from kiosk.runtime import Runtime


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="scan pages of a printed publication and mail them stamped (or --out)")
    p.add_argument("--pages", type=int, required=True, metavar="N", help="pages to scan now (one per scan)")
    p.add_argument("--publication", type=int, metavar="ID", help="the catalogue's publication the pages are from")
    p.add_argument("--title", default="", help="title of a publication that is not in the catalogue")
    p.add_argument("--name", required=True, help="visitor's name (printed on every page)")
    p.add_argument("--email", required=True, help="visitor's e-mail address (printed on every page)")
    p.add_argument("--lang", choices=("id", "en"), help="language of the message (default: the kiosk's)")
    p.add_argument("--out", type=Path, metavar="FILE.pdf", help="write the stamped PDF here instead of mailing it")
    p.add_argument("--force", action="store_true", help="with --out: replace an existing file of that name")
    p.add_argument("--batch", metavar="ID", help="go on with the pages a failed run kept (its batch id)")
    p.add_argument("--send-now", action="store_true", help="try to send at once instead of leaving it to the kiosk")
    p.set_defaults(func=cmd_scan)

    s = sub.add_parser("scanner", help="the printed library's scanner")
    ss = s.add_subparsers(dest="scanner_command", metavar="ACTION")
    ss.required = True
    q = ss.add_parser("status", help="is the scanner there and answering (exit 1 if not)")
    q.set_defaults(func=cmd_status, runtime="read")


def cmd_scan(args, rt: Runtime) -> int:
    settings, clock = rt.settings, rt.clock
    if args.pages < 0:
        raise KioskError("--pages: must be 0 or more")
    if args.publication is None and not args.title.strip():
        raise KioskError("--publication ID or --title TEXT: which publication are the pages from?")
    batch = scan.ScanBatch.load(settings, args.batch) if args.batch else scan.ScanBatch.new(settings)
    if len(batch.pages) + args.pages > batch.limit:
        raise scan.PageLimit(batch.limit)
    for n in range(args.pages):
        try:
            batch.add(rt.scanner)
        except ScannerError as exc:
            kept = len(batch.pages)
            raise KioskError(f"{exc} — {kept} page(s) kept, nothing sent; go on with "
                             f"`kiosk scan --batch {batch.id} --pages {args.pages - n} …`") from None
        print(f"page {len(batch.pages)} scanned ({batch.pages[-1].size // 1024} KB)", file=sys.stderr)
    try:
        outcome = scan.send(settings, clock, batch, name=args.name, email=args.email, title=args.title,
                            publication_id=args.publication, terms_accepted=True,
                            language=args.lang or settings.kiosk.language, out=args.out, force=args.force,
                            limits=False)
    except ValidationError as exc:
        raise KioskError("; ".join(f"{k}: {gettext_for('en', v)}" for k, v in exc.errors.items())
                         + f" (batch {batch.id} kept)") from None
    if args.out is not None:
        print(f"{outcome.number}\t{outcome.files[0].name}\t{args.out}")
        return 0
    status = outcome.status
    if args.send_now and status == RequestStatus.QUEUED:
        status = softcopy.deliver_now(settings, clock, rt.mailer, outcome)
    print(f"{outcome.number}\t{status}\t{mask_email(outcome.email)}\toutbox {outcome.mail_id}")
    return 0


def cmd_status(args, rt: Runtime) -> int:
    print(rt.scanner.status())      # a ScannerError is the one line on stderr and exit 1
    return 0
