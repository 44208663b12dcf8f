"""Queue commands for staff: ``kiosk ticket`` and ``kiosk queue status|call|done|no-show``.

They run the same ``kiosk.core.queue`` functions as the touchscreen, on the same database and
printer, so a number taken here is never taken again on a kiosk.
"""
from __future__ import annotations

import argparse
import logging
import sys

from kiosk.core import queue
from kiosk.core.clock import zone_label
from kiosk.core.ports import PrinterError
from kiosk.runtime import Runtime

log = logging.getLogger(__name__)

EXIT_NOT_PRINTED = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ticket", help="issue a queue number and print it (exit 3: issued but not printed)",
                       description="Issue the next number of SERVICE_CODE and print it; the number goes to "
                                   "stdout. Exit 0 printed, 3 issued but not printed (reason on stderr).")
    p.add_argument("service", nargs="?", metavar="SERVICE_CODE", help="service code from [[services]], e.g. A")
    p.add_argument("--lang", choices=("id", "en"), default="id", help="ticket language (default id)")
    p.add_argument("--reprint", metavar="NUMBER", help="print today's ticket NUMBER again, e.g. A-007")
    p.set_defaults(func=cmd_ticket)

    q = sub.add_parser("queue", help="today's queue: status, call the next number, done, no-show")
    qsub = q.add_subparsers(dest="queue_command", metavar="ACTION")
    qsub.required = True
    s = qsub.add_parser("status", help="per service: waiting, called, served today, median wait; "
                                       "the service-standard share and who waits too long now")
    s.set_defaults(func=cmd_status, runtime="read")
    c = qsub.add_parser("call", help="call the next waiting number of a service; prints it")
    c.add_argument("service", metavar="SERVICE_CODE")
    c.add_argument("--counter", default="", help="counter / desk number shown with the call")
    c.set_defaults(func=cmd_call)
    d = qsub.add_parser("done", help="mark a number served")
    d.add_argument("number", metavar="NUMBER")
    d.set_defaults(func=cmd_done)
    n = qsub.add_parser("no-show", help="mark a called number as not present")
    n.add_argument("number", metavar="NUMBER")
    n.set_defaults(func=cmd_no_show)

    pr = sub.add_parser("printer", help="the ticket printer: status, or print a test page")
    prsub = pr.add_subparsers(dest="printer_command", metavar="ACTION")
    prsub.required = True
    prsub.add_parser("status", help="online / paper, where the printer can tell").set_defaults(func=cmd_printer_status, runtime="read")
    prsub.add_parser("test", help="print a test page (exit 3 if it could not be printed)") \
        .set_defaults(func=cmd_printer_test)


def cmd_ticket(args, rt: Runtime) -> int:
    if bool(args.service) == bool(args.reprint):
        raise queue.QueueError("give a SERVICE_CODE to issue a number, or --reprint NUMBER (not both)")
    if args.reprint:
        ticket, result = queue.reprint_ticket(rt.settings, rt.clock, rt.printer, args.reprint)
        _say(ticket.number)
        return _outcome(ticket.number, result)
    issued = queue.issue_ticket(rt.settings, rt.clock, args.service, args.lang)
    # Committed: the number goes to stdout first, and from here on anything that fails ends in exit 3
    # with the number already out (on a full disk A-026 was printed and the command crashed unshown).
    number = issued.ticket.number
    shown = _say(number)
    try:
        result = queue.print_ticket(rt.settings, rt.clock, rt.printer, issued.ticket,
                                    ahead=issued.waiting_ahead, shown=shown)
    except Exception as exc:  # last-resort boundary after the commit: logged, and the number stands
        # the traceback goes to the log file (INFO), the terminal gets the one line below (--debug: both)
        log.info("ticket %s: printing failed unexpectedly", number, exc_info=True)
        print(f"kiosk: {number} issued but not printed: {exc or type(exc).__name__} "
              f"(reprint with: kiosk ticket --reprint {number})", file=sys.stderr)
        return EXIT_NOT_PRINTED
    return _outcome(number, result)


def _say(number: str) -> bool:
    """The number on stdout, flushed now; False when stdout is gone (the ticket is then not 'shown')."""
    try:
        print(number, flush=True)
        return True
    except OSError:
        return False


