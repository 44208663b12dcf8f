"""Stamping a 300-page publication: the kiosk's watermark against ``qpdf --overlay``, whole process each.

    .venv/bin/python benchmarks/watermark_bench.py [--runs 5] [--keep DIR]

Two generated inputs:

* **lean** — 300 text pages from reportlab (classic xref table);
* **tagged** — the same pages plus a structure tree of 18,000 StructElem objects (60 per page,
  a ParentTree, /StructParents on the pages), packed into object streams by
  ``qpdf --object-streams=generate``: the shape of an accessible publication from InDesign.

Each contender runs as its own process (interpreter start-up and imports included, as a CLI
call would): ``qpdf IN --overlay stamp.pdf --repeat=1 -- OUT`` (stamp.pdf made by the kiosk's
own reportlab code beforehand); the kiosk (``kiosk.core.watermark.stamp_pdf``, stamp built
inside the process); and, for reference, the plain pypdf full copy (``PdfWriter(clone_from=…)``
+ the same shared XObject) that the kiosk falls back to for encrypted files. The median of
``--runs`` is printed with the ratio to qpdf.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAGES = 300
ELEMS_PER_PAGE = 60

KIOSK = """
import sys, datetime as dt
from pathlib import Path
from kiosk.core import watermark as wm
stamp = wm.Stamp("Andi Saputra", "andi.saputra@gmail.com", dt.datetime(2026, 11, 24, 9, 5), "SC-20261124-0007",
                 "BPS Kota Contoh")
r = wm.stamp_pdf(Path(sys.argv[1]), Path(sys.argv[2]), stamp)
assert r.method == "raw", r
"""

PYPDF = """
import io, sys, datetime as dt
from pathlib import Path
from pypdf import PdfReader
from kiosk.core import watermark as wm
stamp = wm.Stamp("Andi Saputra", "andi.saputra@gmail.com", dt.datetime(2026, 11, 24, 9, 5), "SC-20261124-0007",
                 "BPS Kota Contoh")
