"""Staff reports over a period of office-local days: IKM (SKM), visits, queue — as CSV or PDF.

Each builder returns a ``Report``: a few tables (summary first) and at most one bar chart.
``write_csv`` flattens it to one long table ``section,code,label,measure,value`` (dot decimals,
one number per row, so a spreadsheet's pivot table or a ``sum`` over a section reproduces the
database's counts); ``write_pdf`` lays it out with reportlab for printing and publication.

A period without data says so in the summary (and in the CSV) instead of dividing by zero.
Percentiles: the median is ``statistics.median`` (mean of the two middle values for an even
count); p90 is the nearest-rank value (the ⌈0.9·n⌉-th smallest), so it is always a wait that
really happened.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import statistics
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from kiosk.core import models, standard, survey
from kiosk.core.clock import Clock, local, to_utc_naive, zone_label
from kiosk.core.config import Settings
from kiosk.core.errors import KioskError
from kiosk.i18n import N_, NP_, gettext_for, ngettext_for

MAX_DAYS = 3660
REPORT_KINDS = ("ikm", "visits", "queue")
FORMATS = ("pdf", "csv")


class ReportError(KioskError):
    pass


# --- the period ---

@dataclass(frozen=True)
class Period:
    """Office-local days ``start`` … ``end``, both included."""
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, start: str, end: str) -> "Period":
        def day(text: str, flag: str) -> dt.date:
            try:
                return dt.date.fromisoformat(text.strip())
            except ValueError:
                raise ReportError(f"{flag} {text!r}: expected a date like 2026-11-24 (YYYY-MM-DD)") from None
        period = cls(day(start, "--from"), day(end, "--to"))
        if period.end < period.start:
            raise ReportError(f"--to {period.end} is before --from {period.start}")
        if len(period) > MAX_DAYS:
            raise ReportError(f"the period is longer than {MAX_DAYS} days")
        return period

    def __len__(self) -> int:
        return (self.end - self.start).days + 1

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(len(self))]

    def bounds(self, zone: str) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as naive UTC, from local midnight of the first day to that after the last."""
        tz = ZoneInfo(zone)
        first = dt.datetime.combine(self.start, dt.time(0), tzinfo=tz)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        return to_utc_naive(first), to_utc_naive(after)

    def local_day(self, stored: dt.datetime, zone: str) -> dt.date:
        return local(stored, zone).date()


# --- what a report is made of ---

@dataclass
class Row:
    code: str
    label: str
    values: dict[str, Any]


@dataclass
class Table:
    key: str                              # CSV "section"
    title: str
    label_heading: str
    columns: list[tuple[str, str]]        # (measure, heading)
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None              # shown in bold in the PDF, "total" code in the CSV
    note: str = ""


@dataclass
class Chart:
    title: str
    labels: list[str]
    values: list[float]
    value_max: float | None = None        # fixed axis top (4 for NRR), else from the data
    value_format: str = "%d"


@dataclass
class Report:
    kind: str
    title: str
    subtitle: str
    lang: str
    office: str
    period: Period
    period_text: str
    generated_text: str
    empty: bool
    empty_message: str
    tables: list[Table]
    chart: Chart | None = None
    highlight: list[tuple[str, str]] = field(default_factory=list)   # big figures at the top of the PDF
    chart_after: int = 1                  # the PDF puts the chart after this many tables
    summary_in_pdf: bool = False          # False when the highlight already says it all


def _tr(lang: str) -> Callable[[str], str]:
    return lambda msgid: gettext_for(lang, msgid)


def _period_text(period: Period, lang: str) -> str:
    a = format_date(period.start, "d MMMM y", locale=lang)
    b = format_date(period.end, "d MMMM y", locale=lang)
    return a if period.start == period.end else f"{a} – {b}"


def _generated_text(settings: Settings, clock: Clock, lang: str) -> str:
    now = local(clock.now(), settings.office.timezone)
    return "%s %s" % (format_datetime(now, "d MMMM y, HH:mm", locale=lang), zone_label(settings.office.timezone, now))


def _base(kind: str, settings: Settings, clock: Clock, period: Period, lang: str, title: str,
          subtitle: str) -> dict[str, Any]:
    t = _tr(lang)
    return dict(kind=kind, title=t(title), subtitle=t(subtitle), lang=lang, office=settings.office.name,
                period=period, period_text=_period_text(period, lang),
                generated_text=_generated_text(settings, clock, lang))


