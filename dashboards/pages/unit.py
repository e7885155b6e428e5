"""Unit view: one unit's KPIs against the whole region, and its overdue follow-ups to act on.

The figures come from one view-model (`dashboards.views.unit`), which the downloads use too."""

import pandas as pd
import streamlit as st

from dashboards.auth import published_units, require_page, row_level_query
from dashboards.charts import explain_if_empty, show_chart, style, trend_chart
from dashboards.chrome import page_header
from dashboards.data import query
from dashboards.exports import table_with_downloads
from dashboards.figures import about, format_value, kpi_catalogue
from dashboards.i18n import kpi_label, t
from dashboards.periods import period_filters
from dashboards.url_state import url_choice, url_select
from dashboards.views.unit import COMPARED, unit_view
from data_contracts.safe_text import plain_markdown

viewer = require_page("unit")
info = page_header("unit.title", t("unit.intro"))
if info is None:
    st.stop()
threshold = int(info["suppression_threshold"])
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

# The trend picker sits with its chart, but its choice shapes the view-model.
view = unit_view(info, unit, grain, period, url_choice("trend", COMPARED))
compare_title = t("unit.compare_title", unit=plain_markdown(unit), period=view.period_shown)
st.subheader(compare_title)
if not explain_if_empty(view.own, threshold):
    table_with_downloads(
        view.table,
        f"enhet_{unit}",
        source="marts.kpi",
        selection=t("unit.compare_title", unit=unit, period=view.period_shown),
        title=t("unit.title"),
    )
    if view.plan_note:
        st.caption(view.plan_note)  # labels from the catalogue, not from data

# --- the unit's trend: against all units for shares, rates and days; a count alone ----------------
url_select(t("overview.trend_kpi"), COMPARED, "trend", kpi_label)
if not explain_if_empty(view.trend_lines[0][1], threshold, view.trend_title):
    target = about(CATALOGUE, view.trend_kpi, "target")
    fig, table = trend_chart(
        view.trend_lines,
        grain,
        view.trend_kind,
        info["as_of"],
        target=(
            t("common.target", target=format_value(target, False, view.trend_kind)),
            float(target),
        )
        if target is not None
        else None,
    )
    show_chart(style(fig, view.trend_title), table=table)
    if view.trend_note:
        st.caption(view.trend_note)

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
        title=t("kpi.follow_ups_overdue"),
    )