def _outcome(number: str, result: queue.PrintResult) -> int:
    if not result.printed:
        print(f"kiosk: {number} issued but not printed: {result.error} "
              f"(reprint with: kiosk ticket --reprint {number})", file=sys.stderr)
    if result.not_recorded is not None:
        print(f"kiosk: {number} {'printed' if result.printed else 'not printed'}, but the database did not "
              f"record it: {result.not_recorded}", file=sys.stderr)
    return 0 if result.printed and result.not_recorded is None else EXIT_NOT_PRINTED


def cmd_call(args, rt: Runtime) -> int:
    ticket = queue.call_next(rt.settings, rt.clock, args.service, args.counter)
    if ticket is None:
        print(f"kiosk: nobody is waiting for {args.service.upper()}", file=sys.stderr)
        return 0
    print(ticket.number + (f"  → counter {ticket.counter}" if ticket.counter else ""))
    return 0


def cmd_done(args, rt: Runtime) -> int:
    print(f"{queue.mark_served(rt.settings, rt.clock, args.number).number} served")
    return 0


def cmd_no_show(args, rt: Runtime) -> int:
    print(f"{queue.mark_no_show(rt.settings, rt.clock, args.number).number} marked no-show")
    return 0


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def format_status(st: queue.QueueStatus, zone: str) -> str:
    lines = [f"Queue {st.day.isoformat()}  (service standard: called within {st.standard_min} min "
             f"of the guestbook, or of the ticket when there is no guestbook)", ""]
    head = f"{'':2} {'service':<34} {'issued':>6} {'waiting':>7} {'called':>6} {'served':>6} {'no-show':>7} {'median wait':>12}"
    lines.append(head)
    for s in st.services:
        lines.append(f"{s.code:2} {s.name[:34]:<34} {s.issued:>6} {s.waiting:>7} {s.called:>6} {s.served:>6} "
                     f"{s.no_show:>7} {_minutes(s.median_wait_min) + ' min':>12}")
    lines.append("")
    share = st.share
    if share.percent is None:
        lines.append(f"Within {st.standard_min} min: nothing decided yet today"
                     + (f" ({share.pending} not called yet, within the standard so far)" if share.pending else ""))
    else:
        lines.append(f"Within {st.standard_min} min: {share.within} of {share.decided} ({share.percent} %) — "
                     f"called in time, of those called or already waiting past the standard"
                     + (f"; {share.pending} waiting, not late yet" if share.pending else ""))
    if st.late:
        lines.append(f"Waiting longer than {st.standard_min} min now:")
        for t in st.late:
            since = f"{t.since:%H:%M} {zone_label(zone, t.since)}"
            lines.append(f"  {t.number:<8} {t.waited_min:5.1f} min  since {since} "
                         f"({'guestbook' if t.from_guestbook else 'ticket'})")
    else:
        lines.append(f"Nobody is waiting longer than {st.standard_min} min now.")
    if st.undelivered:
        lines.append("Issued but never shown or printed (the visitor may not know the number):")
        for u in st.undelivered:
            lines.append(f"  {u.number:<8} issued {u.issued:%H:%M} {zone_label(zone, u.issued)} on {u.kiosk}"
                         + (f" — printer: {u.print_error}" if u.print_error else ""))
    if st.not_printed:
        lines.append(f"Shown but not printed: {', '.join(st.not_printed)} (kiosk ticket --reprint NUMBER)")
    return "\n".join(lines)


def cmd_status(args, rt: Runtime) -> int:
    st = queue.queue_status(rt.settings, rt.clock)
    print(format_status(st, rt.settings.office.timezone))
    printer = rt.printer.status()
    online = {True: "online", False: "OFFLINE", None: "status unknown"}[printer.online]
    print(f"\nPrinter ({rt.printer.describe()}): {online}"
          + (f", paper {printer.paper}" if printer.paper else "")
          + (f" — {printer.detail}" if printer.detail and printer.online is False else ""))
    return 0


def cmd_printer_status(args, rt: Runtime) -> int:
    st = rt.printer.status()
    online = {True: "online", False: "OFFLINE", None: "status unknown"}[st.online]
    print(f"{rt.printer.describe()}: {online}" + (f", paper {st.paper}" if st.paper else "")
          + (f" ({st.detail})" if st.detail and st.online is not True else ""))
    return 0 if st.ready else EXIT_NOT_PRINTED


def cmd_printer_test(args, rt: Runtime) -> int:
    try:
        rt.printer.print_test_page(rt.settings.office.name, rt.clock.now())
    except PrinterError as exc:
        print(f"kiosk: test page not printed: {exc}", file=sys.stderr)
        return EXIT_NOT_PRINTED
    print(f"test page sent to {rt.printer.describe()}")
    return 0
