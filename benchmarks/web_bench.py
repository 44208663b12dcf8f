"""The web half under load, on loopback: call → every lobby display updated, and the phone page.

    .venv/bin/python benchmarks/web_bench.py                    # 50 displays, 5 desks, 40 calls, 10 s phone
    .venv/bin/python benchmarks/web_bench.py --displays 100 --calls 60 --phone-seconds 20

The real ``kiosk serve`` runs in its own process (SQLite WAL in a temporary folder); this process
plays the browsers with httpx2 on one asyncio loop:

1. ``--displays`` event streams (``/events``, what ``/display`` opens) and ``--desks`` logged-in desks.
   The desks call in turn, one call at a time; for each call the time from sending "Call next" to
   each display receiving the state that contains it. Then all desks press "Call next" at the same
   moment, a few rounds: no ticket may be called twice. Goal (issue 15): p95 ≤ 1 s.
2. The phone page ``/q/<token>`` requested at a fixed ``--phone-rate`` (open loop: a slow answer does
   not slow the next request), displays still connected. Goal: p95 ≤ 50 ms at 100 requests/s.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kiosk.core import calls, queue, staff_accounts  # noqa: E402
from kiosk.core.clock import to_utc_naive  # noqa: E402
from kiosk.core.models import Call  # noqa: E402
from kiosk.runtime import initialise, open_runtime  # noqa: E402

PASSWORD = "benchmark password"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def prepare(folder: Path, desks: int, tickets: int) -> tuple[Path, list[str]]:
    text = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
    text = text.replace('logo = "../assets/logo.png"', f'logo = "{REPO / "assets" / "logo.png"}"')
    config = folder / "kiosk.toml"
    config.write_text(text, encoding="utf-8")
    rt, _ = initialise(config)
    now = to_utc_naive(rt.clock.now())
    for i in range(desks):
        staff_accounts.add(f"desk{i}", "desk", PASSWORD, now)
    issued = [queue.issue_ticket(rt.settings, rt.clock, "A").ticket for _ in range(tickets)]
    tokens = [calls.phone_token(t) for t in issued[-20:]]
    rt.close()
    return config, tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_up(base: str) -> None:
    async with httpx2.AsyncClient() as c:
        for _ in range(300):
            try:
                if (await c.get(f"{base}/healthz")).text == "ok":
                    return
            except httpx2.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("kiosk serve did not start")


class Display:
    """One lobby display's event stream: remembers when it first saw each call id."""

    def __init__(self):
        self.seen: dict[int, float] = {}
        self.ready = asyncio.Event()

    async def run(self, client: httpx2.AsyncClient, base: str) -> None:
        async with client.stream("GET", f"{base}/events", timeout=None) as r:
            event = ""
            async for line in r.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event == "state":
                    now = time.perf_counter()
                    state = json.loads(line[5:])
                    self.seen.setdefault(state["last_call_id"], now)
                    self.ready.set()


async def desk_login(base: str, name: str) -> tuple[httpx2.AsyncClient, str]:
    c = httpx2.AsyncClient(base_url=base, follow_redirects=False, timeout=30)
    token = CSRF.search((await c.get("/login")).text).group(1)
    r = await c.post("/login", data={"name": name, "password": PASSWORD, "csrf": token, "next": "/desk"})
    assert r.status_code == 303, r.text[:300]
    token = CSRF.search((await c.get("/desk")).text).group(1)
    counter = str(int(name.removeprefix("desk")) % 4 + 1)
    r = await c.post("/desk/setup", data={"csrf": token, "counter": counter, "services": ["A"]})
    assert r.status_code == 303
    return c, CSRF.search((await c.get("/desk")).text).group(1)


async def current_call_id(base: str) -> int:
    async with httpx2.AsyncClient() as c:
        return 0 if not (d := (await c.get(f"{base}/display")).text) else int(
            re.search(r'data-last-call="(\d+)"', d).group(1))


