"""Leadership overview: does the SIP process work, and where does it not?"""

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.auth import require_page
from dashboards.components import (
    COLOURS,
    bar_chart,
    explain_if_empty,
    format_value,
    kpi_kinds,
    page_header,
    period_filters,
    period_label,
    show_chart,
    style,
    table_with_downloads,
    url_select,
)
from dashboards.data import query
from dashboards.formatting import file_name
from dashboards.i18n import code_label, dimension_label, kpi_label, t, value_label
from dashboards.report import overview_report, population_label, render_overview
from data_contracts.contracts import KPI_DIMENSIONS

DIMENSIONS = ("all", *KPI_DIMENSIONS)
TILES = (
    "days_need_to_meeting:p50",
    "meeting_within_target_share",
    "follow_up_booked_share",
    "follow_up_on_time_share",
    "follow_ups_overdue",
    "active_plans",
    "deviations_per_100_active",
)
TREND_KPIS = (
    "days_need_to_meeting:p50",
    "meeting_within_target_share",
    "needs_identified",
    "waiting_for_meeting",
    "follow_up_on_time_share",
    "active_plans",
    "deviations_per_100_active",
    "consent_given_share",
    "invitation_before_consent_share",
)

require_page("overview")
info = page_header("overview.title", t("overview.intro"))
if info is None:
    st.stop()
threshold = int(info["suppression_threshold"])
KINDS = kpi_kinds(query)

with st.sidebar:
    grain, period = period_filters("kpi", ("month", "quarter", "year"))
    dimension = url_select(t("common.dimension"), DIMENSIONS, "dim", dimension_label)
    value = "all"
    if dimension != "all":
        values = query(
            "SELECT DISTINCT dimension_value FROM marts.kpi WHERE dimension = ? ORDER BY 1",
            [dimension],
        )["dimension_value"].tolist()
        value = url_select(t("common.value"), values, "value", lambda v: value_label(dimension, v))
if period is None:
    st.info(t("common.empty_selection"))
    st.stop()

population = population_label(dimension, value)
period_text = period_label(grain, period)


def selection(period_grain: str) -> pd.DataFrame:
    """Every KPI cell of a grain for the selected dimension value, all periods: one query
    (cached) serves the tiles, the trend and the families."""
    return query(
        "SELECT period_start, kpi, numerator, denominator, value, suppressed FROM marts.kpi "
        "WHERE period_grain = ? AND dimension = ? AND dimension_value = ? "
        "ORDER BY kpi, period_start",
        [period_grain, dimension, value],
    )


def cells(kpis: list[str] | str, like: bool = False) -> pd.DataFrame:
    """KPI cells of the selected grain, dimension and value; all periods."""
    frame = selection(grain)
    chosen = frame["kpi"].str.startswith(kpis.rstrip("%")) if like else frame["kpi"].isin(kpis)
    return frame[chosen].reset_index(drop=True)


# --- tiles: the chosen period, the change since the previous one, and the target -------------
tiles = cells(list(TILES))
current = tiles[tiles["period_start"] == period].set_index("kpi")
previous_periods = tiles[tiles["period_start"] < period]["period_start"]
previous = (
    tiles[tiles["period_start"] == previous_periods.max()].set_index("kpi")
    if len(previous_periods)
    else pd.DataFrame()
)
sipkollen = query(
    # A quarter without answers yet has no rows: zero answers, nothing suppressed (not NULL).
    "SELECT coalesce(sum(n_positive), 0) AS positive, "
    "coalesce(sum(n_applicable), 0) AS applicable, coalesce(bool_or(suppressed), false) AS s "
    "FROM marts.sipkollen WHERE period_grain = ? AND period_start = date_trunc(?, ?::DATE) "
    "AND dimension = 'all'",
    ["year" if grain == "year" else "quarter", "year" if grain == "year" else "quarter", period],
)
columns = st.columns(4)
for index, kpi in enumerate(TILES):
    if kpi in current.index:  # a code never published (no meeting held yet) has no kind
        kind = KINDS[kpi]
        row = current.loc[kpi]
        shown = format_value(row["value"], bool(row["suppressed"]), kind)
        delta = None
        if kpi in previous.index and not row["suppressed"] and not previous.loc[kpi, "suppressed"]:
            change = row["value"] - previous.loc[kpi, "value"]
            delta = (
                format_value(change, False, kind)
                if kind != "share"
                else t("common.points", change=f"{change * 100:+.0f}")
            )
    else:
        shown, delta = "–", None
    help_text = t("common.previous")
    if kpi == "meeting_within_target_share":
        help_text += " · " + t("common.target", target=f"{info['meeting_target_days']} d")
    columns[index % 4].metric(
        kpi_label(kpi),
        shown,
        delta,
        help=help_text,
        delta_color="inverse"
        if kpi in ("days_need_to_meeting:p50", "follow_ups_overdue", "deviations_per_100_active")
        else "normal",
    )
if dimension in ("all", "municipality_code", "age_band"):
    row = sipkollen.iloc[0]
    share = (row["positive"] / row["applicable"]) if row["applicable"] else None
    columns[len(TILES) % 4].metric(
        kpi_label("sipkollen_positive_share"),
        format_value(share, bool(row["s"]), "share"),
    )

