"""Leadership overview: does the SIP process work, and where does it not?"""

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.auth import require_page
from dashboards.charts import (
    bar_chart,
    bars_table,
    explain_if_empty,
    show_chart,
    style,
    trend_chart,
)
from dashboards.chrome import page_header
from dashboards.data import query
from dashboards.exports import pdf_download, table_with_downloads
from dashboards.figures import about, change, definition, format_value, kpi_catalogue, status
from dashboards.formatting import file_name, period_label
from dashboards.i18n import code_label, dimension_label, kpi_label, population_label, t, value_label
from dashboards.palette import COLOURS
from dashboards.periods import (
    Comparison,
    comparison,
    first_data_month,
    first_full_period,
    period_filters,
    period_start_of,
    period_text,
)
from dashboards.report import overview_report, render_overview
from dashboards.url_state import url_select
from data_contracts.contracts import KPI_DIMENSIONS, SURVEY_DIMENSIONS

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
# Words on the page that need explaining (texts in the label catalogue, `glossary.*`).
GLOSSARY = ("grain", "value", "period", "target", "threshold", "suppressed", "censored", "n")

require_page("overview")
info = page_header("overview.title", t("overview.intro"))
if info is None:
    st.stop()
threshold = int(info["suppression_threshold"])
as_of = pd.Timestamp(info["as_of"])
CATALOGUE = kpi_catalogue(query)
FIRST_MONTH = first_data_month(query)

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

population = population_label(dimension, value, t("overview.population_all"))
period_shown = period_text(grain, period, as_of)


def selection(period_grain: str, dim: str = dimension, dim_value: str = value) -> pd.DataFrame:
    """Every KPI cell of a grain for one dimension value, all periods: one query (cached) serves
    the tiles, the trend and the families."""
    return query(
        "SELECT period_start, kpi, numerator, denominator, value, suppressed FROM marts.kpi "
        "WHERE period_grain = ? AND dimension = ? AND dimension_value = ? "
        "ORDER BY kpi, period_start",
        [period_grain, dim, dim_value],
    )


def cells(kpis: list[str] | str, like: bool = False) -> pd.DataFrame:
    """KPI cells of the selected grain, dimension and value; all periods."""
    frame = selection(grain)
    chosen = frame["kpi"].str.startswith(kpis.rstrip("%")) if like else frame["kpi"].isin(kpis)
    return frame[chosen].reset_index(drop=True)


def at_period(frame: pd.DataFrame, start) -> pd.DataFrame:
    return frame[frame["period_start"] == pd.Timestamp(start)].set_index("kpi")


def target_of(kpi: str) -> float | None:
    target = about(CATALOGUE, kpi, "target")
    return None if target is None else float(target)


# --- tiles: value with n, target and status, and a change only against a like period ----------
compared = comparison(grain, period, as_of, FIRST_MONTH)
current = at_period(cells(list(TILES)), period)
if isinstance(compared, Comparison):
    series = selection(compared.grain)
    now, before = at_period(series, compared.current), at_period(series, compared.earlier)
    compared_text = compared.text
else:
    now = before = pd.DataFrame()
    compared_text = compared


def show_tile(kpi: str, label: str, row, kind: str, n_text: str, compared_text: str) -> None:
    """One tile: the figure, its change (coloured by the better direction), status against the
    target in words and colour, and what it counts, over whom, with n, in plain text."""
    better = about(CATALOGUE, kpi, "better", "neither")
    shown, delta = "–", None
    if row is not None:
        shown = format_value(row["value"], bool(row["suppressed"]), kind)
    if kpi in now.index and kpi in before.index:
        pair = (now.loc[kpi], before.loc[kpi])
        if not any(bool(c["suppressed"]) or pd.isna(c["value"]) for c in pair):
            delta = change(pair[0]["value"] - pair[1]["value"], kind, better)
    st.metric(
        label,
        shown,
        delta.text if delta else None,
        delta_color=delta.colour if delta else "normal",
        delta_arrow=delta.arrow if delta else "auto",
        border=True,
    )
    target = target_of(kpi)
    if target is not None and row is not None and not row["suppressed"] and pd.notna(row["value"]):
        word, colour = status(row["value"], target, better)
        target_text = t("common.target", target=format_value(target, False, kind))
        st.markdown(f":{colour}-badge[{word} · {target_text}]")
    st.caption(" · ".join(part for part in (n_text, compared_text) if part))
    st.caption(definition(CATALOGUE, kpi))


