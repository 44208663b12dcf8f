"""Reader speed and memory (issue 5): page render time, "next page" to screen, RSS while reading.

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python benchmarks/render_bench.py
    .venv/bin/python benchmarks/render_bench.py --no-window          # render figures only, no display
    .venv/bin/python benchmarks/render_bench.py --no-install         # never pip-install PyMuPDF

1. A 300-page publication is drawn with the demo generator (tables, charts, text; A4).
2. ``kiosk.core.pdfrender.Document.render`` (pypdfium2) at 1080 px height: median / p95 over 60 pages
   (goal median ≤ 5 ms). PyMuPDF renders the same pages in the same run for the ratio, if it can be
   imported — or installed with pip into a temporary folder (not the project's venv).
3. In a real Kivy window (needs a display, e.g. Xvfb): the kiosk app on the reader screen. For 40
   page turns, the time from the "next" button's release to the page's texture set on the PageView
   and to the next frame drawn, with the page prefetched (a visitor looks at a page for seconds;
   the benchmark waits until the prefetch landed). Goal: median ≤ 16 ms (one frame).
4. RSS of this process (VmRSS, and the peak VmHWM) after turning through all 300 pages in that
   window, waiting for each page. Goal ≤ 250 MB. The process starts as `kiosk run` does
   (``configure_kivy``: the kiosk's Kivy settings and malloc tuning) and walks a reading visitor's
   way: welcome → library → publication page → reader (each screen is built at its first use);
   then one zoom on the last page (drawn again, sharp) and the RSS with it.
"""
from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

HEIGHT = 1080


def figures(name: str, samples: list[float]) -> float:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    median = statistics.median(ms)
    print(f"{name:<46} median {median:7.2f} ms   p95 {p95:7.2f} ms   max {ms[-1]:7.2f} ms   (n={len(ms)})")
    return median


def rss_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def make_publication(folder: Path, pages: int = 300) -> Path:
    from kiosk.core import demo

    pub = demo.DemoPublication("Kota Lubuklinggau Dalam Angka 2025", "Statistik Umum", 2025, pages,
                               "1102001.1674", "Gambaran umum Kota Lubuklinggau.", "Rak A-1")
    return demo.write_pdf(pub, folder / "dalam-angka-2025.pdf", seed=1)


def load_pymupdf(allow_install: bool, folder: Path):
    try:
        return importlib.import_module("pymupdf"), "already importable"
    except ImportError:
        pass
    if not allow_install:
        return None, "not importable (--no-install)"
    target = folder / "pymupdf"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--target", str(target), "pymupdf"], capture_output=True, text=True)
    if done.returncode != 0:
        return None, "pip install pymupdf failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    sys.path.insert(0, str(target))
    try:
        return importlib.import_module("pymupdf"), f"pip-installed into a temporary folder ({target})"
    except ImportError as exc:
        return None, f"installed but not importable: {exc}"


def bench_render(pdf: Path, allow_install: bool, folder: Path) -> None:
    from kiosk.core.pdfrender import Document

    pages = list(range(1, 61))
    with Document(pdf) as doc:
        doc.render(0, HEIGHT)      # first call loads fonts
        samples = []
        for i in pages:
            t = time.perf_counter()
            page = doc.render(i, HEIGHT)
            samples.append(time.perf_counter() - t)
    print(f"page size at {HEIGHT} px height: {page.width} x {page.height} px RGB")
    ours = figures("pypdfium2 render (Document.render)", samples)
    fitz, how = load_pymupdf(allow_install, folder)    # the module is ``pymupdf`` (formerly ``fitz``)
    if fitz is None:
        print(f"PyMuPDF: {how}; no comparison")
        return
    doc = fitz.open(str(pdf))
    samples = []
    for i in pages:
        t = time.perf_counter()
        pg = doc[i]
        zoom = HEIGHT / pg.rect.height
        pix = pg.get_pixmap(matrix=fitz.Matrix(zoom, zoom), alpha=False)
        pix.samples    # noqa: B018  (the RGB bytes, as the reader needs them)
        samples.append(time.perf_counter() - t)
    version = getattr(fitz, "pymupdf_version", None) or getattr(fitz, "VersionBind", "?")
    theirs = figures(f"PyMuPDF {version} get_pixmap", samples)
    print(f"PyMuPDF: {how}; pypdfium2 / PyMuPDF median ratio {ours / theirs:.2f}")


def import_into_new_kiosk(pdf: Path, folder: Path) -> Path:
    """A kiosk folder whose catalogue holds ``pdf``, as `kiosk catalog import` makes it: done here, in
    the parent, so the measured process loads what a running kiosk loads (not pypdf's import path)."""
    from helpers import make_runtime
    from kiosk.core import catalog_import
    from kiosk.core.clock import FakeClock

    (folder / "kiosk").mkdir()
    rt = make_runtime(folder / "kiosk", clock=FakeClock())
    catalog_import.import_file(rt.settings, rt.clock, pdf)
    config = rt.settings.source
    rt.close()
    return config


