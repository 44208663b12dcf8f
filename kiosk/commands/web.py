"""``kiosk serve`` (the desk console, lobby display and phone page) and ``kiosk staff …`` (their accounts)."""
from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from kiosk.core import staff_accounts
from kiosk.core.clock import local, to_utc_naive
from kiosk.core.errors import KioskError
from kiosk.runtime import Runtime

log = logging.getLogger(__name__)


class PasswordInputError(KioskError):
    pass


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("serve", help="serve the desk console, the lobby display and the phone page ([web] in the config)")
    s.add_argument("--host", help="bind address (default [web] host)")
    s.add_argument("--port", type=int, help="TCP port (default [web] port)")
    s.set_defaults(func=cmd_serve, runtime="write")

    st = sub.add_parser("staff", help="staff accounts of the web desk: add, list, disable, enable, passwd")
    ssub = st.add_subparsers(dest="staff_command", metavar="ACTION")
    ssub.required = True
    a = ssub.add_parser("add", help="add an account (password prompted twice, or --password-file)")
    a.add_argument("name")
    a.add_argument("--role", choices=[r.value for r in staff_accounts.Role], default="desk")
    a.add_argument("--password-file", type=Path, help="read the password from the first line of this file")
    a.set_defaults(func=cmd_add)
    ssub.add_parser("list", help="accounts, roles, last login, locked").set_defaults(func=cmd_list, runtime="read")
    for name, helptext, func in (("disable", "stop an account (its open sessions stop too)", cmd_disable),
                                 ("enable", "allow a disabled account again", cmd_enable)):
        p = ssub.add_parser(name, help=helptext)
        p.add_argument("name")
        p.set_defaults(func=func)
    pw = ssub.add_parser("passwd", help="set a new password")
    pw.add_argument("name")
    pw.add_argument("--password-file", type=Path)
    pw.set_defaults(func=cmd_passwd)


def _password(args) -> str:
    if args.password_file:
        try:
            lines = args.password_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise PasswordInputError(f"{args.password_file}: {exc.strerror or exc}") from None
        return lines[0] if lines else ""
    if not sys.stdin.isatty():
        raise PasswordInputError("no terminal to ask the password on: use --password-file")
    first = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Again: ") != first:
        raise PasswordInputError("the two passwords differ; nothing changed")
    return first


def _now(rt: Runtime):
    return to_utc_naive(rt.clock.now())


def cmd_add(args, rt: Runtime) -> int:
    staff = staff_accounts.add(args.name, args.role, _password(args), _now(rt))
    print(f"staff account {staff.name} ({staff.role}) added")
    return 0


def cmd_list(args, rt: Runtime) -> int:
    zone = rt.settings.office.timezone
    rows = staff_accounts.accounts(_now(rt))
    if not rows:
        print("no staff accounts yet: kiosk staff add NAME --role admin")
    for r in rows:
        last = f"{local(r.last_login, zone):%Y-%m-%d %H:%M}" if r.last_login else "never"
        flags = ("" if r.active else " DISABLED") + (" LOCKED" if r.locked else "")
        print(f"{r.name:<20} {r.role:<6} last login {last}{flags}")
    return 0


def cmd_disable(args, rt: Runtime) -> int:
    staff_accounts.set_active(args.name, False, _now(rt))
    print(f"staff account {args.name} disabled")
    return 0


def cmd_enable(args, rt: Runtime) -> int:
    staff_accounts.set_active(args.name, True, _now(rt))
    print(f"staff account {args.name} enabled")
    return 0


def cmd_passwd(args, rt: Runtime) -> int:
    staff_accounts.set_password(args.name, _password(args), _now(rt))
    print(f"password of {args.name} changed")
    return 0


def cmd_serve(args, rt: Runtime) -> int:
    from kiosk.web.app import create_app, make_server

    web = rt.settings.web
    host, port = args.host or web.host, args.port or web.port
    log.info("serving on http://%s:%s (public address %s)", host, port, web.public_url)
    print(f"kiosk serve: http://{host}:{port}  (desk /desk, display /display)", file=sys.stderr)
    make_server(create_app(rt), host, port, log_level="warning", proxy_headers=False).run()
    return 0
