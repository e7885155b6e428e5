"""Unit view: one unit's KPIs against the whole region, and its overdue follow-ups to act on."""

import pandas as pd
import streamlit as st

from dashboards.auth import published_units, require_page, row_level_query
from dashboards.charts import explain_if_empty, show_chart, style, trend_chart
from dashboards.chrome import page_header
from dashboards.data import query
from dashboards.exports import table_with_downloads
from dashboards.figures import about, format_value, kpi_catalogue
from dashboards.i18n import kpi_label, t
from dashboards.periods import first_data_month, first_full_period, period_filters, period_text
from dashboards.url_state import url_select
from data_contracts.safe_text import plain_markdown

COMPARED = (
    "needs_identified",
    "days_need_to_meeting:p50",
    "meeting_within_target_share",
    "waiting_for_meeting",
    "follow_up_booked_share",
    "follow_up_on_time_share",
    "follow_ups_overdue",
    "coordinator_appointed_share",
    "plan_handed_over_share",
    "active_plans",
    "deviations_per_100_active",
)

viewer = require_page("unit")
info = page_header("unit.title", t("unit.intro"))
if info is None:
    st.stop()
threshold = int(info["suppression_threshold"])
as_of = pd.Timestamp(info["as_of"])
CATALOGUE = kpi_catalogue(query)
# A unit manager sees their own units only (SPEC §7).
units = viewer.visible_units(published_units())
if not units:
    st.info(t("auth.no_units"))
    st.stop()
with st.sidebar:
    unit = url_select(t("unit.choose_unit"), units, "unit")
    # A year by default: a unit's month or quarter leaves most figures below the suppression
    # threshold (docs/decisions.md).
    grain, period = period_filters("kpi", ("month", "quarter", "year"), default_grain="year")
if unit is None or period is None:
    st.info(t("common.empty_selection"))
    st.stop()

figures = query(
    f"SELECT period_start, kpi, dimension, value, suppressed FROM marts.kpi "
    f"WHERE period_grain = ? AND kpi IN ({', '.join('?' * len(COMPARED))}) "
    "AND ((dimension = 'initiating_unit' AND dimension_value = ?) OR dimension = 'all') "
    "ORDER BY period_start",
    [grain, *COMPARED, unit],
)
chosen = figures[figures["period_start"] == period]
compare_title = t(
    "unit.compare_title", unit=plain_markdown(unit), period=period_text(grain, period, as_of)
)
st.subheader(compare_title)
if not explain_if_empty(chosen[chosen["dimension"] == "initiating_unit"], threshold):
    # Numbers stay numbers (shares in per cent), so an export opens ready for analysis; a
    # suppressed cell is empty and says so in its own column.
    cells = chosen.set_index(["kpi", "dimension"])
    rows = []
    for kpi in COMPARED:
        kind = about(CATALOGUE, kpi, "kind", "count")
        row = {
            t("unit.columns.kpi"): kpi_label(kpi),
            t("unit.columns.unit_of"): t(f"unit.units.{kind}"),
        }
        hidden = []
        for dimension, column in (("initiating_unit", "unit_column"), ("all", "region_column")):
            cell = cells.loc[(kpi, dimension)] if (kpi, dimension) in cells.index else None
            shown = cell is not None and not cell["suppressed"] and pd.notna(cell["value"])
            row[t(f"unit.{column}")] = (
                round(float(cell["value"]) * (100 if kind == "share" else 1), 1) if shown else None
            )
            if cell is not None and cell["suppressed"]:
                hidden.append(t(f"unit.{column}"))
        row[t("unit.columns.suppressed")] = ", ".join(hidden)
        rows.append(row)
    table_with_downloads(
        pd.DataFrame(rows),
        f"enhet_{unit}",
        source="marts.kpi",
        selection=t("unit.compare_title", unit=unit, period=period_text(grain, period, as_of)),
    )

# --- the unit's trend against the whole region ---------------------------------------------------
trend_kpi = url_select(t("overview.trend_kpi"), COMPARED, "trend", kpi_label)
kind = about(CATALOGUE, trend_kpi, "kind", "count")
series = figures[figures["kpi"] == trend_kpi]
series = series[series["period_start"] >= first_full_period(grain, first_data_month(query))]
own = series[series["dimension"] == "initiating_unit"].reset_index(drop=True)
trend_title = t(
    "unit.trend_title",
    kpi=kpi_label(trend_kpi),
    grain=t(f"grain.{grain}").lower(),
    unit=unit,  # plain text: explain_if_empty escapes it for Markdown, style() for the chart
)
if not explain_if_empty(own, threshold, trend_title):
    target = about(CATALOGUE, trend_kpi, "target")
    fig, table = trend_chart(
        [
            (t("unit.unit_column"), own),
            (t("unit.region_column"), series[series["dimension"] == "all"].reset_index(drop=True)),
        ],
        grain,
        kind,
        as_of,
        target=(t("common.target", target=format_value(target, False, kind)), float(target))
        if target is not None
        else None,
    )
    show_chart(style(fig, trend_title), table=table)

# Row-level list: pseudonymous ids and unit codes only (SPEC §5), never on leadership pages.
as_of = pd.Timestamp(info["as_of"]).date().isoformat()
st.subheader(t("unit.overdue_title", unit=plain_markdown(unit), as_of=as_of))
overdue = row_level_query(
    "overdue",
    "SELECT sip_id, meeting_id, planned_date, days_overdue FROM marts.overdue_follow_ups "
    "WHERE initiating_unit = ? ORDER BY days_overdue DESC",
    [unit],
    unit=unit,
)
if overdue.empty:
    st.success(t("unit.no_overdue"))
else:
    table_with_downloads(
        overdue,
        f"forsenade_uppfoljningar_{unit}",
        {c: t(f"unit.columns.{c}") for c in overdue.columns},
        source="marts.overdue_follow_ups",
        selection=t("unit.overdue_title", unit=unit, as_of=as_of),
        suppression=False,
    )