def bench_window(config: Path, folder: Path, turns: int) -> None:
    from kiosk.ui.bootstrap import configure_kivy

    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_HOME", str(folder / "kivy-home"))
    os.environ.setdefault("KIVY_METRICS_DENSITY", "1")
    # the kiosk's own start, as `kiosk run` does it before kivy loads: its Kivy settings (no MSAA, …)
    # and the C allocator's tuning; without it this would measure Kivy's defaults, not the kiosk
    configure_kivy(width=1920, height=1080, fullscreen=False, kivy_home=folder / "kivy-home")
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk.core.clock import FakeClock
    from kiosk.core.models import Publication
    from kiosk.runtime import initialise
    from kiosk.ui.app import KioskApp

    rt, _ = initialise(config, clock=FakeClock())
    pub = Publication.get()
    EventLoop.ensure_window()
    Window.size = (1920, 1080)
    app = KioskApp(rt)
    root = app.build()
    Window.add_widget(root)
    EventLoop.idle()
    # the screens a reading visitor passes through (the app builds a screen at its first use): the
    # library with its covers, the publication page, then the reader
    app.session.visit_id = 1
    for step in ("library", "publication", "reader"):
        if step == "publication":
            app.manager.get_screen("publication").show(pub)
        app.go(step)
        for _ in range(20):
            EventLoop.idle()
            time.sleep(0.01)
    started = rss_mb()[0]

    def frames(n: int = 1) -> None:
        for _ in range(n):
            EventLoop.idle()

    def until(predicate, seconds: float = 10.0) -> None:
        end = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > end:
                raise SystemExit("timed out in the window benchmark")
            frames()
            time.sleep(0.002)

    reader = app.manager.get_screen("reader")
    view, next_button = reader.ids.page_view, reader.ids.next
    reader.open(pub)
    frames(3)
    until(lambda: view.texture is not None)
    frames(3)
    first_page = rss_mb()[0]     # the first frames drawn with the page (software GL's buffers and shaders)
    flips: list[float] = []
    Window.bind(on_flip=lambda *a: flips.append(time.perf_counter()))
    set_at: list[float] = []
    view.bind(texture=lambda *a: set_at.append(time.perf_counter()))
    to_texture, to_frame, misses = [], [], 0
    for _ in range(turns):
        nxt = reader.page_index + 1
        until(lambda: nxt in reader._textures)      # the visitor is still reading: prefetch has landed
        set_at.clear()
        flips.clear()
        t = time.perf_counter()
        next_button.dispatch("on_release")
        frames(1)
        if not set_at or set_at[-1] < t:
            misses += 1
            continue
        to_texture.append(set_at[-1] - t)
        until(lambda: flips and flips[-1] > set_at[-1])
        to_frame.append(flips[-1] - t)
    print(f"window {Window.size[0]}x{Window.size[1]}, page view {int(view.width)}x{int(view.height)} px, "
          f"render height {reader.render_height()} px")
    figures("next press → texture set (prefetched)", to_texture)
    figures("next press → frame drawn (incl. one frame)", to_frame)
    if misses:
        print(f"  {misses} turn(s) found no prefetched page")

    before = rss_mb()[0]
    t = time.perf_counter()
    while reader.page_index < reader.page_count - 1:
        next_button.dispatch("on_release")
        until(lambda: view.texture is not None)
    took = time.perf_counter() - t
    now, peak = rss_mb()
    print(f"RSS of the whole kiosk process (Kivy + software GL under Xvfb): {started:.0f} MB with the app built "
          f"and the library, publication and reader screens shown, "
          f"{first_page:.0f} MB with the first page on screen, {before:.0f} MB after {turns} turns")
    print(f"read all {reader.page_count} pages in {took:.1f} s: RSS after {now:.0f} MB, peak (VmHWM) {peak:.0f} MB, "
          f"reading added {now - started:+.0f} MB — goal ≤ 250 MB: {'OK' if peak <= 250 else 'ABOVE'}")
    sharp_before = view.texture
    view.zoom_at(*view.center)      # double tap: the page drawn again, sharp, at the zoomed size
    until(lambda: view.texture is not sharp_before)
    frames(3)
    zoomed, peak = rss_mb()
    print(f"zoomed in on the last page ({view.texture.width} x {view.texture.height} px): RSS {zoomed:.0f} MB, "
          f"peak (VmHWM) {peak:.0f} MB")
    reader.clear()
    app.dispatch("on_stop")
    rt.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-window", action="store_true", help="skip the Kivy window part")
    parser.add_argument("--no-install", action="store_true", help="do not pip-install PyMuPDF")
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--window-only", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.window_only:       # a fresh process: its RSS holds the kiosk only, not PyMuPDF or the drawing
        with tempfile.TemporaryDirectory() as tmp:
            bench_window(Path(args.window_only), Path(tmp), args.turns)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        pdf = make_publication(folder)
        print(f"300-page publication drawn in {time.perf_counter() - t:.1f} s ({pdf.stat().st_size / 1e6:.1f} MB)")
        bench_render(pdf, not args.no_install, folder)
        sys.stdout.flush()
        if not args.no_window:
            config = import_into_new_kiosk(pdf, folder)
            return subprocess.run([sys.executable, __file__, "--window-only", str(config),
                                   "--turns", str(args.turns)]).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
