"""Catalogue import speed (issue 5): import + cover thumbnails for generated PDFs, documents/s.

    .venv/bin/python benchmarks/import_bench.py                   # 1,000 PDFs
    .venv/bin/python benchmarks/import_bench.py --count 100 --pages 20

PDFs are drawn first with the demo generator (cover, tables, charts; ``--pages`` each, default 24;
their drawing is not timed), then ``kiosk.core.catalog_import.import_directory`` is timed as
``kiosk catalog import DIR`` runs it: hash, open with PDFium, metadata (+ first page text when there
is no title), the cover JPEG, the copy into the library folder and the database row. A second run
over the same folder shows the idempotent re-import (hash match → update, thumbnails cached).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers import make_runtime  # noqa: E402

from kiosk.core import catalog_import, demo  # noqa: E402
from kiosk.core.clock import FakeClock  # noqa: E402

TOPICS = ["Statistik Kesejahteraan Rakyat", "Indikator Inflasi", "Keadaan Angkatan Kerja", "Statistik Pendidikan",
          "Profil Kemiskinan", "Statistik Tanaman Pangan", "Statistik Harga Konsumen", "Statistik Daerah"]


def draw(folder: Path, count: int, pages: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for n in range(count):
        year = 2000 + n % 26
        pub = demo.DemoPublication(f"{TOPICS[n % len(TOPICS)]} Kabupaten Contoh {n} {year}", "Sosial", year, pages,
                                   f"{4100000 + n}.1674", "Publikasi sintetis untuk mengukur kecepatan impor.")
        paths.append(demo.write_pdf(pub, folder / f"pub-{n:05d}.pdf", seed=n))
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        paths = draw(folder / "incoming", args.count, args.pages)
        size = sum(p.stat().st_size for p in paths)
        print(f"drew {args.count} PDFs of {args.pages} pages ({size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s "
              f"(not part of the figure)")
        rt = make_runtime(folder, clock=FakeClock())
        t = time.perf_counter()
        report = catalog_import.import_directory(rt.settings, rt.clock, folder / "incoming")
        took = time.perf_counter() - t
        print(f"import + thumbnails: {report.summary()} in {took:.1f} s → {args.count / took:.1f} documents/s "
              f"({took / args.count * 1000:.1f} ms each)")
        thumbs = list(rt.settings.library.thumbnails_dir.glob("*.jpg"))
        average_kb = sum(p.stat().st_size for p in thumbs) / max(len(thumbs), 1) / 1024
        print(f"  {len(thumbs)} cover JPEGs, {average_kb:.0f} KB each on average")
        t = time.perf_counter()
        again = catalog_import.import_directory(rt.settings, rt.clock, folder / "incoming")
        took = time.perf_counter() - t
        print(f"re-import of the same folder: {again.summary()} in {took:.1f} s "
              f"→ {args.count / took:.1f} documents/s")
        rt.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