data = wm._pypdf_copy(PdfReader(sys.argv[1]), wm.build_stamp_pdf(stamp), "SC-20261124-0007", False)
Path(sys.argv[2]).write_bytes(data)
"""


def make_lean(path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), invariant=1)
    for n in range(PAGES):
        c.setFont("Helvetica-Bold", 16)
        c.drawString(72, 770, f"Kota Contoh Dalam Angka 2026 — halaman {n + 1}")
        c.setFont("Helvetica", 10)
        for line in range(40):
            c.drawString(72, 740 - 16 * line, f"Tabel {n + 1}.{line + 1}  {'1.234,5  ' * 8}")
        c.showPage()
    c.save()


def make_tagged(lean: Path, path: Path) -> None:
    """The lean file plus a structure tree (ELEMS_PER_PAGE elements per page) in object streams."""
    from pypdf import PdfWriter
    from pypdf.generic import (ArrayObject, DictionaryObject, NameObject, NumberObject,
                               TextStringObject)

    w = PdfWriter(clone_from=str(lean))
    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = w._add_object(root)
    doc = DictionaryObject({NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Document"),
                            NameObject("/P"): root_ref})
    doc_ref = w._add_object(doc)
    kids, nums = ArrayObject(), ArrayObject()
    for n, page in enumerate(w.pages):
        page[NameObject("/StructParents")] = NumberObject(n)
        per_page = ArrayObject()
        for mcid in range(ELEMS_PER_PAGE):
            elem = DictionaryObject({
                NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/P"),
                NameObject("/P"): doc_ref, NameObject("/Pg"): page.indirect_reference,
                NameObject("/K"): NumberObject(mcid), NameObject("/T"): TextStringObject(f"p{n}.{mcid}")})
            ref = w._add_object(elem)
            kids.append(ref)
            per_page.append(ref)
        nums.extend([NumberObject(n), w._add_object(per_page)])
    doc[NameObject("/K")] = kids
    root[NameObject("/K")] = doc_ref
    root[NameObject("/ParentTree")] = w._add_object(DictionaryObject({NameObject("/Nums"): nums}))
    w._root_object[NameObject("/StructTreeRoot")] = root_ref
    w._root_object[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): NameObject("/true")})
    plain = path.with_suffix(".plain.pdf")
    w.write(plain)
    subprocess.run(["qpdf", "--object-streams=generate", str(plain), str(path)], check=True)
    plain.unlink()


def timed(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def in_process(wm, src: Path, dest: Path, runs: int) -> float:
    """What the kiosk itself waits for: modules already imported (the app is running)."""
    stamp = wm.Stamp("Andi Saputra", "andi.saputra@gmail.com", dt.datetime(2026, 11, 24, 9, 5),
                     "SC-20261124-0007", "BPS Kota Contoh")
    wm.stamp_pdf(src, dest, stamp)      # warm-up: first use loads pypdf's lazily imported parts
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        wm.stamp_pdf(src, dest, stamp)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def count_objects(path: Path) -> int:
    out = subprocess.run(["qpdf", "--show-npages", str(path)], capture_output=True, text=True).stdout.strip()
    xref = subprocess.run(["qpdf", "--show-xref", str(path)], capture_output=True, text=True).stdout
    return len([line for line in xref.splitlines() if "compressed" in line or "uncompressed" in line]) or int(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    if not shutil.which("qpdf"):
        print("qpdf is not installed (apt-get install qpdf): nothing to compare with")
        return 1
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from kiosk.core import watermark as wm

    work = args.keep or Path(tempfile.mkdtemp(prefix="wm-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    lean, tagged, stamp = work / "lean.pdf", work / "tagged.pdf", work / "stamp.pdf"
    make_lean(lean)
    make_tagged(lean, tagged)
    stamp.write_bytes(wm.build_stamp_pdf(wm.Stamp("Andi Saputra", "andi.saputra@gmail.com",
                                                   dt.datetime(2026, 11, 24, 9, 5), "SC-20261124-0007",
                                                   "BPS Kota Contoh")))
    py = sys.executable
    env_note = f"python {sys.version.split()[0]}, qpdf {subprocess.run(['qpdf', '--version'], capture_output=True, text=True).stdout.split()[2]}, {os.cpu_count()} cpu"
    print(f"watermark benchmark — {PAGES} pages, median of {args.runs} runs, whole process each ({env_note})")
    for label, src in (("lean", lean), ("tagged", tagged)):
        objs = count_objects(src)
        print(f"\n{label}: {src.stat().st_size / 1e6:.2f} MB, {objs} objects")
        q = timed(["qpdf", str(src), "--overlay", str(stamp), "--repeat=1", "--", str(work / f"{label}-qpdf.pdf")],
                  args.runs)
        k = timed([py, "-c", KIOSK, str(src), str(work / f"{label}-kiosk.pdf")], args.runs)
        p = timed([py, "-c", PYPDF, str(src), str(work / f"{label}-pypdf.pdf")], max(1, args.runs // 2))
        inproc = in_process(wm, src, work / f"{label}-inproc.pdf", args.runs)
        print(f"  qpdf --overlay          {q * 1000:8.0f} ms   1.00×")
        print(f"  kiosk (raw copy)        {k * 1000:8.0f} ms   {k / q:.2f}×")
        print(f"  pypdf clone_from copy   {p * 1000:8.0f} ms   {p / q:.2f}×")
        print(f"  kiosk in the running app (imports done, stamp built + file written): "
              f"{inproc * 1000:.0f} ms = {inproc / q:.2f}× qpdf's whole process")
    startup = timed([py, "-c", "import kiosk.core.watermark, pypdf, reportlab.pdfgen.canvas"], args.runs)
    print(f"\n(of which interpreter start-up + imports: {startup * 1000:.0f} ms)")
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
