"""The staff reports (``kiosk.core.reports``) laid out as an A4 PDF with reportlab.

Content comes whole from the ``Report`` (titles, tables, chart, highlight, all already translated);
this module decides only how it looks: the office's colours, a TrueType font that has Indonesian text
and "≥ – ×", tables that keep together, long comment lists that flow over pages, a footer per page.
"""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

from kiosk.core.config import Settings
from kiosk.core.report_tables import FORMATS, Report, ReportError, Table, shown, tr, write_csv
from kiosk.i18n import N_


def _kivy_fonts() -> Path | None:
    """Kivy's font folder, located without importing kivy (``find_spec`` of a top-level package only
    reads its location): a report drawn by ``kiosk report`` must not start a window system."""
    spec = importlib.util.find_spec("kivy")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "fonts"


def _fonts() -> tuple[str, str]:
    """A TrueType font with Indonesian text and "≥ – ×" (Roboto, shipped with Kivy; else DejaVu);
    Helvetica only if neither is found."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "KioskSans" in pdfmetrics.getRegisteredFontNames():
        return "KioskSans", "KioskSans-Bold"
    candidates = []
    kivy_fonts = _kivy_fonts()
    if kivy_fonts is not None:
        candidates.append((kivy_fonts / "Roboto-Regular.ttf", kivy_fonts / "Roboto-Bold.ttf"))
    candidates.append((Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                       Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")))
    for regular, bold in candidates:
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("KioskSans", str(regular)))
            pdfmetrics.registerFont(TTFont("KioskSans-Bold", str(bold)))
            return "KioskSans", "KioskSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def write_pdf(report: Report, out: Path, settings: Settings) -> Path:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table as PTable, TableStyle,
    )
    from xml.sax.saxutils import escape

    regular, bold = _fonts()
    t = tr(report.lang)
    primary = colors.Color(*settings.theme.primary[:3])
    accent = colors.Color(*settings.theme.accent[:3])
    soft = colors.Color(*[1 - (1 - c) * .12 for c in settings.theme.primary[:3]])
    base = ParagraphStyle("base", fontName=regular, fontSize=9.5, leading=12.5)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=colors.Color(.35, .38, .42))
    h1 = ParagraphStyle("h1", parent=base, fontName=bold, fontSize=18, leading=22, textColor=primary)
    h2 = ParagraphStyle("h2", parent=base, fontName=bold, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4,
                        textColor=primary)
    cell = ParagraphStyle("cell", parent=base, fontSize=9, leading=11)
    cell_bold = ParagraphStyle("cellb", parent=cell, fontName=bold)
    num = ParagraphStyle("num", parent=cell, alignment=TA_RIGHT)
    num_bold = ParagraphStyle("numb", parent=num, fontName=bold)
    big = ParagraphStyle("big", parent=base, fontName=bold, fontSize=20, leading=24, textColor=primary)

    def p(text: Any, style=cell) -> Paragraph:
        return Paragraph(escape(shown(text, report.lang)) if not isinstance(text, str) else escape(text), style)

    story: list = []
    head: list = []
    logo = settings.office.logo
    title_block = [Paragraph(escape(report.office), small), Paragraph(escape(report.title), h1),
                   Paragraph(escape(report.subtitle), base),
                   Paragraph(escape(t(N_("Period: {period}")).format(period=report.period_text)), base)]
    if logo is not None and logo.is_file():
        head = [[Image(str(logo), width=18 * mm, height=18 * mm, kind="proportional"), title_block]]
        story.append(PTable(head, colWidths=[22 * mm, None], style=TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])))
    else:
        story += title_block
    story.append(Spacer(1, 6 * mm))

    if report.empty:
        story.append(PTable([[Paragraph(escape(report.empty_message), h2)]], colWidths=[None], style=TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), soft), ("BOX", (0, 0), (-1, -1), 1, primary),
            ("TOPPADDING", (0, 0), (-1, -1), 10), ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ("LEFTPADDING", (0, 0), (-1, -1), 12)])))
        story.append(Spacer(1, 4 * mm))
    if report.highlight:
        cells = [[Paragraph(escape(label), small) for label, _ in report.highlight],
                 [Paragraph(escape(value), big) for _, value in report.highlight]]
        story.append(PTable(cells, style=TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), soft), ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, 0), 8), ("BOTTOMPADDING", (0, -1), (-1, -1), 10),
            ("LINEBEFORE", (1, 0), (-1, -1), 2, colors.white)])))
        story.append(Spacer(1, 4 * mm))

    width = A4[0] - 36 * mm

    def render_table(table: Table) -> list:
        if table.key == "summary" and report.highlight and not report.summary_in_pdf:
            return []
        n_cols = len(table.columns)
        head_style = num_bold if n_cols <= 5 else ParagraphStyle("tiny", parent=num_bold, fontSize=7.5, leading=9)
        data = [[p(table.label_heading, cell_bold)] + [
            p(h, cell_bold if m == "comment" else head_style) for m, h in table.columns]]
        for row in table.rows:
            data.append([p(row.label)] + [
                p(row.values.get(m), cell if m == "comment" else num) for m, _ in table.columns])
        if table.total is not None:
            data.append([p(table.total.label, cell_bold)] + [p(table.total.values.get(m), num_bold)
                                                             for m, _ in table.columns])
        if _is_text(table):
            col_widths = [30 * mm, width - 30 * mm]
        else:
            label_w = width * (0.40 if n_cols <= 4 else 0.22)
            col_widths = [label_w] + [(width - label_w) / n_cols] * n_cols
        style = [
            ("BACKGROUND", (0, 0), (-1, 0), soft), ("LINEBELOW", (0, 0), (-1, 0), 1, primary),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        for i in range(1, len(data)):
            if i % 2 == 0:
                style.append(("BACKGROUND", (0, i), (-1, i), colors.Color(.97, .97, .98)))
        if table.total is not None:
            style.append(("LINEABOVE", (0, -1), (-1, -1), 1, primary))
        out = [Paragraph(escape(table.title), h2),
               PTable(data, colWidths=col_widths, repeatRows=1, style=TableStyle(style))]
        if table.note:
            out += [Spacer(1, 2 * mm), Paragraph(escape(table.note), small)]
        return out

    tables = list(report.tables)
    for table in tables[:report.chart_after]:
        parts = render_table(table)
        if parts:
            story.append(KeepTogether(parts))
    if report.chart is not None:
        chart = report.chart
        drawing = Drawing(width, 62 * mm)
        drawing.add(String(0, 58 * mm, chart.title, fontName=bold, fontSize=11, fillColor=primary))
        bars = VerticalBarChart()
        bars.x, bars.y = 10 * mm, 10 * mm
        bars.width, bars.height = width - 14 * mm, 42 * mm
        bars.data = [chart.values]
        bars.bars[0].fillColor = primary
        bars.bars[0].strokeColor = None
        bars.valueAxis.valueMin = 0
        top = chart.value_max or max(max(chart.values), 1) * 1.15
        bars.valueAxis.valueMax = top
        bars.valueAxis.valueStep = 1 if chart.value_max == 4 else max(1, math.ceil(top / 5))
        bars.valueAxis.labels.fontName = regular
        bars.valueAxis.labels.fontSize = 8
        bars.categoryAxis.categoryNames = chart.labels
        bars.categoryAxis.labels.fontName = regular
        bars.categoryAxis.labels.fontSize = 8 if len(chart.labels) <= 16 else 7
        if len(chart.values) <= 16:
            bars.barLabelFormat = chart.value_format
            bars.barLabels.fontName = regular
            bars.barLabels.fontSize = 7.5
            bars.barLabels.nudge = 6
        drawing.add(bars)
        story += [Spacer(1, 4 * mm), drawing]
    for table in tables[report.chart_after:]:
        parts = render_table(table)
        # a long list of comments flows over pages; every other table stays in one piece
        story.append(KeepTogether(parts) if not _is_text(table) else parts[0])
        if _is_text(table):
            story += parts[1:]

    footer_text = t(N_("Generated by the PST kiosk on {when}")).format(when=report.generated_text)

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFillColor(accent)
        canvas.rect(0, A4[1] - 4 * mm, A4[0], 4 * mm, stroke=0, fill=1)
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(colors.Color(.35, .38, .42))
        canvas.drawString(18 * mm, 10 * mm, footer_text)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, t(N_("Page {n}")).format(n=doc.page))
        canvas.restoreState()

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=f"{report.title} — {report.period_text}",
                            author=report.office, subject=report.subtitle)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out


def _is_text(table: Table) -> bool:
    """A table of free text (comments): full width, allowed to flow over pages."""
    return any(measure == "comment" for measure, _ in table.columns)


def write(report: Report, out: Path, fmt: str, settings: Settings) -> Path:
    """The report as ``fmt`` (one of ``FORMATS``): the CSV from core, or this module's PDF."""
    if fmt == "csv":
        return write_csv(report, out)
    if fmt == "pdf":
        return write_pdf(report, out, settings)
    raise ReportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