columns = st.columns(4)
for index, kpi in enumerate(TILES):
    row = current.loc[kpi] if kpi in current.index else None
    kind = about(CATALOGUE, kpi, "kind", "count")
    n_text = ""
    if row is not None and kind != "count" and not row["suppressed"]:
        n_text = t("tile.n", n=format_value(row["denominator"], False, "count"))
    with columns[index % 4]:
        show_tile(kpi, kpi_label(kpi), row, kind, n_text, compared_text)

# SIP-kollen has its own breakdowns (SPEC §5): it follows the filter where it has that
# breakdown, and says it shows the whole region where it has not.
survey_follows = dimension == "all" or dimension in SURVEY_DIMENSIONS
survey_grain = "year" if grain == "year" else "quarter"
pooled = query(
    # A quarter without answers yet has no rows: zero answers, nothing suppressed (not NULL).
    "SELECT coalesce(sum(n_positive), 0) AS positive, "
    "coalesce(sum(n_applicable), 0) AS applicable, "
    "coalesce(bool_or(suppressed), false) AS suppressed "
    "FROM marts.sipkollen WHERE period_grain = ? AND period_start = date_trunc(?, ?::DATE) "
    "AND dimension = ? AND dimension_value = ?",
    [
        survey_grain,
        survey_grain,
        period,
        *((dimension, value) if survey_follows else ("all", "all")),
    ],
).iloc[0]
survey_row = None
if pooled["applicable"] or pooled["suppressed"]:
    survey_row = {
        "value": pooled["positive"] / pooled["applicable"] if pooled["applicable"] else None,
        "suppressed": bool(pooled["suppressed"]),
    }
with columns[len(TILES) % 4]:
    # The pooled answers have no like-for-like period to compare with: no change is shown.
    survey_text = t(
        "tile.survey_period",
        period=period_text(survey_grain, period_start_of(survey_grain, period), as_of),
    )
    if not survey_follows:
        survey_text += " · " + t("tile.survey_whole_region", dimension=dimension_label(dimension))
    show_tile(
        "sipkollen_positive_share",
        kpi_label("sipkollen_positive_share")
        + ("" if survey_follows else f" – {t('overview.whole_region')}"),
        survey_row,
        "share",
        ""
        if survey_row is None or survey_row["suppressed"]
        else t("tile.answers", n=format_value(pooled["applicable"], False, "count")),
        survey_text,
    )

with st.expander(t("glossary.title")):
    settings = {"threshold": threshold, "tolerance": info["follow_up_tolerance_days"]}
    st.markdown(
        "\n".join(
            f"- **{t(f'glossary.{k}.term')}**: {t(f'glossary.{k}.text', **settings)}"
            for k in GLOSSARY
        )
    )

# --- trend of the chosen KPI, from the data's first full period --------------------------------
trend_kpi = url_select(t("overview.trend_kpi"), TREND_KPIS, "trend", kpi_label)
trend_kind = about(CATALOGUE, trend_kpi, "kind", "count")
trend = cells([trend_kpi])
trend = trend[trend["period_start"] >= first_full_period(grain, FIRST_MONTH)].reset_index(drop=True)
trend_title = t(
    "overview.trend_title",
    kpi=kpi_label(trend_kpi),
    grain=t(f"grain.{grain}").lower(),
    population=population,
    first=period_label(grain, first_full_period(grain, FIRST_MONTH)),
)
if not explain_if_empty(trend, threshold, trend_title):
    target = target_of(trend_kpi)
    fig, table = trend_chart(
        [(kpi_label(trend_kpi), trend)],
        grain,
        trend_kind,
        as_of,
        target=(t("common.target", target=format_value(target, False, trend_kind)), target)
        if target is not None
        else None,
    )
    show_chart(style(fig, trend_title), table=table)
    st.caption(t("overview.trend_start", first=period_label("month", FIRST_MONTH)))

