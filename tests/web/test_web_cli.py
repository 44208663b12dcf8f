"""kiosk staff add|list|disable|enable|passwd through the real CLI (kiosk.cli.main), and kiosk serve's parser."""
from __future__ import annotations

from kiosk.cli import main
from kiosk.core import staff_accounts
from kiosk.core.clock import to_utc_naive
from kiosk.core.models import StaffAccount


def run(config, *argv):
    return main(["--config", str(config), *argv])


def test_staff_accounts_from_the_cli(runtime, tmp_path, capsys):
    config = runtime.config_path
    pw = tmp_path / "pw"
    pw.write_text("a long enough secret\n")
    assert run(config, "staff", "add", "Sri", "--role", "admin", "--password-file", str(pw)) == 0
    row = StaffAccount.get(StaffAccount.name == "sri")
    assert row.role == "admin" and row.password_hash.startswith("$argon2id$")
    assert "a long enough secret" not in row.password_hash
    assert run(config, "staff", "add", "sri", "--password-file", str(pw)) == 1
    assert "already a staff account" in capsys.readouterr().err
    short = tmp_path / "short"
    short.write_text("short\n")
    assert run(config, "staff", "add", "joko", "--password-file", str(short)) == 1
    assert run(config, "staff", "add", "<script>", "--password-file", str(pw)) == 1
    capsys.readouterr()
    assert run(config, "staff", "list") == 0
    assert "sri" in capsys.readouterr().out
    now = to_utc_naive(runtime.clock.now())
    assert staff_accounts.login("sri", "a long enough secret", now).name == "sri"
    assert run(config, "staff", "disable", "sri") == 0
    try:
        staff_accounts.login("sri", "a long enough secret", now)
        raise AssertionError("a disabled account logged in")
    except staff_accounts.LoginRefused:
        pass
    assert run(config, "staff", "enable", "sri") == 0
    new = tmp_path / "new"
    new.write_text("another long secret\n")
    assert run(config, "staff", "passwd", "sri", "--password-file", str(new)) == 0
    assert staff_accounts.login("sri", "another long secret", now).name == "sri"
    assert run(config, "staff", "passwd", "nobody", "--password-file", str(new)) == 1


def test_serve_takes_host_and_port():
    from kiosk.cli import build_parser

    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8099"])
    assert (args.host, args.port, args.runtime) == ("0.0.0.0", 8099, "write")