def _choice_label(choices: Iterable, code: str, lang: str) -> str:
    for c in choices:
        if c.code == code:
            return c.en if lang == "en" else c.id
    if not code:
        return gettext_for(lang, N_("(not recorded)"))
    return code


def _breakdown(key: str, title: str, heading: str, counts: dict[str, int], choices: Iterable, lang: str,
               total: int) -> Table:
    """Count and share per code, in the config's order, then codes the config no longer lists."""
    t = _tr(lang)
    choices = list(choices)
    order = [c.code for c in choices if c.code in counts] + sorted(k for k in counts if k not in
                                                                    {c.code for c in choices})
    table = Table(key, t(title), t(heading), [("count", t(N_("Number"))), ("percent", "%")])
    for code in order:
        table.rows.append(Row(code, _choice_label(choices, code, lang),
                              {"count": counts[code], "percent": _percent(counts[code], total)}))
    table.total = Row("total", t(N_("Total")), {"count": total, "percent": _percent(total, total)})
    return table


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _count(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v or ""] = out.get(v or "", 0) + 1
    return out


# --- IKM ---

def ikm_report(settings: Settings, clock: Clock, period: Period, lang: str = "id") -> Report:
    t = _tr(lang)
    start, end = period.bounds(settings.office.timezone)
    responses = list(survey.responses_between(start, end))
    result = survey.compute_ikm(survey.scores_of(r) for r in responses)
    n = result.respondents
    base = _base("ikm", settings, clock, period, lang, N_("Community Satisfaction Index (IKM)"),
                 N_("Community Satisfaction Survey (SKM), PermenPAN-RB No. 14 of 2017"))
    summary = Table("summary", t(N_("Summary")), t(N_("Item")), [("value", t(N_("Value")))])
    summary.rows.append(Row("respondents", t(N_("Respondents")), {"value": n}))
    grade_name = ""
    if result.grade is not None:
        grade_name = result.grade.name_id if lang == "id" else t(result.grade.name)
        summary.rows += [
            Row("ikm", t(N_("IKM (25–100)")), {"value": result.ikm}),
            Row("grade", t(N_("Service quality grade")), {"value": result.grade.letter}),
            Row("performance", t(N_("Performance of the service unit")), {"value": grade_name}),
        ]
    elements = Table("elements", t(N_("Value per service element")), t(N_("Element")),
                     [("score_total", t(N_("Total score"))), ("nrr", t(N_("NRR"))),
                      ("nrr_weighted", t(N_("Weighted NRR"))), ("element_ikm", t(N_("NRR × 25")))],
                     note=t(N_("NRR = total score / respondents; weighted NRR = NRR × 1/9; "
                               "IKM = Σ weighted NRR × 25, rounded half up to two decimals before grading. "
                               "Grades: A 88.31–100.00, B 76.61–88.30, C 65.00–76.60, D 25.00–64.99.")))
    for i, e in enumerate(survey.ELEMENTS):
        name = e.name_id if lang == "id" else t(e.name)
        values: dict[str, Any] = {"score_total": result.totals[i], "nrr": None, "nrr_weighted": None,
                                  "element_ikm": None}
        if n:
            values.update(nrr=result.nrr_shown(i), nrr_weighted=result.weighted_shown(i),
                          element_ikm=result.element_ikm(i))
        elements.rows.append(Row(e.code, f"{e.code} {name}", values))
    if n:
        weighted_sum = survey.to_places(sum(result.nrr, Fraction(0)) / survey.ELEMENT_COUNT, 4)
        elements.total = Row("total", t(N_("Σ weighted NRR; IKM")),
                             {"score_total": sum(result.totals), "nrr": None, "nrr_weighted": weighted_sum,
                              "element_ikm": result.ikm})
    g = settings.guestbook
    tables = [summary, elements]
    if n:
        tables += [
            _breakdown("gender", N_("Respondents by gender"), N_("Gender"),
                       _count(r.gender for r in responses), g.genders, lang, n),
            _breakdown("age_group", N_("Respondents by age group"), N_("Age group"),
                       _count(r.age_group for r in responses), g.age_groups, lang, n),
            _breakdown("education", N_("Respondents by education"), N_("Education"),
                       _count(r.education for r in responses), g.educations, lang, n),
            _breakdown("occupation", N_("Respondents by occupation"), N_("Occupation"),
                       _count(r.occupation for r in responses), g.occupations, lang, n),
        ]
        comments = _comments("comments", N_("Comments and suggestions"), responses, settings, lang)
        if comments.rows:
            tables.append(comments)
    walk_ups = list(survey.responses_between(start, end, official=False))
    tables += _walk_up_tables(walk_ups, settings, lang)
    chart = None
    highlight: list[tuple[str, str]] = []
    if n:
        chart = Chart(t(N_("NRR per element (scale 1–4)")), [e.code for e in survey.ELEMENTS],
                      [float(result.nrr_shown(i)) for i in range(survey.ELEMENT_COUNT)], 4.0, "%.2f")
        highlight = [(t(N_("IKM")), _shown(result.ikm, lang)),
                     (t(N_("Grade")), f"{result.grade.letter} ({grade_name})"),
                     (t(N_("Respondents")), str(n))]
    empty_message = (N_("No survey responses from visits in this period: there is no official IKM to compute.")
                     if walk_ups else N_("No survey responses in this period: there is no IKM to compute."))
    return Report(**base, empty=n == 0, empty_message=t(empty_message),
                  tables=tables, chart=chart, highlight=highlight, chart_after=2)


