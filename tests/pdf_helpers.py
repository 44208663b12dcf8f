"""Publications made for tests: small real PDFs drawn with reportlab, and catalogue rows for them.
Shared by the watermark, softcopy, mail and library tests (test modules never import each other)."""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas


def make_pdf(path: Path, pages: int = 3, sizes=((595, 842),), text: str = "Isi halaman") -> Path:
    """``pages`` pages of the given sizes (cycled), each with one line of ``text`` and its number."""
    c = Canvas(str(path))
    for n in range(pages):
        c.setPageSize(sizes[n % len(sizes)])
        c.drawString(60, 60, f"{text} {n + 1}")
        c.showPage()
    c.save()
    return path


def make_titled_pdf(path: Path, title: str, pages: int) -> Path:
    """A publication whose document title is ``title``, every page drawn differently (covers and pages
    can be told apart on screen)."""
    c = Canvas(str(path), invariant=1)
    c.setTitle(title)
    for n in range(pages):
        c.setFont("Helvetica-Bold", 24)
        c.drawString(72, 760, title if n == 0 else f"Halaman {n + 1}")
        c.rect(72, 200, 400, 400 - 30 * n)      # every page looks different
        c.showPage()
    c.save()
    return path


def add_publication(folder: Path, title: str = "Kota Contoh Dalam Angka 2026", pages: int = 3, **flags):
    """A catalogue row for a new PDF in ``folder`` (without the import pipeline: tests of what follows it)."""
    from kiosk.core.models import Publication

    folder.mkdir(parents=True, exist_ok=True)
    key = uuid.uuid4().hex
    path = make_pdf(folder / f"{key}.pdf", pages=pages, text=title)
    now = dt.datetime(2026, 11, 1)
    return Publication.create(title=title, year=2026, file_path=str(path), file_size=path.stat().st_size,
                              content_hash=key, page_count=pages, imported_at=now, updated_at=now, **flags)
