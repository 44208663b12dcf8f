"""Live updates against the real server (uvicorn on 127.0.0.1): calls made outside this server reach
the event stream through the poller, and a display reconnects by itself after the server restarts."""
from __future__ import annotations

import json
import shutil

import httpx2
import pytest

from kiosk.core import calls, queue
from web_helpers import free_port, live_server

CHROMIUM = shutil.which("chromium")


def states(response):
    """The state events of an SSE response, as dicts."""
    event = ""
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event == "state":
            yield json.loads(line[5:])


def test_a_call_made_elsewhere_reaches_the_event_stream(web_rt):
    queue.issue_ticket(web_rt.settings, web_rt.clock, "B")
    with live_server(web_rt, poll=True) as base:
        with httpx2.stream("GET", f"{base}/events", timeout=10) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            stream = states(r)
            first = next(stream)
            assert first["last_call_id"] == 0 and ["B", "Konsultasi Statistik", 1] in first["waiting"]
            # as `kiosk queue call` or another server on the same database would: not through this server
            calls.call_next(web_rt.settings, web_rt.clock, "2", ["B"], "cli")
            for state in stream:                 # bounded by the read timeout
                if state["last_call_id"]:
                    break
            assert state["counters"][1] == ["2", "B-001"]
            assert state["recent"][0]["phrase"] == "Nomor antrean B satu, silakan menuju loket dua"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_the_display_reconnects_after_the_server_restarts(web_rt):
    sync_api = pytest.importorskip("playwright.sync_api")
    queue.issue_ticket(web_rt.settings, web_rt.clock, "A")
    port = free_port()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            with live_server(web_rt, port=port, poll=True) as base:
                page.goto(f"{base}/display")
                page.wait_for_selector("#link.on")
            page.wait_for_selector("#link.off", timeout=10000)       # the server is gone
            calls.call_next(web_rt.settings, web_rt.clock, "1", ["A"], "cli")
            with live_server(web_rt, port=port, poll=True):
                page.wait_for_selector("#link.on", timeout=15000)    # EventSource came back by itself
                page.wait_for_function(
                    "() => document.querySelector('.counter[data-counter=\"1\"] .counter-number').textContent"
                    " === 'A-001'", timeout=10000)
        finally:
            browser.close()