def _comments(key: str, title: str, responses: list, settings: Settings, lang: str) -> Table:
    t = _tr(lang)
    table = Table(key, t(title), t(N_("Date")), [("comment", t(N_("Comment")))])
    for r in responses:
        if r.comment:
            when = local(r.created_at, settings.office.timezone)
            table.rows.append(Row(str(r.id), format_date(when.date(), "d MMM y", locale=lang),
                                  {"comment": r.comment}))
    return table


WALK_UP_NOTE = NP_("{count} response was given without a queue ticket or a guestbook visit. It is shown here "
                   "for information only: the official IKM counts one response per visit.",
                   "{count} responses were given without a queue ticket or a guestbook visit. They are shown "
                   "here for information only: the official IKM counts one response per visit.")


def _walk_up_tables(walk_ups: list, settings: Settings, lang: str) -> list[Table]:
    """Responses without a visit (anyone may tap the screen): their own section, never in the IKM."""
    if not walk_ups:
        return []
    t = _tr(lang)
    result = survey.compute_ikm(survey.scores_of(r) for r in walk_ups)
    table = Table("walk_up", t(N_("Walk-up responses (not part of the official IKM)")), t(N_("Item")),
                  [("value", t(N_("Value")))],
                  note=ngettext_for(lang, *WALK_UP_NOTE, len(walk_ups)).format(count=len(walk_ups)))
    table.rows += [
        Row("respondents", t(N_("Responses")), {"value": result.respondents}),
        Row("ikm", t(N_("Their index (25–100), for information")), {"value": result.ikm}),
    ]
    comments = _comments("walk_up_comments", N_("Comments from walk-up responses"), walk_ups, settings, lang)
    return [table] + ([comments] if comments.rows else [])


# --- visits ---

