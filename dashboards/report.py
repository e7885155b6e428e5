"""The overview as an A4 PDF for the steering group: the chosen period and selection with its
tiles (value, n, target and status where the catalogue has a target), trends, breakdowns,
definitions, the as-of date and the suppression note.

`overview_report` takes the page's view-model (`dashboards.views.overview`), so the report
prints the figures the page shows, and resolves every text while the page runs (a download
callable cannot use Streamlit); `render_overview` only draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboards.figures import format_value
from dashboards.formatting import number, period_label, plain_date
from dashboards.i18n import current_language, kpi_label, t
from dashboards.palette import COLOURS
from dashboards.pdf import BODY, SMALL, Bar, BarChart, Document, LineChart, nice_axis
from dashboards.periods import period_text
from dashboards.views.overview import TILES, Bars, Overview, target_of

TREND_PERIODS = {"month": 13, "quarter": 8, "year": 5}


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    change: str  # as on the page's tile; what it compares is the report's change note
    n: str
    target: str
    status: str
    status_colour: str | None


@dataclass(frozen=True)
class OverviewReport:
    title: str
    subtitle: str
    footer: str
    suppression_note: str
    change_note: str  # the page's one line: what the changes compare, or why there are none
    tiles: list[Tile]
    trends_title: str
    trends_note: str  # why the trend starts where it does: body text, not part of the heading
    trends: list[LineChart]
    breakdowns: list[BarChart]
    definitions: list[tuple[str, str]]
    language: str


def overview_report(view: Overview) -> OverviewReport:
    language = current_language()
    info = view.info
    tiles = [
        Tile(
            tile.long_label,
            tile.shown,
            tile.change.text if tile.change else "",
            ""
            if tile.base is None
            else t(
                "report.answers" if tile.kpi == "sipkollen_positive_share" else "report.n",
                n=number(tile.base),
            ),
            format_value(target_of(view.catalogue, tile.kpi), False, tile.kind)
            if target_of(view.catalogue, tile.kpi) is not None
            else "",
            tile.status[0] if tile.status else t("report.no_target"),
            None
            if tile.status is None
            else COLOURS["good"]
            if tile.status[1] == "blue"
            else COLOURS["bad"],
        )
        for tile in view.tiles
    ]
    series = view.series[view.series["period_start"] <= view.period]
    trends = [_trend(tile.kpi, tile.kind, view, series) for tile in view.tiles if tile.kpi in TILES]
    # A line needs two points: one period alone (a year's first complete one) is no trend.
    trends = [chart for chart in trends if sum(v is not None for v in chart.values) >= 2]
    bars = [view.breakdown, *view.families] if view.breakdown else list(view.families)
    definitions = [(tile.label, tile.definition) for tile in view.tiles]
    if view.trend_kpi not in TILES:
        definitions.append((kpi_label(view.trend_kpi), view.trend_definition))
    as_of = plain_date(info["as_of"])
    return OverviewReport(
        title=t("report.title"),
        subtitle=t("report.subtitle", period=view.period_shown, population=view.population),
        footer=t("report.footer", as_of=as_of, created=plain_date(pd.Timestamp.now())),
        suppression_note=t("report.suppression", threshold=int(info["suppression_threshold"])),
        change_note=view.change_note,
        tiles=tiles,
        trends_title=t(
            "report.trends",
            grain=t(f"grain.{view.grain}").lower(),
            period=view.period_shown,
            as_of=as_of,
        ),
        trends_note=t(
            "overview.trend_start", first=period_label("month", view.first_month, language)
        ),
        trends=trends,
        breakdowns=[_bar_chart(b) for b in bars if not b.frame.empty],
        definitions=definitions,
        language=language,
    )


def render_overview(report: OverviewReport) -> bytes:
    doc = Document(report.title, report.footer, report.language)
    doc.heading(report.title)
    doc.paragraph(report.subtitle, bold=True)
    doc.paragraph(report.footer)
    doc.paragraph(report.suppression_note, size=9)
    doc.heading(t("report.tiles"), size=12)
    doc.paragraph(report.change_note, size=SMALL)
    doc.table(
        [t(f"report.columns.{c}") for c in ("kpi", "value", "change", "n", "target", "status")],
        [
            [tile.label, tile.value, tile.change, tile.n, tile.target, tile.status]
            for tile in report.tiles
        ],
        widths=(62, 22, 26, 24, 20, 26),
        fills=[tile.status_colour for tile in report.tiles],
    )
    doc.heading(report.trends_title, size=12)
    doc.paragraph(report.trends_note if report.trends else t("report.no_trend"), size=SMALL)
    width, height = (doc.width - 6) / 2, 58.0
    for index, chart in enumerate(report.trends):
        if index % 2 == 0:
            if doc.pdf.will_page_break(height):
                doc.pdf.add_page()
            top = doc.pdf.get_y()
        doc.line_chart(chart, doc.pdf.l_margin + (index % 2) * (width + 6), top, width, height)
        if index % 2 == 1 or index == len(report.trends) - 1:
            doc.pdf.set_y(top + height + 2)
    # The breakdowns follow on the same page when they fit: a page of its own left page 2
    # nearly blank. Each chart keeps its title with its first bars.
    doc.heading(t("report.breakdowns"), size=12)
    for chart in report.breakdowns:
        if all(bar.value is None for bar in chart.bars):
            # Bars of hidden groups only would draw nothing but an axis: say so in a line.
            doc.paragraph(chart.title, size=BODY + 1, bold=True)
            doc.paragraph(t("common.all_suppressed"), size=9)
        else:
            doc.bar_chart(chart)
    doc.heading(t("report.definitions"), size=12)
    for name, text in report.definitions:
        doc.paragraph(name, size=9, bold=True)
        doc.paragraph(text, size=9)
    return doc.output()


def _trend(kpi: str, kind: str, view: Overview, series: pd.DataFrame) -> LineChart:
    rows = series[series["kpi"] == kpi].tail(TREND_PERIODS[view.grain])
    labels = [
        period_text(view.grain, p, view.info["as_of"], bool(c))
        for p, c in zip(rows["period_start"], rows["period_complete"], strict=True)
    ]
    values = [
        None if s or pd.isna(v) else float(v)
        for v, s in zip(rows["value"], rows["suppressed"], strict=True)
    ]
    hidden = [label for label, v in zip(labels, values, strict=True) if v is None]
    target = target_of(view.catalogue, kpi)
    return LineChart(
        kpi_label(kpi),
        labels,
        values,
        percent=kind == "share",
        target=(t("report.target", target=format_value(target, False, kind)), target)
        if target is not None
        else None,
        note=t("report.hidden_periods", periods=", ".join(hidden)) if hidden else "",
    )


def _bar_chart(bars: Bars) -> BarChart:
    """A breakdown of the view-model as a PDF bar chart, its reference line named."""
    drawn = [
        Bar(
            row.label,
            None if row.suppressed or pd.isna(row.value) else float(row.value),
            format_value(row.value, bool(row.suppressed), bars.kind),
        )
        for row in bars.frame.itertuples()
    ]
    reference = None
    if bars.reference is not None:
        name, at = bars.reference
        reference = (f"{name}: {format_value(at, False, bars.kind)}".capitalize(), at)
    known = [b.value for b in drawn if b.value is not None] + ([at] if reference else [])
    maximum = 1.0 if bars.kind == "share" else nice_axis(max(known or [1.0]))[0]
    title = " ".join((bars.title, *bars.notes[:1])) if bars.notes else bars.title
    return BarChart(title, drawn, maximum, percent=bars.kind == "share", reference=reference)
