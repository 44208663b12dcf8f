"""Staff commands of the guestbook: visits, lockers (with ID-card custody) and the privacy purge.

    kiosk visits list --date 2026-11-24 [--anonymous] > visits.csv
    kiosk lockers list            # every locker: who, since when, ID card held
    kiosk lockers closing         # closing time: lockers still occupied (exit 2 if any)
    kiosk lockers release L07     # bag collected, ID card handed back
    kiosk privacy purge [--dry-run]
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys

from kiosk.core import lockers, privacy, visits
from kiosk.core.clock import local, zone_label
from kiosk.core.errors import KioskError
from kiosk.runtime import Runtime


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("visits", help="guestbook visits (buku tamu)")
    vs = p.add_subparsers(dest="visits_command", metavar="ACTION")
    vs.required = True
    q = vs.add_parser("list", help="visits of one day as CSV on stdout")
    q.add_argument("--date", type=_date, help="YYYY-MM-DD in the office's time zone (default: today)")
    q.add_argument("--anonymous", action="store_true", help="leave out names, e-mails, phones and free text")
    q.set_defaults(func=cmd_visits_list, runtime="read")

    p = sub.add_parser("lockers", help="bag lockers and the ID cards held for them")
    ls = p.add_subparsers(dest="lockers_command", metavar="ACTION")
    ls.required = True
    q = ls.add_parser("list", help="every locker: who holds it, since when, ID card held")
    q.set_defaults(func=cmd_lockers_list, runtime="read")
    q = ls.add_parser("closing", help="lockers still occupied (closing time); exit code 2 if any")
    q.set_defaults(func=cmd_lockers_closing, runtime="read")
    q = ls.add_parser("release", help="free a locker: bag collected, ID card handed back")
    q.add_argument("label", help="locker label, e.g. L07")
    q.add_argument("--keep-card", action="store_true",
                   help="the ID card stays with the front office (not handed back yet)")
    q.add_argument("--verify-id", action="store_true",
                   help="type the number on the card (not echoed) to check it is the card held for this locker")
    q.set_defaults(func=cmd_lockers_release)

    p = sub.add_parser("privacy", help="personal data: retention")
    ps = p.add_subparsers(dest="privacy_command", metavar="ACTION")
    ps.required = True
    q = ps.add_parser("purge", help="anonymise visitor data older than privacy.retention_days (counts are kept)")
    q.add_argument("--dry-run", action="store_true", help="only say how many records would be anonymised")
    q.set_defaults(func=cmd_privacy_purge)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def cmd_visits_list(args, runtime: Runtime) -> int:
    zone = runtime.settings.office.timezone
    day = args.date or local(runtime.clock.now(), zone).date()
    visits.write_csv(visits.visits_of_day(runtime.settings, day), sys.stdout, anonymous=args.anonymous)
    return 0


def _print_lockers(runtime: Runtime, rows: list[lockers.LockerStatus]) -> None:
    zone = runtime.settings.office.timezone
    print(f"{'LOCKER':<7} {'STATUS':<9} {'SINCE':<17} {'TICKET':<7} {'ID CARD':<22} NAME")
    for r in rows:
        if not r.occupied:
            print(f"{r.label:<7} {'free':<9}")
            continue
        since = local(r.since, zone)
        when = since.strftime("%d-%m %H:%M ") + zone_label(zone, since)
        card = f"held {r.id_type} {r.id_number_masked}".strip() if r.id_card_held else "not held"
        status = "occupied" if r.active else "occ.(off)"
        print(f"{r.label:<7} {status:<9} {when:<17} {r.ticket_number or '-':<7} {card:<22} {r.visitor_name or '-'}")


def cmd_lockers_list(args, runtime: Runtime) -> int:
    rows = lockers.statuses()
    _print_lockers(runtime, rows)
    busy = sum(r.occupied for r in rows)
    print(f"{busy} occupied, {len(rows) - busy} free")
    return 0


def cmd_lockers_closing(args, runtime: Runtime) -> int:
    rows = lockers.statuses(only_occupied=True)
    if not rows:
        print("all lockers are free; no ID card held")
        return 0
    _print_lockers(runtime, rows)
    cards = sum(r.id_card_held for r in rows)
    print(f"{len(rows)} locker(s) still occupied, {cards} ID card(s) held — "
          "release each with `kiosk lockers release LABEL` when the bag is collected")
    return 2


def cmd_lockers_release(args, runtime: Runtime) -> int:
    label = args.label.strip().upper()
    if args.verify_id:
        held = lockers.card_held_for(label)
        typed = getpass.getpass(f"Number on the {held.id_type.upper()} card (not shown): ")
        if not lockers.card_matches(runtime.settings.storage.data_dir, held, typed):
            raise KioskError(f"that is NOT the card held for {label} ({held.id_number_masked}); "
                             "locker not released")
        print("ID card matches.")
    released = lockers.release(runtime.db, runtime.clock, label, id_card_returned=not args.keep_card)
    card = ("ID card handed back" if released.id_card_returned_at else
            "ID card still held by the front office" if released.id_card_held else "no ID card was held")
    print(f"locker {label} released; {card}")
    return 0


def cmd_privacy_purge(args, runtime: Runtime) -> int:
    result = privacy.purge(runtime.db, runtime.settings, runtime.clock, dry_run=args.dry_run)
    before = result.cutoff.strftime("%Y-%m-%d %H:%M")
    verb = "would anonymise" if args.dry_run else "anonymised"
    print(f"{verb} {result.visitors} visitor(s) and {result.visits} visit(s) older than "
          f"{runtime.settings.privacy.retention_days} days (before {before} UTC); "
          f"{result.visits_kept} visit(s) kept for counts; {verb} {result.softcopy_requests} softcopy "
          f"request(s) and the text and contact of {result.complaints} complaint(s)")
    if not args.dry_run:
        # scanned pages of a visit that never finished (power cut, crash) may show a visitor's notes
        from kiosk.core import scan
        removed = scan.purge_stale(runtime.settings)
        if removed:
            print(f"removed {removed} unfinished scan batch(es)")
    return 0
