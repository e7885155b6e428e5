"""Unit view: one unit's KPIs against the whole region, and its overdue follow-ups to act on."""

import pandas as pd
import streamlit as st

from dashboards.auth import published_units, require_page, row_level_query
from dashboards.components import (
    explain_if_empty,
    format_value,
    kpi_kinds,
    page_header,
    period_filters,
    period_label,
    table_with_downloads,
    url_select,
)
from dashboards.data import query
from dashboards.i18n import kpi_label, t
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
KINDS = kpi_kinds(query)
# A unit manager sees their own units only (SPEC §7).
units = viewer.visible_units(published_units())
if not units:
    st.info(t("auth.no_units"))
    st.stop()
with st.sidebar:
    unit = url_select(t("unit.choose_unit"), units, "unit")
    grain, period = period_filters("kpi", ("month", "quarter", "year"))
if unit is None or period is None:
    st.info(t("common.empty_selection"))
    st.stop()

figures = query(
    f"SELECT kpi, dimension, value, suppressed FROM marts.kpi WHERE period_grain = ? "
    f"AND period_start = ? AND kpi IN ({', '.join('?' * len(COMPARED))}) "
    "AND ((dimension = 'initiating_unit' AND dimension_value = ?) OR dimension = 'all')",
    [grain, period, *COMPARED, unit],
)
st.subheader(t("unit.compare_title", unit=plain_markdown(unit), period=period_label(grain, period)))
if not explain_if_empty(figures[figures["dimension"] == "initiating_unit"], threshold):
    rows = []
    for kpi in COMPARED:
        cell = {
            d: figures[(figures["kpi"] == kpi) & (figures["dimension"] == d)]
            for d in ("initiating_unit", "all")
        }
        shown = [
            format_value(c["value"].iloc[0], bool(c["suppressed"].iloc[0]), KINDS[kpi])
            if len(c)
            else "–"
            for c in cell.values()
        ]
        rows.append(
            {"": kpi_label(kpi), t("unit.unit_column"): shown[0], t("unit.region_column"): shown[1]}
        )
    table_with_downloads(pd.DataFrame(rows), f"enhet_{unit}")

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
    )
