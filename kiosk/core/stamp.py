"""The stamp's drawing: a one-page PDF made with reportlab, placed on every page by ``watermark``."""
from __future__ import annotations

import io
import math

STAMP_W, STAMP_H = 595.2756, 841.8898     # A4 portrait, in points


def _winansi(text: str) -> str:
    return text.encode("cp1252", "replace").decode("cp1252")


def draw_stamp(lines: list[str], footer: str, bold: tuple[int, ...] = ()) -> bytes:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(STAMP_W, STAMP_H), pageCompression=1)
    c.setTitle("PST stamp")
    lines = [_winansi(t) for t in lines]
    angle = math.degrees(math.atan2(STAMP_H, STAMP_W))
    diagonal = math.hypot(STAMP_W, STAMP_H)
    widest = max(stringWidth(t, "Helvetica-Bold", 1) for t in lines) or 1
    size = max(10.0, min(40.0, 0.75 * diagonal / widest))
    c.saveState()
    c.translate(STAMP_W / 2, STAMP_H / 2)
    c.rotate(angle)
    c.setFillColorRGB(0.55, 0.1, 0.1)
    c.setFillAlpha(0.22)
    lead = size * 1.25
    top = lead * (len(lines) - 1) / 2
    for n, text in enumerate(lines):
        c.setFont("Helvetica-Bold" if n in bold else "Helvetica", size)
        c.drawCentredString(0, top - n * lead - size / 3, text)
    c.restoreState()
    footer = _winansi(footer)
    fsize = min(8.0, (STAMP_W - 40) / (stringWidth(footer, "Helvetica", 1) or 1))
    c.setFillColorRGB(1, 1, 1)
    c.setFillAlpha(0.75)
    c.rect(0, 6, STAMP_W, fsize + 8, stroke=0, fill=1)
    c.setFillAlpha(1)
    c.setFillColorRGB(0.25, 0.25, 0.25)
    c.setFont("Helvetica", fsize)
    c.drawCentredString(STAMP_W / 2, 10 + fsize * 0.2, footer)
    c.showPage()
    c.save()
    return buf.getvalue()
