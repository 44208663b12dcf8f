"""Stamping a 300-page publication: the kiosk's watermark against ``qpdf --overlay``, side by side.

    .venv/bin/python benchmarks/watermark_bench.py [--runs 7] [--keep DIR]

Two generated inputs:

* **lean** — 300 text pages from reportlab (classic xref table);
* **tagged** — the same pages plus a structure tree of 18,000 StructElem objects (60 per page,
  a ParentTree, /StructParents on the pages), packed into object streams by
  ``qpdf --object-streams=generate``: the shape of an accessible publication from InDesign.

Contenders, run in turn within each round (so a busy machine slows them alike), median of ``--runs``:

* ``qpdf IN --overlay stamp.pdf --repeat=1 -- OUT`` — a whole process (stamp.pdf drawn beforehand by
  the kiosk's own code);
* **in the running kiosk** — ``kiosk.core.watermark.stamp_pdf`` with its modules already imported,
  the stamp drawn and the file written, as the touchscreen's worker does it (goal ≤ 0.5× qpdf);
* **CLI** — ``kiosk softcopy ID --name … --email … --out FILE``, a whole process on a kiosk set up
  in a temporary folder (``init`` + ``catalog import``; goal ≤ 1.5× qpdf);
* ``python -c stamp_pdf(…)`` — a bare Python process doing only the stamping, to show what of the CLI's
  time is the kiosk's own start-up.

Wall time is what the goals are about; CPU time (user + sys) is printed beside it because the
machine is shared and wall time then says more about the neighbours than about the code.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = 300
ELEMS_PER_PAGE = 60
NAME, EMAIL, NUMBER, OFFICE = "Andi Saputra", "andi.saputra@gmail.com", "SC-20261124-0007", "BPS Kota Contoh"

BARE = f"""
import sys, datetime as dt
from pathlib import Path
from kiosk.core import watermark as wm
stamp = wm.Stamp({NAME!r}, {EMAIL!r}, dt.datetime(2026, 11, 24, 9, 5), {NUMBER!r}, {OFFICE!r})
wm.stamp_pdf(Path(sys.argv[1]), Path(sys.argv[2]), stamp)
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
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    with pikepdf.Pdf.open(lean) as pdf:
        root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        doc = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root))
        kids, nums = Array(), Array()
        for n, page in enumerate(pdf.pages):
            page.obj.StructParents = n
            per_page = Array()
            for mcid in range(ELEMS_PER_PAGE):
                elem = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.P, P=doc, Pg=page.obj, K=mcid,
                                                    T=pikepdf.String(f"p{n}.{mcid}")))
                kids.append(elem)
                per_page.append(elem)
            nums.extend([n, pdf.make_indirect(per_page)])
        doc.K = kids
        root.K = doc
        root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
        pdf.Root.StructTreeRoot = root
        pdf.Root.MarkInfo = Dictionary(Marked=True)
        pdf.save(path, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def run(cmd: list[str], **kw) -> tuple[float, float]:
    """(wall, cpu) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def in_process(wm, src: Path, dest: Path) -> tuple[float, float]:
    stamp = wm.Stamp(NAME, EMAIL, dt.datetime(2026, 11, 24, 9, 5), NUMBER, OFFICE)
    t, c = time.perf_counter(), time.process_time()
    wm.stamp_pdf(src, dest, stamp)
    return time.perf_counter() - t, time.process_time() - c


def set_up_kiosk(work: Path, pubs: list[Path]) -> tuple[list[str], dict[str, int]]:
    """A kiosk in ``work`` with ``pubs`` in its catalogue: the command prefix and {file stem: id}."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / "kiosk.toml"
    text = (REPO / "config" / "kiosk.example.toml").read_text(encoding="utf-8")
    text = text.replace('logo = "../assets/logo.png"', f'logo = "{REPO / "assets" / "logo.png"}"')
    config.write_text(text.replace("demo_on_first_run = true", "demo_on_first_run = false"), encoding="utf-8")
    kiosk = [sys.executable, "-m", "kiosk", "--config", str(config)]
    folder = work / "publications"
    folder.mkdir()
    for p in pubs:
        shutil.copy(p, folder / p.name)
    subprocess.run([*kiosk, "init"], check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    subprocess.run([*kiosk, "catalog", "import", str(folder)], check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    listed = json.loads(subprocess.run([*kiosk, "catalog", "list", "--json"], check=True, capture_output=True,
                                       text=True, cwd=REPO).stdout)
    ids = {}
    for pub in listed:
        for p in pubs:
            if Path(pub["file_path"]).name.endswith(p.name):
                ids[p.stem] = pub["id"]
    return kiosk, ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    if not shutil.which("qpdf"):
        print("qpdf is not installed (apt-get install qpdf): nothing to compare with")
        return 1
    sys.path.insert(0, str(REPO))
    from kiosk.core import watermark as wm

    work = args.keep or Path(tempfile.mkdtemp(prefix="wm-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    lean, tagged, stamp = work / "lean.pdf", work / "tagged.pdf", work / "stamp.pdf"
    make_lean(lean)
    make_tagged(lean, tagged)
    stamp.write_bytes(wm.build_stamp_pdf(wm.Stamp(NAME, EMAIL, dt.datetime(2026, 11, 24, 9, 5), NUMBER, OFFICE)))
    kiosk, ids = set_up_kiosk(work / "kiosk", [lean, tagged])
    qpdf_version = subprocess.run(["qpdf", "--version"], capture_output=True, text=True).stdout.split()[2]
    print(f"watermark benchmark — {PAGES} pages, median of {args.runs} rounds, contenders in turn within a round "
          f"(python {sys.version.split()[0]}, qpdf {qpdf_version}, {os.cpu_count()} cpu, "
          f"load {os.getloadavg()[0]:.1f})")
    for label, src in (("lean", lean), ("tagged", tagged)):
        in_process(wm, src, work / f"{label}-warm.pdf")    # first use loads pikepdf, reportlab and the fonts
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in ("qpdf", "inproc", "cli", "bare")}
        for n in range(args.runs):
            times["qpdf"].append(run(["qpdf", str(src), "--overlay", str(stamp), "--repeat=1", "--",
                                      str(work / f"{label}-qpdf.pdf")]))
            times["inproc"].append(in_process(wm, src, work / f"{label}-inproc.pdf"))
            times["cli"].append(run([*kiosk, "softcopy", str(ids[label]), "--name", NAME, "--email", EMAIL,
                                     "--out", str(work / f"{label}-cli-{n}.pdf")], cwd=REPO))
            times["bare"].append(run([sys.executable, "-c", BARE, str(src), str(work / f"{label}-bare.pdf")],
                                     cwd=REPO))
        med = {k: (statistics.median(w for w, _c in v), statistics.median(c for _w, c in v))
               for k, v in times.items()}
        qw, qc = med["qpdf"]
        print(f"\n{label}: {src.stat().st_size / 1e6:.2f} MB, {count_objects(src)} objects")
        print(f"  {'':44} {'wall':>8} {'× qpdf':>7}   {'cpu':>8} {'× qpdf':>7}")
        for key, what, goal in (("qpdf", "qpdf --overlay (whole process)", ""),
                                ("inproc", "kiosk, in the running app", "goal ≤ 0.5×"),
                                ("cli", "kiosk softcopy --out (whole process)", "goal ≤ 1.5×"),
                                ("bare", "python -c stamp_pdf (whole process)", "")):
            w, c = med[key]
            print(f"  {what:44} {w * 1000:6.0f} ms {w / qw:6.2f}×   {c * 1000:6.0f} ms {c / qc:6.2f}×   {goal}")
    startup = [run([sys.executable, "-c", "import kiosk.core.watermark, pikepdf, reportlab.pdfgen.canvas"],
                   cwd=REPO) for _ in range(args.runs)]
    print(f"\n(a bare interpreter importing the watermark, pikepdf and reportlab: "
          f"{statistics.median(w for w, _c in startup) * 1000:.0f} ms)")
    if not args.keep:
        shutil.rmtree(work)
    return 0


def count_objects(path: Path) -> int:
    import pikepdf

    with pikepdf.Pdf.open(path) as pdf:
        return len(pdf.objects)


if __name__ == "__main__":
    raise SystemExit(main())
