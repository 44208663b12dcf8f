"""Softcopies and the mail outbox for staff: ``kiosk softcopy``, ``kiosk mail status|flush|retry``.

``kiosk softcopy`` runs the same ``kiosk.core.softcopy.create_request`` as the touchscreen (staff
are not held to the visitor limits); with ``--out`` the stamped PDF is written there instead of being
mailed (staff hand it over) — never over an existing file without ``--force``, never through a
symlink, never into the data folder (``kiosk.core.handover``).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.core import outbox, softcopy
from kiosk.core.clock import local
from kiosk.core.errors import KioskError, ValidationError
from kiosk.core.logs import mask_email
from kiosk.core.statuses import MailStatus, RequestStatus
from kiosk.i18n import gettext_for
from kiosk.runtime import Runtime


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("softcopy", help="stamp publications for a visitor and mail them (or --out for staff)")
    p.add_argument("publications", nargs="+", type=int, metavar="PUB_ID", help="publication ids (kiosk catalog list)")
    p.add_argument("--name", required=True, help="visitor's name (printed on every page)")
    p.add_argument("--email", required=True, help="visitor's e-mail address (printed on every page)")
    p.add_argument("--purpose", default="", help="intended use, free text")
    p.add_argument("--lang", choices=("id", "en"), help="language of the message (default: the kiosk's)")
    p.add_argument("--out", type=Path, metavar="FILE.pdf",
                   help="write the stamped PDF here instead of mailing it (a folder for several publications)")
    p.add_argument("--force", action="store_true", help="with --out: replace an existing file of that name")
    p.add_argument("--send-now", action="store_true", help="try to send at once instead of leaving it to the kiosk")
    p.set_defaults(func=cmd_softcopy)

    m = sub.add_parser("mail", help="the outbox of softcopy e-mails: status, flush, retry")
    ms = m.add_subparsers(dest="mail_command", metavar="ACTION")
    ms.required = True
    q = ms.add_parser("status", help="counts per status and every message not sent yet")
    q.add_argument("--all", action="store_true", help="list sent messages too")
    q.set_defaults(func=cmd_status, runtime="read")
    q = ms.add_parser("flush", help="send this kiosk's queued messages now, ignoring the retry wait")
    q.set_defaults(func=cmd_flush)
    q = ms.add_parser("retry", help="queue a held or failed message again (a held one may arrive twice)")
    q.add_argument("id", type=int, metavar="ID")
    q.set_defaults(func=cmd_retry)


def cmd_softcopy(args, runtime: Runtime) -> int:
    settings = runtime.settings
    lang = args.lang or settings.kiosk.language
    try:
        outcome = softcopy.create_request(
            settings, runtime.clock, args.publications, args.name, args.email, purpose_text=args.purpose,
            purpose_code="" if args.purpose else "lainnya", terms_accepted=True, language=lang, out=args.out,
            force=args.force, limits=False)
    except ValidationError as exc:
        raise KioskError("; ".join(f"--{k}: {gettext_for('en', v)}" for k, v in exc.errors.items())) from None
    if args.out is not None:
        print(f"{outcome.number}\t{args.out}")
        return 0
    status = outcome.status
    if args.send_now and status == RequestStatus.QUEUED:
        status = softcopy.deliver_now(settings, runtime.clock, runtime.mailer, outcome)
    print(f"{outcome.number}\t{status}\t{mask_email(outcome.email)}\toutbox {outcome.mail_id}")
    return 0


def cmd_status(args, runtime: Runtime) -> int:
    counts = outbox.counts()
    zone = runtime.settings.office.timezone
    print("  ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "outbox empty")
    rows = outbox.listing(include_sent=args.all)
    if rows:
        print("\t".join(("id", "created", "kiosk", "status", "attempts", "next_try", "to", "size_kb", "error")))
    for r in rows:
        nxt = local(r.next_attempt_at, zone).strftime("%m-%d %H:%M") if r.status == MailStatus.QUEUED else "-"
        print("\t".join((str(r.id), local(r.created_at, zone).strftime("%Y-%m-%d %H:%M"), r.kiosk, r.status,
                         str(r.attempts), nxt, mask_email(r.to_address) if r.to_address else "-",
                         str(r.size // 1024), " ".join(r.last_error.split())[:120] or "-")))
    stuck = softcopy.needing_staff()
    if stuck:
        # no message to list for these: still being stamped (or killed doing it), or failed before one was stored
        print(f"requests without a message: {len(stuck)}")
        print("\t".join(("number", "created", "status", "to")))
        for req in stuck:
            print("\t".join((req.number, local(req.created_at, zone).strftime("%Y-%m-%d %H:%M"), req.status,
                             mask_email(req.email) if req.email else "-")))
    return 0


def cmd_flush(args, runtime: Runtime) -> int:
    settings, clock = runtime.settings, runtime.clock
    softcopy.recover(settings, clock)       # what a crash left half-done, also with mail turned off
    if not settings.mail.enabled:
        raise KioskError("mail.enabled is false in the config: messages stay in the outbox")
    attempts = outbox.send_due(settings, clock, runtime.mailer, force=True)
    sent = sum(a.status == MailStatus.SENT for a in attempts)
    for a in attempts:
        if a.status != MailStatus.SENT:
            print(f"{a.mail_id}\t{a.status}\t{' '.join(a.error.split())[:200]}")
    left = len(outbox.due(settings, clock, force=True))
    elsewhere = outbox.counts().get(MailStatus.QUEUED, 0) - left
    print(f"sent {sent}, still queued {left}" + (f" (and {elsewhere} queued by other kiosks)" if elsewhere else ""))
    return 0 if not left else 1


def cmd_retry(args, runtime: Runtime) -> int:
    mail = outbox.retry(runtime.clock, args.id)
    print(f"{mail.id} queued again (kiosk mail flush, or the kiosk sends it within a minute)")
    return 0