async def bench(args, base: str, tokens: list[str]) -> None:
    limits = httpx2.Limits(max_connections=args.displays + 50, max_keepalive_connections=args.displays + 50)
    stream_client = httpx2.AsyncClient(limits=limits, timeout=None)
    displays = [Display() for _ in range(args.displays)]
    tasks = [asyncio.create_task(d.run(stream_client, base)) for d in displays]
    await asyncio.wait_for(asyncio.gather(*(d.ready.wait() for d in displays)), 30)
    desks = [await desk_login(base, f"desk{i}") for i in range(args.desks)]

    # 1a. one call at a time, desks in turn: call → every display
    latencies: list[float] = []
    missed = 0
    for k in range(args.calls):
        client, token = desks[k % len(desks)]
        before = await current_call_id(base)
        sent = time.perf_counter()
        r = await client.post("/desk/call", data={"csrf": token})
        assert r.status_code == 303, r.status_code
        call_id = before + 1
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline and not all(call_id in d.seen for d in displays):
            await asyncio.sleep(0.005)
        for d in displays:
            if call_id in d.seen:
                latencies.append(d.seen[call_id] - sent)
            else:
                missed += 1
        await asyncio.sleep(0.05)
    # 1b. every desk at the same moment (checked in the database afterwards: one call per ticket)
    for _ in range(args.rounds):
        answers = await asyncio.gather(*(c.post("/desk/call", data={"csrf": t}) for c, t in desks))
        assert all(a.status_code == 303 for a in answers)
    # 2. the phone page at a fixed rate
    phone_times: list[float] = []
    errors = 0
    async with httpx2.AsyncClient(base_url=base, limits=httpx2.Limits(max_connections=50), timeout=10) as phone:
        async def one(path: str) -> None:
            nonlocal errors
            t = time.perf_counter()
            r = await phone.get(path)
            if r.status_code != 200:
                errors += 1
            phone_times.append(time.perf_counter() - t)

        pending = []
        start = time.perf_counter()
        n = int(args.phone_rate * args.phone_seconds)
        for i in range(n):
            target = start + i / args.phone_rate
            await asyncio.sleep(max(0.0, target - time.perf_counter()))
            pending.append(asyncio.create_task(one(f"/q/{tokens[i % len(tokens)]}")))
        await asyncio.gather(*pending)
        achieved = n / (time.perf_counter() - start)

    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await stream_client.aclose()
    for c, _ in desks:
        await c.aclose()

    ms = [x * 1000 for x in latencies]
    print(f"displays {args.displays}, desks {args.desks}, calls {args.calls} (one at a time)")
    print(f"  call -> display updated: n={len(ms)} median {statistics.median(ms):.1f} ms, "
          f"p95 {pct(ms, 95):.1f} ms, max {max(ms):.1f} ms, missed {missed}   (goal p95 <= 1000 ms)")
    pm = [x * 1000 for x in phone_times]
    print(f"phone page /q/<token>: {len(pm)} requests at {achieved:.0f}/s (asked {args.phone_rate}/s): "
          f"median {statistics.median(pm):.1f} ms, p95 {pct(pm, 95):.1f} ms, max {max(pm):.1f} ms, "
          f"errors {errors}   (goal p95 <= 50 ms)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--displays", type=int, default=50)
    ap.add_argument("--desks", type=int, default=5)
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--phone-rate", type=float, default=100)
    ap.add_argument("--phone-seconds", type=float, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="web-bench-") as tmp:
        config, tokens = prepare(Path(tmp), args.desks, args.calls + args.rounds * args.desks + 10)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(config), "serve", "--port", str(port)],
                                  cwd=REPO, env={**os.environ}, stderr=subprocess.PIPE)
        try:
            asyncio.run(wait_up(base))
            asyncio.run(bench(args, base, tokens))
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        rt = open_runtime(config)
        ids = [c.ticket_id for c in Call.select().where(Call.recall == False)]  # noqa: E712
        rt.close()
        print(f"  {len(ids)} calls ({args.rounds} rounds of {args.desks} desks at the same moment among them): "
              f"{len(set(ids))} distinct tickets, called twice: {len(ids) - len(set(ids))}")


if __name__ == "__main__":
    main()
