"""The printed library's scanner (issue 17): scan → preview per page, and assembling + stamping 20 pages.

    .venv/bin/python benchmarks/scan_bench.py [--pages 10] [--runs 5]

Needs Debian's sane-utils (scanimage, SANE's ``test`` device, enabled here through a private
SANE_CONFIG_DIR) and img2pdf (the test extra).

1. **scan → preview**, per page, on the test device drawing a grid, at 150 and 300 dpi, A4 clamped to the
   test glass (200 × 200 mm): ``ScanBatch.add`` as the screen's worker runs it — scanimage (a process) +
   the page made (grey, 150 dpi, JPEG ≤ 150 KB) + its PNG preview written; the screen shows the preview
   in the next frame. Median and worst of ``--pages`` pages; the scanimage part alone beside it.
2. **assembling + stamping 20 pages** (dense 300 dpi text pages with paper grain made grey 150 dpi JPEGs of
   about 146 KB, the worst the 150 KB rule allows): the kiosk's
   ``assemble_pdf`` (pikepdf, JPEG bytes embedded as they are) then ``watermark.stamp_pdf``, against
   ``img2pdf.convert`` doing the same assembly (also lossless JPEG embedding) then the same stamp, and
   against ``img2pdf`` alone. Median of ``--runs``, contenders in turn within each round.

Wall time on a shared machine says as much about the neighbours as about the code: CPU time is printed too.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def timed(fn):
    c0, t0 = cpu(), time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, cpu() - c0, value


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms, worst {max(values) * 1000:7.1f} ms"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    import img2pdf

    from helpers import make_runtime
    from kiosk.core import scan, watermark
    from kiosk.core.clock import local

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sane = tmp / "sane"
        sane.mkdir()
        (sane / "dll.conf").write_text("test\n")
        (sane / "test.conf").write_text('test-picture "Grid"\n')
        os.environ["SANE_CONFIG_DIR"] = str(sane)
        print(f"scan → preview, {args.pages} pages each (SANE test device, grid, A4 clamped to 200 × 200 mm)")
        batch = None
        for dpi in (150, 300):
            folder = tmp / f"k{dpi}"
            folder.mkdir()
            rt = make_runtime(folder, replace={'kind = "none"': 'kind = "sane"',
                                               'device = ""\n# sane: dots': 'device = "test:0"\n# sane: dots',
                                               "resolution = 150": f"resolution = {dpi}",
                                               "max_pages = 20": "max_pages = 200"})
            b = scan.ScanBatch.new(rt.settings)
            walls, cpus, raw_walls = [], [], []
            for _ in range(args.pages):
                wall, used, _ = timed(lambda: b.add(rt.scanner))
                walls.append(wall)
                cpus.append(used)
                raw_walls.append(timed(lambda: rt.scanner.scan(tmp / "raw"))[0])   # scanimage alone
            for p in (tmp / "raw").iterdir():
                p.unlink()
            sizes = [p.size for p in b.pages]
            print(f"  {dpi} dpi: scan → preview {ms(walls)} (CPU {statistics.median(cpus) * 1000:.0f} ms); "
                  f"scanimage alone {ms(raw_walls)}; page {max(sizes) / 1024:.0f} KB at most")
            if dpi == 150:
                batch, settings, clock = b, rt.settings, rt.clock
            rt.close()

        # a hard page for the 150 KB rule: a 300 dpi A4 of dense text lines over paper grain (noise)
        from PIL import Image, ImageChops, ImageDraw

        hard_walls, hard_pages = [], []
        for n in range(3):
            im = Image.effect_noise((2480, 3508), 24).point(lambda v: 200 + v // 8)
            draw = ImageDraw.Draw(im)
            for row in range(70):
                y = 200 + row * 44
                for col in range(0, 2100, 36):
                    if (row * 7 + col + n) % 5:
                        draw.rectangle((190 + col, y, 190 + col + 26, y + 26), fill=40)
            im = ImageChops.multiply(im, Image.effect_noise((2480, 3508), 30).point(lambda v: 235 + v // 12))
            raw = tmp / f"hard{n}.png"
            im.save(raw, dpi=(300, 300))
            wall, _, page = timed(lambda: scan.make_page(raw, tmp, 300))
            hard_walls.append(wall)
            hard_pages.append(page)
        print(f"  a dense 300 dpi text page with paper grain → grey 150 dpi page + preview: {ms(hard_walls)}, "
              f"{max(p.size for p in hard_pages) / 1024:.0f} KB at most (limit {scan.PAGE_BYTES // 1024} KB)")

        # 20 pages: the dense text pages, repeated (the worst case the 150 KB rule allows)
        pages = (hard_pages * 20)[:20]
        jpegs = [p.image(tmp) for p in pages]
        stamp = watermark.Stamp("Siti Rahmawati", "siti.rahmawati@gmail.com", local(clock.now(), "Asia/Jakarta"),
                                "SC-20261124-0001", settings.office.name)
        out = tmp / "out"
        out.mkdir()

        def kiosk() -> int:
            scan.assemble_pdf(tmp, pages, out / "a.pdf")
            return watermark.stamp_pdf(out / "a.pdf", out / "kiosk.pdf", stamp).size

        def with_img2pdf() -> int:
            layout = img2pdf.get_fixed_dpi_layout_fun((scan.DPI, scan.DPI))
            (out / "b.pdf").write_bytes(img2pdf.convert([str(j) for j in jpegs], layout_fun=layout))
            return watermark.stamp_pdf(out / "b.pdf", out / "img2pdf.pdf", stamp).size

        def img2pdf_alone() -> int:
            layout = img2pdf.get_fixed_dpi_layout_fun((scan.DPI, scan.DPI))
            data = img2pdf.convert([str(j) for j in jpegs], layout_fun=layout)
            (out / "c.pdf").write_bytes(data)
            return len(data)

        contenders = {"kiosk: assemble_pdf + stamp_pdf": kiosk, "img2pdf.convert + stamp_pdf": with_img2pdf,
                      "img2pdf.convert alone (no stamp)": img2pdf_alone}
        results: dict[str, list[tuple[float, float, int]]] = {k: [] for k in contenders}
        for _ in range(args.runs):
            for name, fn in contenders.items():
                results[name].append(timed(fn))
        print(f"assembling + stamping 20 dense text pages (grey 150 dpi JPEGs, {sum(p.size for p in pages) / 1024:.0f} KB "
              f"of images), median of {args.runs}:")
        for name, rows in results.items():
            print(f"  {name:36s} {statistics.median(r[0] for r in rows) * 1000:7.1f} ms wall, "
                  f"{statistics.median(r[1] for r in rows) * 1000:7.1f} ms CPU, {rows[-1][2] / 1024:6.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
