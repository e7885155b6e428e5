"""The unit page's figures, built once for the page and its downloads: one unit's KPIs against
all units for a period, and the trend of one KPI."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboards.data import published_grains, query
from dashboards.figures import about, kpi_catalogue
from dashboards.i18n import kpi_label, t
from dashboards.periods import first_data_month, first_full_period, period_text

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


@dataclass(frozen=True)
class UnitView:
    unit: str
    grain: str
    period: pd.Timestamp
    period_shown: str
    own: pd.DataFrame  # the unit's cells for the period
    table: pd.DataFrame  # one row per KPI: the unit and all units, typed
    trend_kpi: str
    trend_kind: str
    trend_title: str
    trend_lines: list[tuple[str, pd.DataFrame]]
    trend_note: str  # why a count is drawn for the unit alone
    plan_note: str  # the KPIs the publication plan does not publish for units at this grain


def unit_view(info: dict, unit: str, grain: str, period, trend_kpi: str) -> UnitView:
    catalogue = kpi_catalogue(query)
    figures = query(
        "SELECT period_start, period_complete, kpi, dimension, value, suppressed FROM marts.kpi "
        f"WHERE period_grain = ? AND kpi IN ({', '.join('?' * len(COMPARED))}) "
        "AND ((dimension = 'initiating_unit' AND dimension_value = ?) OR dimension = 'all') "
        "ORDER BY period_start",
        [grain, *COMPARED, unit],
    )
    period = pd.Timestamp(period)
    chosen = figures[figures["period_start"] == period]
    complete = bool(chosen["period_complete"].all()) if len(chosen) else None
    period_shown = period_text(grain, period, info["as_of"], complete)

    # Numbers stay numbers (shares in per cent), so an export opens ready for analysis; a
    # hidden cell is empty and says so in its own column.
    cells = chosen.set_index(["kpi", "dimension"])
    rows = []
    # KPI -> the grains the plan publishes it at for units, where the chosen one is not.
    elsewhere = {
        kpi: grains
        for kpi in COMPARED
        if grain not in (grains := published_grains(kpi, "initiating_unit"))
    }
    for kpi in COMPARED:
        kind = about(catalogue, kpi, "kind", "count")
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

    kind = about(catalogue, trend_kpi, "kind", "count")
    series = figures[figures["kpi"] == trend_kpi]
    series = series[series["period_start"] >= first_full_period(grain, first_data_month(query))]
    lines = [
        (
            t("unit.unit_column"),
            series[series["dimension"] == "initiating_unit"].reset_index(drop=True),
        )
    ]
    note = ""
    if kind == "count":
        # One unit's count beside the sum of all units is a flat line at the foot of the axis:
        # a count is drawn for the unit alone; shares, rates and days compare on one axis.
        note = t("unit.count_alone")
    else:
        lines.append(
            (t("unit.region_column"), series[series["dimension"] == "all"].reset_index(drop=True))
        )
    return UnitView(
        unit=unit,
        grain=grain,
        period=period,
        period_shown=period_shown,
        own=chosen[chosen["dimension"] == "initiating_unit"],
        table=pd.DataFrame(rows),
        trend_kpi=trend_kpi,
        trend_kind=kind,
        trend_title=t(
            "unit.trend_title" if kind != "count" else "unit.trend_title_alone",
            kpi=kpi_label(trend_kpi),
            grain=t(f"grain.{grain}").lower(),
            unit=unit,  # plain text: explain_if_empty escapes it for Markdown, style() for charts
        ),
        trend_lines=lines,
        trend_note=note,
        plan_note=plan_note(elsewhere),
    )


def plan_note(elsewhere: dict[str, tuple[str, ...]]) -> str:
    """One line for the KPIs without a unit figure at this grain because the publication plan
    publishes them for units at other grains only, or not at all."""
    parts = [
        t(
            "unit.published_at",
            kpi=kpi_label(kpi),
            grains=t("common.and").join(t(f"grain.{g}").lower() for g in grains),
        )
        if grains
        else t("unit.not_published", kpi=kpi_label(kpi))
        for kpi, grains in elsewhere.items()
    ]
    return t("unit.plan_note", parts="; ".join(parts)) if parts else ""
