"""What a staff report is made of — the period, tables, one chart — and its CSV form.

The figures come from ``kiosk.core.reports`` (one builder per report); the CSV is written here, the
PDF above core (``kiosk.documents.reports_pdf``). ``write_csv`` flattens a report to one long table
``section,code,label,measure,value`` (dot decimals, one number per row, so a spreadsheet's pivot table
or a ``sum`` over a section reproduces the database's counts).
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from kiosk.core.clock import Clock, local, to_utc_naive, zone_label
from kiosk.core.config import Settings
from kiosk.core.errors import KioskError
from kiosk.i18n import N_, gettext_for

MAX_DAYS = 3660
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


def tr(lang: str) -> Callable[[str], str]:
    return lambda msgid: gettext_for(lang, msgid)


def _period_text(period: Period, lang: str) -> str:
    a = format_date(period.start, "d MMMM y", locale=lang)
    b = format_date(period.end, "d MMMM y", locale=lang)
    return a if period.start == period.end else f"{a} – {b}"


def _generated_text(settings: Settings, clock: Clock, lang: str) -> str:
    now = local(clock.now(), settings.office.timezone)
    return "%s %s" % (format_datetime(now, "d MMMM y, HH:mm", locale=lang), zone_label(settings.office.timezone, now))


def header(kind: str, settings: Settings, clock: Clock, period: Period, lang: str, title: str,
          subtitle: str) -> dict[str, Any]:
    t = tr(lang)
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


def breakdown(key: str, title: str, heading: str, counts: dict[str, int], choices: Iterable, lang: str,
               total: int) -> Table:
    """Count and share per code, in the config's order, then codes the config no longer lists."""
    t = tr(lang)
    choices = list(choices)
    order = [c.code for c in choices if c.code in counts] + sorted(k for k in counts if k not in
                                                                    {c.code for c in choices})
    table = Table(key, t(title), t(heading), [("count", t(N_("Number"))), ("percent", "%")])
    for code in order:
        table.rows.append(Row(code, _choice_label(choices, code, lang),
                              {"count": counts[code], "percent": percent(counts[code], total)}))
    table.total = Row("total", t(N_("Total")), {"count": total, "percent": percent(total, total)})
    return table


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def count_codes(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v or ""] = out.get(v or "", 0) + 1
    return out


# --- output ---

def shown(value: Any, lang: str) -> str:
    """A value for people: decimal comma in Indonesian (the PDF layout shows every cell through it)."""
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
