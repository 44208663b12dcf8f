"""Staff commands, run as staff run them (a separate process)."""
from __future__ import annotations

import logging
import subprocess
import sys

from kiosk.core.logs import setup_logging
from kiosk.core.staff import verify_pin
from helpers import REPO, write_config


def kiosk(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True,
                          input=input, cwd=REPO, timeout=120)


def test_setup_creates_the_config_then_init_is_idempotent(tmp_path):
    example = REPO / "config" / "kiosk.example.toml"
    (tmp_path / "kiosk.example.toml").write_text(example.read_text().replace(
        "demo_on_first_run = true", "demo_on_first_run = false"))
    config = tmp_path / "kiosk.toml"
    first = kiosk("--config", str(config), "setup")
    assert first.returncode == 0, first.stderr
    assert config.exists() and "created" in first.stdout
    assert "upgraded to version 1" in first.stdout
    again = kiosk("--config", str(config), "init")
    assert again.returncode == 0 and "up to date (version 1)" in again.stdout
    assert (tmp_path / "data" / "kiosk.db").exists()


def test_hash_pin_reads_twice_and_prints_a_verifiable_hash():
    run = kiosk("hash-pin", input="482916\n482916\n")
    assert run.returncode == 0, run.stderr
    stored = run.stdout.strip().splitlines()[-1]
    assert verify_pin("482916", stored) and "482916" not in stored
    mismatch = kiosk("hash-pin", input="1234\n4321\n")
    assert mismatch.returncode == 1 and "the two PINs differ" in mismatch.stderr


def test_typed_errors_are_one_line_without_traceback(tmp_path):
    run = kiosk("--config", str(tmp_path / "missing.toml"), "init")
    assert run.returncode == 1
    assert "file not found" in run.stderr and "Traceback" not in run.stderr