# --- trend -------------------------------------------------------------------------------------
trend_kpi = url_select(t("overview.trend_kpi"), TREND_KPIS, "trend", kpi_label)
monthly = selection("month")
trend = monthly[monthly["kpi"] == trend_kpi].reset_index(drop=True)
if not explain_if_empty(trend, threshold):
    kind = KINDS[trend_kpi]
    y = trend["value"] * (100 if kind == "share" else 1)
    # Swedish month labels as categories: Plotly's date axis would name months in English.
    months = trend["period_start"].map(partial(period_label, "month"))
    fig = go.Figure(
        go.Scatter(
            x=months,
            y=y,
            mode="lines+markers",
            line={"width": 4, "color": COLOURS["main"]},
            marker={"size": 10},
        )
    )
    hidden = trend[trend["suppressed"]]
    if len(hidden):
        fig.add_trace(
            go.Scatter(
                x=months[hidden.index],
                y=[0] * len(hidden),
                mode="markers+text",
                text=[t("common.suppressed")] * len(hidden),
                textposition="top center",
                marker={"color": COLOURS["suppressed"], "size": 12},
                showlegend=False,
            )
        )
    fig.update_layout(showlegend=False)
    if kind == "share":
        fig.update_yaxes(ticksuffix=" %", range=[0, 105])
    show_chart(
        style(fig, t("overview.trend_title", kpi=kpi_label(trend_kpi), population=population))
    )

# --- breakdown of the chosen KPI for the period ----------------------------------------------
breakdown_dim = url_select(t("overview.breakdown_by"), DIMENSIONS[1:], "by", dimension_label)
breakdown = query(
    "SELECT dimension_value, numerator, denominator, value, suppressed FROM marts.kpi "
    "WHERE period_grain = ? AND period_start = ? AND dimension = ? AND kpi = ? "
    "ORDER BY dimension_value",
    [grain, period, breakdown_dim, trend_kpi],
)
if not explain_if_empty(breakdown, threshold):
    # Codes are categories with names (SCB's lists), best first; the selection's own value is
    # the reference line.
    breakdown["label"] = breakdown["dimension_value"].map(partial(value_label, breakdown_dim))
    breakdown = breakdown.sort_values(
        "value", ascending=KINDS[trend_kpi] == "quantile", na_position="last"
    )
    own = cells([trend_kpi])
    own = own[own["period_start"] == period]
    show_chart(
        bar_chart(
            breakdown,
            "label",
            KINDS[trend_kpi],
            t(
                "overview.breakdown_title",
                kpi=kpi_label(trend_kpi),
                dimension=dimension_label(breakdown_dim),
                period=period_text,
            ),
            reference=(
                (population, float(own["value"].iloc[0]))
                if len(own) and not own["suppressed"].iloc[0]
                else None
            ),
        )
    )
    with st.expander(t("common.table")):
        table_with_downloads(
            breakdown.drop(columns="label"), f"{trend_kpi.replace(':', '_')}_{breakdown_dim}"
        )

# --- survival curve ------------------------------------------------------------------------------
survival = query(
    "SELECT day, survival, at_risk, suppressed FROM marts.time_to_meeting_survival "
    "WHERE dimension = ? AND dimension_value = ? AND day <= 365 ORDER BY day",
    [dimension, value],
)
if not explain_if_empty(survival, threshold):
    shown = survival[~survival["suppressed"]]
    fig = go.Figure(
        go.Scatter(
            x=shown["day"],
            y=shown["survival"] * 100,
            mode="lines",
            line={"shape": "hv", "width": 4, "color": COLOURS["main"]},
        )
    )
    fig.add_vline(
        x=int(info["meeting_target_days"]),
        line_dash="dash",
        line_color=COLOURS["target"],
        annotation_text=t("common.target", target=f"{info['meeting_target_days']} d"),
    )
    fig.update_xaxes(title=t("overview.survival_x"))
    fig.update_yaxes(title=t("overview.survival_y"), ticksuffix=" %", range=[0, 102])
    show_chart(style(fig, t("overview.survival_title", population=population)))

# --- closure reasons, deviations, attendance -----------------------------------------------
left, right = st.columns(2)
families = (
    (left, "closure_reason_share:%", "overview.closure_title", "share"),
    (right, "deviations:%", "overview.deviations_type_title", "count"),
    (left, "deviations_responsible:%", "overview.deviations_principal_title", "count"),
    (right, "invited_attendance_share:%", "overview.attendance_title", "share"),
)
for column, pattern, title_key, kind in families:
    with column:
        family = cells(pattern, like=True)
        family = family[family["period_start"] == period].copy()
        if explain_if_empty(family, threshold):
            continue
        family["label"] = family["kpi"].str.split(":").str[1].map(code_label)
        family = family.sort_values("value", ascending=False, na_position="last")
        show_chart(bar_chart(family, "label", kind, t(title_key, period=period_text)))
        with st.expander(t("common.table")):
            table_with_downloads(family.drop(columns="label"), pattern.split(":")[0])

# --- the overview as an A4 PDF for the steering group -------------------------------------------
report = overview_report(info, grain, period, dimension, value, TILES, trend_kpi, breakdown_dim)
st.sidebar.download_button(
    t("report.download"),
    partial(render_overview, report),
    file_name("sip-oversikt", grain, period, dimension, value, "pdf"),
    "application/pdf",
    key="report_pdf",
    on_click="ignore",
)