def visits_report(settings: Settings, clock: Clock, period: Period, lang: str = "id") -> Report:
    t = _tr(lang)
    zone = settings.office.timezone
    start, end = period.bounds(zone)
    v = models.Visit
    visits = list(v.select().where((v.started_at >= start) & (v.started_at < end)).order_by(v.started_at))
    n = len(visits)
    base = _base("visits", settings, clock, period, lang, N_("Visits"), N_("Guestbook visits by day and profile"))
    summary = Table("summary", t(N_("Summary")), t(N_("Item")), [("value", t(N_("Value")))])
    per_day: dict[dt.date, int] = {d: 0 for d in period.days()}
    for visit in visits:
        per_day[period.local_day(visit.started_at, zone)] += 1
    summary.rows += [
        Row("visits", t(N_("Visits")), {"value": n}),
        Row("days", t(N_("Days in the period")), {"value": len(period)}),
        Row("per_day", t(N_("Average visits per day")),
            {"value": (Decimal(n) / len(period)).quantize(Decimal("0.1"))}),
        Row("busiest_day", t(N_("Busiest day")),
            {"value": max(per_day, key=lambda d: (per_day[d], -d.toordinal())).isoformat() if n else ""}),
    ]
    days = Table("per_day", t(N_("Visits per day")), t(N_("Date")), [("visits", t(N_("Visits")))])
    for d, count in per_day.items():
        days.rows.append(Row(d.isoformat(), format_date(d, "EEE, d MMM y", locale=lang), {"visits": count}))
    days.total = Row("total", t(N_("Total")), {"visits": n})
    g = settings.guestbook
    tables = [summary]
    if n:
        service_choices = [_ServiceChoice(s.code, s.name_id, s.name_en) for s in settings.services]
        tables += [
            days,
            _breakdown("service", N_("Visits by service"), N_("Service"),
                       _count(x.service_code for x in visits), service_choices, lang, n),
            _breakdown("purpose", N_("Visits by purpose"), N_("Purpose"),
                       _count(x.purpose for x in visits), g.purposes, lang, n),
            _breakdown("occupation", N_("Visits by occupation"), N_("Occupation"),
                       _count(x.occupation for x in visits), g.occupations, lang, n),
            _breakdown("education", N_("Visits by education"), N_("Education"),
                       _count(x.education for x in visits), g.educations, lang, n),
            _breakdown("institution_type", N_("Visits by type of institution"), N_("Institution"),
                       _count(x.institution_type for x in visits), g.institution_types, lang, n),
        ]
    chart = None
    if n:
        # Day numbers fit under 31 bars; longer periods label every k-th bar so labels never overlap.
        every = 1 if len(period) <= 31 else math.ceil(len(period) / 10)
        fmt = "d" if len(period) <= 31 else "d/M"
        labels = [format_date(d, fmt, locale=lang) if i % every == 0 else "" for i, d in enumerate(per_day)]
        chart = Chart(t(N_("Visits per day")), labels, [float(c) for c in per_day.values()])
    return Report(**base, empty=n == 0, empty_message=t(N_("No visits were recorded in this period.")),
                  tables=tables, chart=chart, summary_in_pdf=True, chart_after=1,
                  highlight=[(t(N_("Visits")), str(n)),
                             (t(N_("Average visits per day")), _shown(summary.rows[2].values["value"], lang))]
                  if n else [])


@dataclass(frozen=True)
class _ServiceChoice:
    code: str
    id: str
    en: str


# --- queue ---

