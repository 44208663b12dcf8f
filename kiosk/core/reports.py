"""Staff reports over a period of office-local days: IKM (SKM), visits, queue — the figures.

Each builder returns a ``Report``: a few tables (summary first) and at most one bar chart.
``write_csv`` flattens it to one long table ``section,code,label,measure,value`` (dot decimals,
one number per row, so a spreadsheet's pivot table or a ``sum`` over a section reproduces the
database's counts). The PDF layout (reportlab, fonts) is not the domain's business and lives above
core, in ``kiosk.documents.reports_pdf``.

A period without data says so in the summary (and in the CSV) instead of dividing by zero.
Percentiles: the median is ``statistics.median`` (mean of the two middle values for an even
count); p90 is the nearest-rank value (the ⌈0.9·n⌉-th smallest), so it is always a wait that
really happened.
"""
from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

from babel.dates import format_date

from kiosk.core import models, standard, survey
from kiosk.core.clock import Clock, local, to_utc_naive
from kiosk.core.config import Settings
from kiosk.core.models import TicketStatus
from kiosk.i18n import N_, NP_, ngettext_for
from kiosk.core.report_tables import (
    Chart, Period, Report, ReportError, Row, Table, breakdown, count_codes, header, shown, tr,
)

REPORT_KINDS = ("ikm", "visits", "queue")


# --- IKM ---

def ikm_report(settings: Settings, clock: Clock, period: Period, lang: str = "id") -> Report:
    t = tr(lang)
    start, end = period.bounds(settings.office.timezone)
    responses = list(survey.responses_between(start, end))
    result = survey.compute_ikm(survey.scores_of(r) for r in responses)
    n = result.respondents
    base = header("ikm", settings, clock, period, lang, N_("Community Satisfaction Index (IKM)"),
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
            breakdown("gender", N_("Respondents by gender"), N_("Gender"),
                       count_codes(r.gender for r in responses), g.genders, lang, n),
            breakdown("age_group", N_("Respondents by age group"), N_("Age group"),
                       count_codes(r.age_group for r in responses), g.age_groups, lang, n),
            breakdown("education", N_("Respondents by education"), N_("Education"),
                       count_codes(r.education for r in responses), g.educations, lang, n),
            breakdown("occupation", N_("Respondents by occupation"), N_("Occupation"),
                       count_codes(r.occupation for r in responses), g.occupations, lang, n),
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
        highlight = [(t(N_("IKM")), shown(result.ikm, lang)),
                     (t(N_("Grade")), f"{result.grade.letter} ({grade_name})"),
                     (t(N_("Respondents")), str(n))]
    empty_message = (N_("No survey responses from visits in this period: there is no official IKM to compute.")
                     if walk_ups else N_("No survey responses in this period: there is no IKM to compute."))
    return Report(**base, empty=n == 0, empty_message=t(empty_message),
                  tables=tables, chart=chart, highlight=highlight, chart_after=2)


def _comments(key: str, title: str, responses: list, settings: Settings, lang: str) -> Table:
    t = tr(lang)
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
    t = tr(lang)
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
    t = tr(lang)
    zone = settings.office.timezone
    start, end = period.bounds(zone)
    v = models.Visit
    visits = list(v.select().where((v.started_at >= start) & (v.started_at < end)).order_by(v.started_at))
    n = len(visits)
    base = header("visits", settings, clock, period, lang, N_("Visits"), N_("Guestbook visits by day and profile"))
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
            breakdown("service", N_("Visits by service"), N_("Service"),
                       count_codes(x.service_code for x in visits), service_choices, lang, n),
            breakdown("purpose", N_("Visits by purpose"), N_("Purpose"),
                       count_codes(x.purpose for x in visits), g.purposes, lang, n),
            breakdown("occupation", N_("Visits by occupation"), N_("Occupation"),
                       count_codes(x.occupation for x in visits), g.occupations, lang, n),
            breakdown("education", N_("Visits by education"), N_("Education"),
                       count_codes(x.education for x in visits), g.educations, lang, n),
            breakdown("institution_type", N_("Visits by type of institution"), N_("Institution"),
                       count_codes(x.institution_type for x in visits), g.institution_types, lang, n),
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
                             (t(N_("Average visits per day")), shown(summary.rows[2].values["value"], lang))]
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
    t = tr(lang)
    zone = settings.office.timezone
    start, end = period.bounds(zone)
    tk = models.Ticket
    tickets = list(tk.select().where((tk.issued_at >= start) & (tk.issued_at < end))
                   .order_by(tk.service_code, tk.issued_at))
    n = len(tickets)
    standard_min = settings.queue.service_standard_min
    now = to_utc_naive(clock.now())
    starts = standard.start_times(tickets, issued_between=(start, end))
    base = header("queue", settings, clock, period, lang, N_("Queue"),
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
            "served": sum(1 for x in group if x.status == TicketStatus.SERVED),
            "no_show": sum(1 for x in group if x.status == TicketStatus.NO_SHOW),
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
                     (t(N_("Within standard")), (shown(share, lang) + " %") if share is not None else "–")]
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