def test_log_goes_to_a_rotating_file_in_the_data_folder(tmp_path):
    log_file = setup_logging(tmp_path, "INFO", to_stderr=False)
    logging.getLogger("kiosk.test").info("ticket A-001 printed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert log_file == tmp_path / "logs" / "kiosk.log"
    assert "ticket A-001 printed" in log_file.read_text()
    setup_logging(None, "WARNING", to_stderr=False)   # detach the file again for the other tests


def test_debug_logging_never_writes_query_parameters(tmp_path):
    from peewee import SqliteDatabase
    log_file = setup_logging(tmp_path, "DEBUG", to_stderr=False)
    try:
        db = SqliteDatabase(":memory:")
        db.execute_sql("select ?", ("andi.saputra@gmail.com",))
        logging.getLogger("kiosk.test").debug("debug lines still arrive")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = log_file.read_text()
        assert "debug lines still arrive" in text
        assert "andi.saputra" not in text
    finally:
        setup_logging(None, "WARNING", to_stderr=False)


def test_screenshot_list_names_every_screen(tmp_path):
    config = write_config(tmp_path)
    run = subprocess.run(["xvfb-run", "-a", sys.executable, "-m", "kiosk", "--config", str(config),
                          "screenshot", "--list"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 0, run.stderr
    assert {"welcome", "failsafe", "staff_pin", "staff"} <= set(run.stdout.split())


def test_screenshot_of_a_state_shows_that_state(tmp_path):
    """`kiosk screenshot ticket:failed` draws the printer-problem state (the danger colour's warning icon
    and message); plain `ticket` draws the printed one; an unknown state is refused by name."""
    from PIL import Image

    config = write_config(tmp_path)
    assert kiosk("--config", str(config), "init").returncode == 0
    listed = subprocess.run(["xvfb-run", "-a", sys.executable, "-m", "kiosk", "--config", str(config),
                             "screenshot", "--list"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert {"ticket:failed", "locker:full", "survey:already", "complaint:done"} <= set(listed.stdout.split())

    def danger_pixels(name: str) -> int:
        out = tmp_path / f"{name.replace(':', '-')}.png"
        run = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, "-m", "kiosk",
                              "--config", str(config), "screenshot", name, "--lang", "en", "--out", str(out)],
                             capture_output=True, text=True, cwd=REPO, timeout=120)
        assert run.returncode == 0, run.stderr
        image = Image.open(out).convert("RGB")
        danger = (0xC0, 0x39, 0x2B)      # [theme] danger in the example config
        return sum(1 for px in image.getdata() if all(abs(a - b) <= 8 for a, b in zip(px, danger)))

    failed, printed = danger_pixels("ticket:failed"), danger_pixels("ticket")
    assert failed > 1000 and printed < failed / 10, (failed, printed)
    bad = subprocess.run(["xvfb-run", "-a", sys.executable, "-m", "kiosk", "--config", str(config),
                          "screenshot", "ticket:jammed", "--out", str(tmp_path / "x.png")],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert bad.returncode == 1 and "no state 'jammed'" in bad.stderr


def test_logging_is_set_up_once_for_every_command(tmp_path):
    # a staff command's warning goes to kiosk.log (it never did for `mail flush`), and stderr carries the
    # command's own one line only — not the same news twice
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(tmp_path, replace={'kind = "dummy"': 'kind = "network"', 'host = ""': 'host = "127.0.0.1"',
                                             "port = 9100": f"port = {port}", "timeout_s = 5.0": "timeout_s = 1.0",
                                             "demo_on_first_run = true": "demo_on_first_run = false"})
    assert kiosk("--config", str(config), "init").returncode == 0
    run = kiosk("--config", str(config), "ticket", "D")
    assert run.returncode == 3 and run.stdout == "D-001\n"
    assert run.stderr.splitlines() == [line for line in run.stderr.splitlines() if line.startswith("kiosk: ")]
    assert len(run.stderr.splitlines()) == 1, run.stderr
    log = (tmp_path / "data" / "logs" / "kiosk.log").read_text()
    assert "ticket D-001 not printed" in log and log.count("ticket D-001 issued") == 1


def test_a_traceback_logged_on_the_way_stays_in_the_log_file(tmp_path, capsys):
    # an error logged with its traceback (a last-resort handler) printed the traceback on stderr
    import sys as _sys

    from kiosk.core.logs import setup_logging
    setup_logging(tmp_path, "INFO", stderr_level="ERROR")
    try:
        try:
            raise RuntimeError("printer exploded")
        except RuntimeError:
            logging.getLogger("kiosk.test").exception("ticket not printed")
        for handler in logging.getLogger().handlers:
            handler.flush()
        err = capsys.readouterr().err
        assert "ticket not printed" in err and "Traceback" not in err
        assert "Traceback" in (tmp_path / "logs" / "kiosk.log").read_text()
    finally:
        setup_logging(None, "WARNING", to_stderr=False)
        _sys.stderr.flush()


def test_every_command_is_found_by_the_lazy_table():
    # `kiosk ticket` loads the queue commands only; the table must name every command's module
    import argparse
    import importlib
    import pkgutil

    from kiosk import commands
    found = {}
    for info in pkgutil.iter_modules(commands.__path__):
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(f"kiosk.commands.{info.name}").register(sub)
        found.update({name: info.name for name in sub.choices})
    assert found == commands.WHERE


def test_a_staff_command_loads_only_its_own_module():
    code = ("import sys; from kiosk import cli; cli.build_parser(['--config', 'x.toml', 'queue', 'status']); "
            "print(sorted(m for m in sys.modules if m.startswith('kiosk.commands.')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert run.stdout.strip() == "['kiosk.commands.queue']", run.stderr


def test_hash_pin_refuses_a_trivial_pin_in_one_line():
    # 1234 fell to an offline search of its hash in 197 s (issue 11.10)
    for weak in ("1234", "000000", "123456", "170845"):
        run = kiosk("hash-pin", input=f"{weak}\n{weak}\n")
        assert run.returncode == 1 and "Traceback" not in run.stderr, weak
        # (getpass writes its prompts to the terminal; without one, to stderr)
        ours = [line for line in run.stderr.splitlines() if line.startswith("kiosk: ")]
        assert len(ours) == 1 and run.stderr.rstrip().endswith(ours[0]), run.stderr
        assert run.stdout == ""