def p90(values: list[float]) -> float:
    """Nearest rank: the ⌈0.9·n⌉-th smallest value."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(0.9 * len(ordered))) - 1]


def queue_report(settings: Settings, clock: Clock, period: Period, lang: str = "id") -> Report:
    t = _tr(lang)
    zone = settings.office.timezone
    start, end = period.bounds(zone)
    tk = models.Ticket
    tickets = list(tk.select().where((tk.issued_at >= start) & (tk.issued_at < end))
                   .order_by(tk.service_code, tk.issued_at))
    n = len(tickets)
    standard_min = settings.queue.service_standard_min
    now = to_utc_naive(clock.now())
    starts = standard.start_times(tickets, issued_between=(start, end))
    base = _base("queue", settings, clock, period, lang, N_("Queue"),
                 N_("Tickets, waiting times and the service standard"))
    cols = [("issued", t(N_("Tickets"))), ("called", t(N_("Called"))), ("served", t(N_("Served"))),
            ("no_show", t(N_("No-show"))), ("print_failed", t(N_("Printer failures"))),
            ("median_wait_min", t(N_("Median wait (min)"))), ("p90_wait_min", t(N_("p90 wait (min)"))),
            ("within_standard", t(N_("Within standard"))), ("within_percent", t(N_("Within standard (%)")))]
        # headings are short enough for A4 at 7.5 pt
    per_service = Table("services", t(N_("Per service")), t(N_("Service")), cols,
                        note=t(N_("Wait = from finishing the guestbook (or from taking the ticket when no guestbook "
                                  "is linked) until the number is called. Within standard: called within "
                                  "{minutes} minutes; a number not called once {minutes} minutes have passed "
                                  "counts as not within, one that has waited less is not counted yet. Median: "
                                  "middle value; p90: nearest rank.")).format(minutes=standard_min))
    known = [s.code for s in settings.services]
    codes = known + sorted({x.service_code for x in tickets} - set(known))

    def figures(group: list[models.Ticket]) -> dict[str, Any]:
        waits = [w.total_seconds() / 60 for w in (standard.wait_of(x, starts[x.id]) for x in group)
                 if w is not None]
        met = standard.share(group, starts, now, standard_min)
        return {
            "issued": len(group),
            "called": sum(1 for x in group if x.called_at is not None),
            "served": sum(1 for x in group if x.status == "served"),
            "no_show": sum(1 for x in group if x.status == "no_show"),
            "print_failed": sum(1 for x in group if x.print_failed),
            "median_wait_min": _minutes(statistics.median(waits)) if waits else None,
            "p90_wait_min": _minutes(p90(waits)) if waits else None,
            "within_standard": met.within,
            "within_percent": met.percent,
        }

    for code in codes:
        group = [x for x in tickets if x.service_code == code]
        if not group and code not in known:
            continue
        try:
            s = settings.service(code)
            label = f"{s.prefix} · {s.name_en if lang == 'en' else s.name_id}"
        except KeyError:
            label = code
        per_service.rows.append(Row(code, label, figures(group)))
    totals = figures(tickets)
    per_service.total = Row("total", t(N_("All services")), totals)
    summary = Table("summary", t(N_("Summary")), t(N_("Item")), [("value", t(N_("Value")))])
    summary.rows += [
        Row("tickets", t(N_("Tickets")), {"value": n}),
        Row("standard_min", t(N_("Service standard (minutes)")), {"value": standard_min}),
    ]
    if n:
        summary.rows += [
            Row("within_percent", t(N_("Called within the standard (%)")), {"value": totals["within_percent"]}),
            Row("median_wait_min", t(N_("Median wait (min)")), {"value": totals["median_wait_min"]}),
            Row("no_show", t(N_("No-show")), {"value": totals["no_show"]}),
            Row("print_failed", t(N_("Printer failures")), {"value": totals["print_failed"]}),
        ]
    chart = None
    highlight: list[tuple[str, str]] = []
    if n:
        chart = Chart(t(N_("Tickets per service")), [r.code for r in per_service.rows],
                      [float(r.values["issued"]) for r in per_service.rows])
        share = totals["within_percent"]
        highlight = [(t(N_("Tickets")), str(n)),
                     (t(N_("Within standard")), (_shown(share, lang) + " %") if share is not None else "–")]
    return Report(**base, empty=n == 0, empty_message=t(N_("No queue tickets were issued in this period.")),
                  tables=[summary, per_service] if n else [summary], chart=chart, highlight=highlight,
                  chart_after=2)


def _minutes(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"))


# --- building by name ---

BUILDERS: dict[str, Callable[..., Report]] = {"ikm": ikm_report, "visits": visits_report, "queue": queue_report}


def build(kind: str, settings: Settings, clock: Clock, period: Period, lang: str = "id") -> Report:
    if kind not in BUILDERS:
        raise ReportError(f"unknown report {kind!r} (known: {', '.join(REPORT_KINDS)})")
    return BUILDERS[kind](settings, clock, period, lang)


# --- output ---

def _shown(value: Any, lang: str) -> str:
    """A value for people: decimal comma in Indonesian."""
    if value is None:
        return "–"
    text = str(value)
    if isinstance(value, (Decimal, float)) and lang == "id":
        text = text.replace(".", ",")
    return text


CSV_HEADER = ("section", "code", "label", "measure", "value")


def csv_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    rows = [("report", report.kind, report.title, "period", f"{report.period.start}/{report.period.end}")]
    if report.empty:
        rows.append(("summary", "note", report.empty_message, "note", ""))
    for table in report.tables:
        for row in table.rows + ([table.total] if table.total else []):
            for measure, _heading in table.columns:
                value = row.values.get(measure)
                rows.append((table.key, row.code, row.label, measure, "" if value is None else str(value)))
    return rows


def write_csv(report: Report, out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig: a spreadsheet opened by double-click reads the accents and "–" right.
    with out.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_rows(report))
    return out


def _fonts() -> tuple[str, str]:
    """A TrueType font with Indonesian text and "≥ – ×" (Roboto, shipped with Kivy; else DejaVu);
    Helvetica only if neither is found. Found by path: the core never imports kivy."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "KioskSans" in pdfmetrics.getRegisteredFontNames():
        return "KioskSans", "KioskSans-Bold"
    candidates = [(Path(p) / "kivy" / "data" / "fonts" / "Roboto-Regular.ttf",
                   Path(p) / "kivy" / "data" / "fonts" / "Roboto-Bold.ttf") for p in sys.path if p]
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
    t = _tr(report.lang)
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
        return Paragraph(escape(_shown(text, report.lang)) if not isinstance(text, str) else escape(text), style)

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
    return any(measure == "comment" for measure, _ in table.columns)


def write(report: Report, out: Path, fmt: str, settings: Settings) -> Path:
    if fmt == "csv":
        return write_csv(report, out)
    if fmt == "pdf":
        return write_pdf(report, out, settings)
    raise ReportError(f"unknown format {fmt!r} (known: pdf, csv)")
