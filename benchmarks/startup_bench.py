"""Start-up time: from launching `kiosk run` to the first frame of the welcome screen on screen.

Run under a display, e.g.:
    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python benchmarks/startup_bench.py [--runs 5]

Each run is a fresh process (interpreter start, imports, config, database, Kivy window, kv
rules, first frame), timed from before the process is spawned to the line the app prints
after its first buffer swap. Prints each run and the median.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def one_run(config: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(config), "run",
                             "--exit-after-first-frame"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, cwd=REPO)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "first-frame":
            elapsed = time.perf_counter() - start
            break
    else:
        raise SystemExit(f"the kiosk exited (code {proc.wait()}) before drawing a frame")
    proc.wait(timeout=30)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "kiosk.toml"
        text = (REPO / "config" / "kiosk.example.toml").read_text()
        text = text.replace('logo = "../assets/logo.png"', f'logo = "{REPO / "assets" / "logo.png"}"')
        config.write_text(text.replace("demo_on_first_run = true", "demo_on_first_run = false"))
        subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "init"], check=True,
                       stdout=subprocess.DEVNULL, cwd=REPO)
        one_run(config)   # warm the OS file cache and Kivy's first-time config, as on a kiosk that has run before
        times = [one_run(config) for _ in range(args.runs)]
    for n, t in enumerate(times, 1):
        print(f"run {n}: {t * 1000:.0f} ms")
    print(f"start-up to first frame: median {statistics.median(times) * 1000:.0f} ms over {len(times)} runs")


if __name__ == "__main__":
    main()
