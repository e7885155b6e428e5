"""The overview as an A4 PDF for the steering group: the chosen period and breakdown with its
tiles (value, n, target and status where the catalogue has a target), trends, breakdowns,
definitions, the as-of date and the suppression note.

`overview_report` reads the published marts and resolves every text while the page runs (a
download callable cannot use Streamlit); `render_overview` only draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboards.data import query
from dashboards.figures import about, definition, format_value, kpi_catalogue
from dashboards.figures import status as tile_status
from dashboards.formatting import period_label, plain_date
from dashboards.i18n import (
    code_label,
    current_language,
    dimension_label,
    kpi_label,
    population_label,
    t,
    value_label,
)
from dashboards.palette import COLOURS
from dashboards.pdf import SMALL, Bar, BarChart, Document, LineChart, nice_axis
from dashboards.periods import first_data_month, first_full_period, period_text
from data_contracts.contracts import SURVEY_DIMENSIONS

TREND_PERIODS = {"month": 13, "quarter": 8, "year": 5}
FAMILIES = (
    ("closure_reason_share", "overview.closure_title", "share"),
    ("deviations", "overview.deviations_type_title", "count"),
    ("deviations_responsible", "overview.deviations_principal_title", "count"),
    ("invited_attendance_share", "overview.attendance_title", "share"),
)


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
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
    tiles: list[Tile]
    trends_title: str
    trends_note: str  # why the trend starts where it does: body text, not part of the heading
    trends: list[LineChart]
    breakdowns: list[BarChart]
    definitions: list[tuple[str, str]]
    language: str


def overview_report(
    info: dict,
    grain: str,
    period: pd.Timestamp,
    dimension: str,
    value: str,
    tiles: tuple[str, ...],
    breakdown_kpi: str,
    breakdown_dimension: str,
) -> OverviewReport:
    language = current_language()
    catalogue = kpi_catalogue(query)
    first_month = first_data_month(query)
    period_shown = period_text(grain, period, info["as_of"])
    population = population_label(dimension, value, t("overview.population_all"))
    cells = query(
        "SELECT period_start, kpi, numerator, denominator, value, suppressed FROM marts.kpi "
        "WHERE period_grain = ? AND dimension = ? AND dimension_value = ? AND period_start <= ? "
        "AND period_start >= ? ORDER BY kpi, period_start",
        [grain, dimension, value, period, first_full_period(grain, first_month)],
    )
    current = cells[cells["period_start"] == period].set_index("kpi")
    tile_rows = [
        _tile(kpi, current.loc[kpi] if kpi in current.index else None, catalogue, info)
        for kpi in tiles
    ]
    tile_rows += _sipkollen_tile(grain, period, dimension, value)
    trends = [_trend(kpi, grain, cells, catalogue, info) for kpi in tiles]
    trends = [chart for chart in trends if any(v is not None for v in chart.values)]
    breakdowns = [
        breakdown_chart(
            info["as_of"],
            grain,
            period,
            breakdown_kpi,
            breakdown_dimension,
            dimension,
            value,
            catalogue,
        ),
        *_families(cells[cells["period_start"] == period], period_shown),
    ]
    definitions = [
        (kpi_label(kpi), definition(catalogue, kpi))
        for kpi in dict.fromkeys((*tiles, breakdown_kpi, "sipkollen_positive_share"))
    ]
    as_of = plain_date(info["as_of"])
    return OverviewReport(
        title=t("report.title"),
        subtitle=t("report.subtitle", period=period_shown, population=population),
        footer=t("report.footer", as_of=as_of, created=plain_date(pd.Timestamp.now())),
        suppression_note=t("report.suppression", threshold=int(info["suppression_threshold"])),
        tiles=tile_rows,
        trends_title=t(
            "report.trends", grain=t(f"grain.{grain}").lower(), period=period_shown, as_of=as_of
        ),
        trends_note=t("overview.trend_start", first=period_label("month", first_month, language)),
        trends=trends,
        breakdowns=[chart for chart in breakdowns if chart is not None],
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
    doc.table(
        [t(f"report.columns.{c}") for c in ("kpi", "value", "n", "target", "status")],
        [[tile.label, tile.value, tile.n, tile.target, tile.status] for tile in report.tiles],
        widths=(70, 28, 28, 24, 30),
        fills=[tile.status_colour for tile in report.tiles],
    )
    doc.heading(report.trends_title, size=12)
    doc.paragraph(report.trends_note, size=SMALL)
    width, height = (doc.width - 6) / 2, 58.0
    for index, chart in enumerate(report.trends):
        if index % 2 == 0:
            if doc.pdf.will_page_break(height):
                doc.pdf.add_page()
            top = doc.pdf.get_y()
        doc.line_chart(chart, doc.pdf.l_margin + (index % 2) * (width + 6), top, width, height)
        if index % 2 == 1 or index == len(report.trends) - 1:
            doc.pdf.set_y(top + height + 2)
    doc.pdf.add_page()
    doc.heading(t("report.breakdowns"), size=12)
    for chart in report.breakdowns:
        doc.bar_chart(chart)
    doc.heading(t("report.definitions"), size=12)
    for name, text in report.definitions:
        doc.paragraph(name, size=9, bold=True)
        doc.paragraph(text, size=9)
    return doc.output()


def breakdown_chart(
    as_of,
    grain: str,
    period: pd.Timestamp,
    kpi: str,
    by: str,
    dimension: str,
    value: str,
    catalogue: pd.DataFrame,
) -> BarChart | None:
    """One KPI per value of `by`, sorted by value, with the selection's own value as the
    reference line. Codes are categories (labels), never a numeric axis."""
    rows = query(
        "SELECT dimension_value, value, suppressed FROM marts.kpi WHERE period_grain = ? "
        "AND period_start = ? AND dimension = ? AND kpi = ?",
        [grain, period, by, kpi],
    )
    if rows.empty:
        return None
    kind = about(catalogue, kpi, "kind", "count")
    rows = rows.sort_values("value", ascending=kind == "quantile", na_position="last")
    # The marts hold no cross-breakdowns: the bars are the whole region's, and so is the line.
    whole = query(
        "SELECT value, suppressed FROM marts.kpi WHERE period_grain = ? AND period_start = ? "
        "AND dimension = 'all' AND kpi = ?",
        [grain, period, kpi],
    )
    reference = None
    if len(whole) and not whole.iloc[0]["suppressed"] and pd.notna(whole.iloc[0]["value"]):
        shown = format_value(whole.iloc[0]["value"], False, kind)
        reference = (
            f"{t('overview.whole_region')}: {shown}".capitalize(),
            float(whole.iloc[0]["value"]),
        )
    bars = [
        Bar(
            value_label(by, row.dimension_value),
            None if row.suppressed or pd.isna(row.value) else float(row.value),
            format_value(row.value, bool(row.suppressed), kind),
        )
        for row in rows.itertuples()
    ]
    title = t(
        "overview.breakdown_title",
        kpi=kpi_label(kpi),
        dimension=dimension_label(by),
        period=period_text(grain, period, as_of),
    )
    if dimension != "all":
        title += f" – {t('overview.whole_region')}"
    return _bar_chart(title, bars, kind, reference)


def _tile(kpi: str, row, catalogue: pd.DataFrame, info: dict) -> Tile:
    kind = about(catalogue, kpi, "kind", "count")
    target, better = _target(kpi, catalogue)
    status, colour = t("report.no_target"), None
    if row is None:
        return Tile(kpi_label(kpi), "–", "", _target_text(target, kind), status, colour)
    suppressed = bool(row["suppressed"])
    if target is not None and not suppressed and pd.notna(row["value"]):
        status, word_colour = tile_status(row["value"], target, better)
        colour = COLOURS["good"] if word_colour == "blue" else COLOURS["bad"]
    n = row["denominator"] if kind != "count" else None
    return Tile(
        kpi_label(kpi),
        format_value(row["value"], suppressed, kind),
        t("report.n", n=int(n)) if n is not None and pd.notna(n) and not suppressed else "",
        _target_text(target, kind),
        status,
        colour,
    )


def _sipkollen_tile(grain: str, period, dimension: str, value: str) -> list[Tile]:
    """The eight statements pooled, for the same selection; the whole region, labelled so,
    where SIP-kollen has no such breakdown (as on the page)."""
    follows = dimension == "all" or dimension in SURVEY_DIMENSIONS
    if not follows:
        dimension = value = "all"
    survey_grain = "year" if grain == "year" else "quarter"
    row = query(
        # A period without answers yet has no rows: zero answers, nothing hidden (not NULL).
        "SELECT coalesce(sum(n_positive), 0) AS positive, "
        "coalesce(sum(n_applicable), 0) AS applicable, "
        "coalesce(bool_or(suppressed), false) AS hidden "
        "FROM marts.sipkollen WHERE period_grain = ? "
        "AND period_start = date_trunc(?, ?::DATE) AND dimension = ? AND dimension_value = ?",
        [survey_grain, survey_grain, period, dimension, value],
    ).iloc[0]
    hidden = bool(row["hidden"])
    share = None if hidden or not row["applicable"] else row["positive"] / row["applicable"]
    return [
        Tile(
            t("report.sipkollen_pooled", period=period_label(survey_grain, period))
            + ("" if follows else f" – {t('overview.whole_region')}"),
            format_value(share, hidden, "share"),
            "" if share is None else t("report.answers", n=int(row["applicable"])),
            "",
            t("report.no_target"),
            None,
        )
    ]


def _trend(
    kpi: str, grain: str, cells: pd.DataFrame, catalogue: pd.DataFrame, info: dict
) -> LineChart:
    kind = about(catalogue, kpi, "kind", "count")
    series = cells[cells["kpi"] == kpi].tail(TREND_PERIODS[grain])
    labels = [period_text(grain, p, info["as_of"]) for p in series["period_start"]]
    values = [
        None if s or pd.isna(v) else float(v)
        for v, s in zip(series["value"], series["suppressed"], strict=True)
    ]
    hidden = [label for label, v in zip(labels, values, strict=True) if v is None]
    target, _ = _target(kpi, catalogue)
    return LineChart(
        kpi_label(kpi),
        labels,
        values,
        percent=kind == "share",
        target=(t("report.target", target=_target_text(target, kind)), target)
        if target is not None
        else None,
        note=t("report.hidden_periods", periods=", ".join(hidden)) if hidden else "",
    )


def _families(current: pd.DataFrame, period_text: str) -> list[BarChart]:
    charts = []
    for family, title_key, kind in FAMILIES:
        rows = current[current["kpi"].str.startswith(f"{family}:")]
        if rows.empty:
            continue
        rows = rows.sort_values("value", ascending=False, na_position="last")
        bars = [
            Bar(
                code_label(row.kpi.split(":", 1)[1]),
                None if row.suppressed or pd.isna(row.value) else float(row.value),
                format_value(row.value, bool(row.suppressed), kind),
            )
            for row in rows.itertuples()
        ]
        charts.append(_bar_chart(t(title_key, period=period_text), bars, kind))
    return charts


def _bar_chart(
    title: str, bars: list[Bar], kind: str, reference: tuple[str, float] | None = None
) -> BarChart:
    known = [b.value for b in bars if b.value is not None] + ([reference[1]] if reference else [])
    maximum = 1.0 if kind == "share" else nice_axis(max(known or [1.0]))[0]
    return BarChart(title, bars, maximum, percent=kind == "share", reference=reference)


def _target(kpi: str, catalogue: pd.DataFrame) -> tuple[float | None, str]:
    """The region's target and the better direction, from `marts.kpi_catalogue`."""
    target = about(catalogue, kpi, "target")
    return (None if target is None else float(target)), about(catalogue, kpi, "better", "neither")


def _target_text(target: float | None, kind: str) -> str:
    return "" if target is None else format_value(target, False, kind)
