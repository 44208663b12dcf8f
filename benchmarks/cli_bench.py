"""A staff command's whole process against a bare Python that imports what any such command needs.

Issue 12's goal: `kiosk queue status` on a small database ≤ 1.5× `python -c "import peewee, tomllib, sqlite3"`.
Both run alternately, in one run, as new processes (what staff wait for at the terminal).

    .venv/bin/python benchmarks/cli_bench.py [--runs 21]
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


def once(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "kiosk.toml"
        text = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
        config.write_text(text.replace("demo_on_first_run = true", "demo_on_first_run = false")
                          .replace('logo = "../assets/logo.png"', 'logo = ""'), encoding="utf-8")
        kiosk = [sys.executable, "-m", "kiosk", "--config", str(config)]
        subprocess.run(kiosk + ["init"], check=True, stdout=subprocess.DEVNULL)
        for code in "AAB":
            subprocess.run(kiosk + ["ticket", code], check=True, stdout=subprocess.DEVNULL)
        contenders = {
            "kiosk queue status": kiosk + ["queue", "status"],
            "kiosk lockers list": kiosk + ["lockers", "list"],
            "python -c 'import peewee, tomllib, sqlite3'": [sys.executable, "-c", "import peewee, tomllib, sqlite3"],
            "python -c pass": [sys.executable, "-c", "pass"],
        }
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for name, cmd in contenders.items():       # warm the page cache once
            once(cmd)
        for _ in range(args.runs):
            for name, cmd in contenders.items():
                times[name].append(once(cmd))
    bare = statistics.median(times["python -c 'import peewee, tomllib, sqlite3'"])
    print(f"{'process':<46} {'median':>8} {'p90':>8}  vs bare import")
    for name, values in times.items():
        values.sort()
        med = statistics.median(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        print(f"{name:<46} {med * 1000:7.0f}ms {p90 * 1000:7.0f}ms  {med / bare:5.2f}×")


if __name__ == "__main__":
    main()