# --- breakdown of the chosen KPI for the period: the whole region (no cross-breakdowns) ---------
breakdown_dim = url_select(t("overview.breakdown_by"), DIMENSIONS[1:], "by", dimension_label)
breakdown = query(
    "SELECT dimension_value, numerator, denominator, value, suppressed FROM marts.kpi "
    "WHERE period_grain = ? AND period_start = ? AND dimension = ? AND kpi = ? "
    "ORDER BY dimension_value",
    [grain, period, breakdown_dim, trend_kpi],
)
breakdown_title = t(
    "overview.breakdown_title",
    kpi=kpi_label(trend_kpi),
    dimension=dimension_label(breakdown_dim),
    period=period_shown,
)
if dimension != "all":
    # The marts hold no cross-breakdowns: say so rather than show the region under the filter
    # (the title says it, short enough not to be cut; the caption says why).
    breakdown_title += f" – {t('overview.whole_region')}"
if not explain_if_empty(breakdown, threshold, breakdown_title):
    if dimension != "all":
        st.caption(t("overview.breakdown_whole_region", population=population))
    # Codes are categories with names (SCB's lists), best first; the region's own value is the
    # reference line.
    breakdown["label"] = breakdown["dimension_value"].map(partial(value_label, breakdown_dim))
    breakdown = breakdown.sort_values(
        "value", ascending=about(CATALOGUE, trend_kpi, "better") == "lower", na_position="last"
    )
    region = at_period(selection(grain, "all", "all"), period)
    reference = None
    if trend_kpi in region.index and not region.loc[trend_kpi, "suppressed"]:
        reference = (t("overview.whole_region"), float(region.loc[trend_kpi, "value"]))
    show_chart(
        bar_chart(breakdown, "label", trend_kind, breakdown_title, reference=reference),
        table=bars_table(breakdown, dimension_label(breakdown_dim), trend_kind),
    )
    with st.expander(t("common.table")):
        table_with_downloads(
            breakdown.drop(columns="label"),
            f"{trend_kpi.replace(':', '_')}_{breakdown_dim}",
            source="marts.kpi",
            selection=f"{period_shown} · {dimension_label(breakdown_dim)}",
        )

# --- survival curve ------------------------------------------------------------------------------
survival = query(
    "SELECT day, survival, at_risk, suppressed FROM marts.time_to_meeting_survival "
    "WHERE dimension = ? AND dimension_value = ? AND day <= 365 ORDER BY day",
    [dimension, value],
)
survival_title = t("overview.survival_title", population=population)
if not explain_if_empty(survival, threshold, survival_title):
    # Everyone still waits on day 0: the curve starts at 100 %, not at its first step.
    start = pd.DataFrame({"day": [0], "survival": [1.0], "at_risk": [None], "suppressed": [False]})
    shown = pd.concat([start, survival[~survival["suppressed"]]], ignore_index=True)
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
    survival_table = pd.DataFrame(
        {
            t("overview.survival_x"): shown["day"],
            t("overview.survival_y"): [format_value(v, False, "share") for v in shown["survival"]],
        }
    )
    show_chart(style(fig, survival_title), table=survival_table)

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
        family_title = t(title_key, period=period_shown)
        if explain_if_empty(family, threshold, family_title):
            continue
        family["label"] = family["kpi"].str.split(":").str[1].map(code_label)
        family = family.sort_values("value", ascending=False, na_position="last")
        show_chart(
            bar_chart(family, "label", kind, family_title),
            table=bars_table(family, t("common.group"), kind),
        )
        with st.expander(t("common.table")):
            table_with_downloads(
                family.drop(columns="label"),
                pattern.split(":")[0],
                source="marts.kpi",
                selection=f"{period_shown} · {population}",
            )

# --- the overview as an A4 PDF for the steering group -------------------------------------------
report = overview_report(info, grain, period, dimension, value, TILES, trend_kpi, breakdown_dim)
pdf_download(
    t("report.download"),
    partial(render_overview, report),
    file_name("sip-oversikt", grain, period, dimension, value, "pdf"),
    container=st.sidebar,
)
