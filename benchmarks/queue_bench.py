"""Queue ticket speed: tap → last byte at a loopback network printer, and tickets per second.

    .venv/bin/python benchmarks/queue_bench.py            # 200 tickets, 20 CLI runs
    .venv/bin/python benchmarks/queue_bench.py --tickets 500 --cli-runs 0

1. "tap → last byte": what a service tile's tap starts — ``issue_ticket`` in a worker thread (the
   committed row: SQLite WAL, synchronous=FULL), then ``print_ticket`` in a worker thread to a
   ``network`` printer on 127.0.0.1 that answers ESC/POS status requests like a real one (status
   before and after, as configured by default) — until that printer has received the cut, the
   ticket's last command. Kivy's hop back to the UI thread between the two steps (≤ one frame,
   ~16 ms at 60 fps) is not included: there is no window here.
2. Tickets/s through the CLI's code path (``queue.take_ticket``, dummy printer writing .bin + .png),
   in one process; and whole ``kiosk ticket A`` commands per second (a new interpreter each).
Goal from the issue: p95 ≤ 50 ms for (1).
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk.core import queue  # noqa: E402
from kiosk.devices.printer import make_printer  # noqa: E402
from kiosk.runtime import initialise, open_runtime  # noqa: E402

CUT = b"\x1dV\x00"


class LoopbackPrinter:
    """Reads everything, answers DLE EOT status requests with 'online, paper ok', and notes the
    moment the cut arrives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.cut_times: list[float] = []
        self.cut_event = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                tail = b""      # the last 2 bytes: a command split across two reads is still seen once
                try:
                    while True:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        if CUT in tail + chunk:
                            self.cut_times.append(time.perf_counter())
                            self.cut_event.set()
                        for _ in range((tail[-1:] + chunk).count(b"\x10\x04")):
                            conn.sendall(b"\x12")
                        tail = (tail + chunk)[-2:]
                except OSError:
                    pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def make_config(folder: Path) -> Path:
    text = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
    text = text.replace('logo = "../assets/logo.png"', f'logo = "{REPO / "assets" / "logo.png"}"')
    path = folder / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    initialise(path)[0].close()      # as `kiosk init` does
    return path


def bench_tap_to_last_byte(config: Path, tickets: int) -> list[float]:
    rt = open_runtime(config)
    server = LoopbackPrinter()
    printer = make_printer(dataclasses.replace(rt.settings.printer, kind="network", host="127.0.0.1",
                                               port=server.port, timeout_s=5.0))
    pool = ThreadPoolExecutor(2)
    codes = [s.code for s in rt.settings.services]
    latencies = []
    # one warm-up ticket: imports escpos and its printer database once, as a kiosk does at start
    pool.submit(queue.take_ticket, rt.settings, rt.clock, printer, codes[0]).result()
    server.cut_event.wait(5)
    for i in range(tickets):
        server.cut_event.clear()
        tap = time.perf_counter()
        issued = pool.submit(queue.issue_ticket, rt.settings, rt.clock, codes[i % len(codes)], "id").result()
        result = pool.submit(lambda: queue.print_ticket(rt.settings, rt.clock, printer, issued.ticket,
                                                        ahead=issued.waiting_ahead, shown=True)).result()
        assert result.printed, result.error
        assert server.cut_event.wait(5), "the printer never got the cut"
        latencies.append((server.cut_times[-1] - tap) * 1000)
    pool.shutdown()
    rt.close()
    return latencies


def bench_cli_path(config: Path, tickets: int) -> float:
    rt = open_runtime(config)
    printer = rt.printer          # dummy: writes .bin and the PNG preview for every ticket
    queue.take_ticket(rt.settings, rt.clock, printer, "A")
    start = time.perf_counter()
    for i in range(tickets):
        issued, result = queue.take_ticket(rt.settings, rt.clock, printer, "ABCD"[i % 4])
        assert result.printed
    elapsed = time.perf_counter() - start
    rt.close()
    return tickets / elapsed


def bench_cli_commands(config: Path, runs: int) -> float:
    kiosk = Path(sys.executable).parent / "kiosk"
    cmd = [str(kiosk)] if kiosk.exists() else [sys.executable, "-m", "kiosk"]
    subprocess.run(cmd + ["--config", str(config), "ticket", "B"], check=True, capture_output=True)
    start = time.perf_counter()
    for _ in range(runs):
        subprocess.run(cmd + ["--config", str(config), "ticket", "B"], check=True, capture_output=True)
    return runs / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--cli-runs", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kiosk-queue-bench-"))
    try:
        config = make_config(folder)
        lat = bench_tap_to_last_byte(config, args.tickets)
        print(f"tap → last byte at a loopback network printer, {len(lat)} tickets "
              f"(issue + print in worker threads, status before and after):")
        print(f"  p50 {percentile(lat, 50):.2f} ms   p95 {percentile(lat, 95):.2f} ms   "
              f"max {max(lat):.2f} ms   mean {statistics.mean(lat):.2f} ms   (goal: p95 ≤ 50 ms)")
        rate = bench_cli_path(config, args.tickets)
        print(f"CLI code path (queue.take_ticket, dummy printer with .bin + PNG preview), one process: "
              f"{rate:.0f} tickets/s")
        if args.cli_runs:
            per_s = bench_cli_commands(config, args.cli_runs)
            print(f"`kiosk ticket B` as a command (new interpreter each), {args.cli_runs} runs: "
                  f"{per_s:.1f} tickets/s ({1000 / per_s:.0f} ms each)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
