"""A real, throw-away PostgreSQL server for tests that need one (several kiosks on one database).

Import the fixtures into a test module::

    from pg_server import postgres_server, postgres_url  # noqa: F401  (pytest fixtures)

    @pytest.mark.postgres
    def test_something(postgres_url):          # a fresh, empty database for this test
        rt = make_runtime(tmp_path, replace={'url = "sqlite:///data/kiosk.db"': f'url = "{postgres_url}"'})

``postgres_server`` (one per test session) runs Debian's server binaries
(/usr/lib/postgresql/<version>/bin) on 127.0.0.1 at a free port, with a data folder in a temp dir;
``initdb`` refuses to run as root, so under root the server runs as the ``postgres`` user
(``runuser``). Trust authentication on loopback only. Stopped (fast mode) and deleted at the end.
When the binaries are missing the tests are skipped with the reason printed in pytest's summary
(``-ra``), never silently.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder holding initdb, pg_ctl and postgres."""
    found = []
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        if all(os.access(os.path.join(d, b), os.X_OK) for b in ("initdb", "pg_ctl", "postgres")):
            try:
                found.append((float(Path(d).parent.name), Path(d)))
            except ValueError:
                found.append((0.0, Path(d)))
    if found:
        return max(found)[1]
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    base: Path          # temp folder: data/ and the server log
    port: int
    run_as: str | None  # "postgres" under root, else None (the current user)

    host = "127.0.0.1"
    superuser = "postgres"

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@{self.host}:{self.port}/{dbname}"

    def start(self) -> None:
        run = subprocess.run(self._cmd("initdb", "-D", str(self.data_dir), "-U", self.superuser,
                                       "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"),
                             capture_output=True, text=True, timeout=120)
        if run.returncode != 0:
            raise RuntimeError(f"initdb failed: {run.stderr.strip() or run.stdout.strip()}")
        # listen on loopback only; the socket folder is ours too, so no clash with a system server
        opts = (f"-h {self.host} -p {self.port} -k {self.base} -c fsync=off -c synchronous_commit=off "
                f"-c full_page_writes=off -c max_connections=50")
        run = subprocess.run(self._cmd("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
                                       "-o", opts, "-w", "-t", "60", "start"),
                             capture_output=True, text=True, timeout=90)
        if run.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {run.stderr.strip()}\n{log}")

    def stop(self) -> None:
        subprocess.run(self._cmd("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"),
                       capture_output=True, text=True, timeout=60)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        import psycopg2

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        conn = psycopg2.connect(host=self.host, port=self.port, user=self.superuser, dbname="postgres",
                                connect_timeout=10)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return self.url(name)


def _skip(reason: str) -> None:
    # Printed now (visible with -s) and in pytest's "short test summary" (-ra): never a silent skip.
    print(f"\n[pg_server] PostgreSQL tests skipped: {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _skip("no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on PATH; "
              "install Debian's `postgresql` package (scripts/ensure-test-system.sh does as root)")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        _skip("psycopg2 is not installed (pip install -e '.[test]')")
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _skip("running as root and there is no `postgres` user to run initdb as")
        if shutil.which("runuser") is None:
            _skip("running as root and `runuser` is missing")
        run_as = "postgres"
    base = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    if run_as:
        user = pwd.getpwnam(run_as)
        os.chown(base, user.pw_uid, user.pw_gid)
    os.chmod(base, 0o700)
    server = PostgresServer(bin_dir=bin_dir, base=base, port=free_port(), run_as=run_as)
    try:
        server.start()
    except BaseException:
        # Binaries present but no server: a real problem on this machine, so the tests fail (not skip).
        shutil.rmtree(base, ignore_errors=True)
        raise
    try:
        yield server
    finally:
        server.stop()
        time.sleep(0.1)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh empty database on the session's server, as a postgresql:// URL."""
    return postgres_server.create_database()


SQLITE_URL_LINE = 'url = "sqlite:///data/kiosk.db"'


def on_postgres(url: str) -> dict[str, str]:
    """The ``replace`` for ``helpers.make_runtime`` that points the example config at ``url``."""
    return {SQLITE_URL_LINE: f'url = "{url}"'}


@pytest.fixture
def pg_runtime(tmp_path, postgres_url, clock):
    """A runtime on a fresh PostgreSQL database (the example config otherwise)."""
    from helpers import make_runtime

    rt = make_runtime(tmp_path, clock=clock, replace=on_postgres(postgres_url))
    assert rt.db.__class__.__name__ == "KioskPostgresqlDatabase"
    yield rt
    rt.close()
