"""Leadership overview: does the SIP process work, and where does it not?

The figures come from one view-model (`dashboards.views.overview`), which the PDF report and
the downloads draw too; this page only lays them out."""

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards.auth import require_page
from dashboards.charts import (
    bar_chart,
    bars_table,
    explain_if_empty,
    funnel_chart,
    show_chart,
    style,
    trend_chart,
)
from dashboards.chrome import page_header
from dashboards.data import query
from dashboards.exports import pdf_download, table_with_downloads
from dashboards.figures import format_value
from dashboards.formatting import file_name, period_label
from dashboards.i18n import dimension_label, kpi_label, t, value_label
from dashboards.palette import COLOURS
from dashboards.periods import period_filters
from dashboards.report import overview_report, render_overview
from dashboards.url_state import url_choice, url_select
from dashboards.views.overview import TREND_KPIS, Bars, Tile, overview, target_of
from data_contracts.contracts import KPI_DIMENSIONS

# Words on the page that need explaining (texts in the label catalogue, `glossary.*`).
GLOSSARY = ("grain", "selection", "period", "target", "threshold", "suppressed", "censored", "n")

require_page("overview")
info = page_header("overview.title", t("overview.intro"))
if info is None:
    st.stop()
threshold = int(info["suppression_threshold"])

with st.sidebar:
    # A complete year by default: a month hides most figures (SPEC §5), and a complete period
    # compares like for like with the one before.
    grain, period = period_filters(
        "kpi", ("month", "quarter", "year"), default_grain="year", complete_first=True
    )
    # "Urval" narrows the whole page to one group; breaking down is the breakdown chart's job.
    dimension = url_select(
        t("overview.selection"),
        ("all", *KPI_DIMENSIONS),
        "dim",
        lambda d: t("overview.whole_region_option") if d == "all" else dimension_label(d),
    )
    value = "all"
    if dimension != "all":
        values = query(
            "SELECT DISTINCT dimension_value FROM marts.kpi WHERE dimension = ? ORDER BY 1",
            [dimension],
        )["dimension_value"].tolist()
        value = url_select(
            dimension_label(dimension), values, "value", lambda v: value_label(dimension, v)
        )
if period is None:
    st.info(t("common.empty_selection"))
    st.stop()

# The chart pickers sit with their charts, but their choices shape the view-model.
trend_kpi = url_choice("trend", TREND_KPIS)
breakdown_dim = url_choice("by", KPI_DIMENSIONS)
view = overview(info, grain, period, dimension, value, trend_kpi, breakdown_dim)


def show_tile(tile: Tile) -> None:
    """One tile: the figure, its change (coloured by the better direction), status against the
    target in words and colour, and what it counts, over whom, with n, in plain text."""
    delta = tile.change
    st.metric(
        tile.label,
        tile.shown,
        delta.text if delta else None,
        delta_color=delta.colour if delta else "normal",
        delta_arrow=delta.arrow if delta else "auto",
        border=True,
    )
    if tile.status is not None:
        word, colour = tile.status
        st.markdown(f":{colour}-badge[{word} · {tile.target}]")
    st.caption(" · ".join(part for part in (tile.n, tile.note) if part))
    st.caption(tile.definition)


def show_bars(bars: Bars) -> None:
    """A breakdown as bars, its notes (also when every bar is hidden), its table alternative
    and its downloads."""
    if explain_if_empty(bars.frame, threshold, bars.title):
        for note in bars.notes:
            st.caption(note)
        return
    show_chart(
        bar_chart(bars.frame, "label", bars.kind, bars.title, reference=bars.reference),
        table=bars_table(bars.frame, bars.header, bars.kind),
    )
    for note in bars.notes:
        st.caption(note)
    with st.expander(t("common.table")):
        # The groups as the chart names them ('0380 Uppsala', not the code alone), first.
        download = bars.frame.drop(columns=["label", "dimension_value"], errors="ignore")
        download.insert(0, bars.header, bars.frame["label"])
        table_with_downloads(
            download,
            bars.download,
            source="marts.kpi",
            selection=bars.selection,
            title=bars.title,
            kind=bars.kind,
        )


# --- tiles: value with n, target and status; what the changes compare, once ---------------------
st.caption(view.change_note)
columns = st.columns(4)
for index, tile in enumerate(view.tiles):
    with columns[index % 4]:
        show_tile(tile)

with st.expander(t("glossary.title")):
    settings = {"threshold": threshold, "tolerance": info["follow_up_tolerance_days"]}
    st.markdown(
        "\n".join(
            f"- **{t(f'glossary.{k}.term')}**: {t(f'glossary.{k}.text', **settings)}"
            for k in GLOSSARY
        )
    )

# --- trend of the chosen KPI, from the data's first full period --------------------------------
url_select(t("overview.trend_kpi"), TREND_KPIS, "trend", kpi_label)
trend = view.series[view.series["kpi"] == trend_kpi].reset_index(drop=True)
if not explain_if_empty(trend, threshold, view.trend_title):
    target = target_of(view.catalogue, trend_kpi)
    fig, table = trend_chart(
        [(kpi_label(trend_kpi), trend)],
        grain,
        view.trend_kind,
        info["as_of"],
        target=(t("common.target", target=format_value(target, False, view.trend_kind)), target)
        if target is not None
        else None,
    )
    show_chart(style(fig, view.trend_title), table=table)
    st.caption(t("overview.trend_start", first=period_label("month", view.first_month)))

# --- breakdown of the chosen KPI: bars, and for shares by unit or municipality a funnel ---------
url_select(t("overview.breakdown_by"), KPI_DIMENSIONS, "by", dimension_label)
if view.breakdown is None:
    # Not in the publication plan at any grain for this breakdown.
    st.info(
        t(
            "overview.breakdown_not_published",
            kpi=kpi_label(trend_kpi),
            dimension=dimension_label(breakdown_dim),
        )
    )
else:
    show_bars(view.breakdown)
if view.funnel is not None:
    fig, table = funnel_chart(view.funnel)
    show_chart(fig, table=table)
    st.caption(t("overview.funnel_note"))
    if view.funnel.hidden:
        st.caption(t("overview.funnel_hidden", count=view.funnel.hidden))

# --- survival curve ------------------------------------------------------------------------------
survival_title = t("overview.survival_title", population=view.population)
if not explain_if_empty(view.survival, threshold, survival_title):
    # Everyone still waits on day 0: the curve starts at 100 %, not at its first step.
    start = pd.DataFrame({"day": [0], "survival": [1.0], "at_risk": [None], "suppressed": [False]})
    shown = pd.concat([start, view.survival[~view.survival["suppressed"]]], ignore_index=True)
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
        annotation_position="bottom right",
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

# --- closure reasons, deviations, attendance: one under the other, so that long group names
# and their bars have the page's width at 1280 px as at 1920 px ----------------------------------
for family in view.families:
    show_bars(family)

# --- the overview as an A4 PDF for the steering group: the same view-model ----------------------
pdf_download(
    t("report.download"),
    partial(render_overview, overview_report(view)),
    file_name("sip-oversikt", grain, period, dimension, value, "pdf"),
    container=st.sidebar,
)
