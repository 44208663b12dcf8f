"""Digital library commands for staff: ``kiosk catalog import|list|remove|search`` and ``kiosk demo``.

They call the same ``kiosk.core`` functions as the touchscreen (``catalog``, ``catalog_import``,
``search``), on the same database.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiosk.core import catalog, catalog_import, demo, search
from kiosk.runtime import Runtime


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("catalog", help="the digital library: import PDFs, list, search, remove")
    csub = c.add_subparsers(dest="catalog_command", metavar="ACTION")
    csub.required = True
    i = csub.add_parser("import", help="import every PDF under DIR (again = update, never a duplicate)",
                        description="Metadata per PDF comes from --metadata (CSV with a header and a 'file' "
                                    "column), else a .json beside the PDF, else the PDF's own title/first page.")
    i.add_argument("directory", type=Path, metavar="DIR")
    i.add_argument("--metadata", type=Path, metavar="CSV", help="CSV: file,title,subtitle,subject,year,…")
    i.set_defaults(func=cmd_import)
    li = csub.add_parser("list", help="the catalogue, newest first")
    li.add_argument("--json", action="store_true", help="one JSON array instead of a table")
    li.set_defaults(func=cmd_list, runtime="read")
    s = csub.add_parser("search", help="search as the kiosk does, best match first")
    s.add_argument("query")
    s.add_argument("--subject", default="")
    s.add_argument("--year", type=_whole_number(1900, 2100))
    s.add_argument("--limit", type=_whole_number(1, search.MAX_RESULTS), default=20,
                   help=f"at most this many results (1–{search.MAX_RESULTS}, default 20)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search, runtime="read")
    r = csub.add_parser("remove", help="take a publication out of the catalogue (and its copied file)")
    r.add_argument("id", type=int, metavar="ID")
    r.set_defaults(func=cmd_remove)

    d = sub.add_parser("demo", help="generate ~24 sample BPS publications and import them")
    d.set_defaults(func=cmd_demo)


def _whole_number(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high`` ("1e21", "-5" or "x" get one clear line)."""
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ({low}–{high})") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{text} is out of range ({low}–{high})")
        return number
    return parse


def _progress_bar(n: int, total: int, path: Path) -> None:
    if not sys.stderr.isatty():
        return
    width = 30
    done = int(width * n / max(total, 1))
    name = path.name if len(path.name) <= 40 else path.name[:37] + "…"
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {n}/{total} {name:<41}")
    if n == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _print_report(report: catalog_import.ImportReport) -> int:
    for skipped in report.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    print(report.summary())
    return 0


def cmd_import(args, rt: Runtime) -> int:
    report = catalog_import.import_directory(rt.settings, rt.clock, args.directory, args.metadata,
                                      progress=_progress_bar)
    return _print_report(report)


def _row(pub) -> str:
    where = pub.hardcopy_location or "digital"
    flags = "read-only" if pub.read_only else ("softcopy" if pub.softcopy_allowed else "no-softcopy")
    return f"{pub.id:>5}  {pub.year or '':<4}  {pub.page_count:>4} p  {where:<10} {flags:<11} {pub.title}"


def cmd_list(args, rt: Runtime) -> int:
    pubs = catalog.newest(limit=1_000_000)
    if args.json:
        print(json.dumps([catalog.as_dict(p) for p in pubs], ensure_ascii=False, indent=1))
    else:
        for pub in pubs:
            print(_row(pub))
        print(f"{len(pubs)} publication(s)", file=sys.stderr)
    return 0


def cmd_search(args, rt: Runtime) -> int:
    found = search.find(rt.db, args.query, subject=args.subject, year=args.year, limit=args.limit)
    pubs = found.publications
    if found.suggestion:
        # the same correction the screen offers as "Maksud Anda: …"
        print(f"showing results for: {found.suggestion}", file=sys.stderr)
    if args.json:
        print(json.dumps([catalog.as_dict(p) for p in pubs], ensure_ascii=False, indent=1))
    else:
        for pub in pubs:
            print(_row(pub))
    return 0


def cmd_remove(args, rt: Runtime) -> int:
    pub = catalog.remove(rt.settings, args.id)
    print(f"removed {pub.id}: {pub.title}")
    return 0


def cmd_demo(args, rt: Runtime) -> int:
    return _print_report(demo.install(rt.settings, rt.clock, progress=_progress_bar))


def setup_hook(rt: Runtime) -> None:
    """``kiosk setup``: an empty catalogue gets the demo when [library] demo_on_first_run is on."""
    if not rt.settings.library.demo_on_first_run or catalog.count() > 0:
        return
    print("empty catalogue: adding the demo publications ([library] demo_on_first_run = true)")
    _print_report(demo.install(rt.settings, rt.clock, progress=_progress_bar))
