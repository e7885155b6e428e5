"""Periods on the pages: their labels ("2026 K4 (t.o.m. 31 okt)"), the data's first full
period, what a tile compares with, and the grain and period filters.

When a period starts, ends and is complete is said once, in `data_contracts.periods`; this
module only puts it into words and widgets (dates arrive here as timestamps from the marts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards import formatting
from dashboards.i18n import current_language, t
from dashboards.url_state import url_select
from data_contracts import periods


def _day(value):
    return pd.Timestamp(value).date()


def period_start_of(grain: str, day) -> pd.Timestamp:
    """The start of the period of `grain` that contains `day`."""
    return pd.Timestamp(periods.period_start(grain, _day(day)))


def last_day(grain: str, start) -> pd.Timestamp:
    """The last day of the period that begins on `start`."""
    return pd.Timestamp(periods.last_day(grain, _day(start)))


def is_complete(grain: str, start, as_of) -> bool:
    """SPEC §6 `period_complete`: the period ends on or before the as-of date."""
    return periods.is_complete(grain, _day(start), _day(as_of))


def periods_before(grain: str, start, count: int = 1) -> pd.Timestamp:
    """The start of the period `count` periods of `grain` before the one beginning on `start`."""
    return pd.Timestamp(start) - pd.DateOffset(months=periods.MONTHS_IN[grain] * count)


def until_text(as_of) -> str:
    as_of = pd.Timestamp(as_of)
    month = formatting.MONTHS[current_language()][as_of.month - 1]
    return t("common.until", date=f"{as_of.day} {month}")


def period_text(grain: str, start, as_of, complete: bool | None = None) -> str:
    """'2026 K4 (t.o.m. 31 okt)' for a period that holds the as-of date, else '2026 K3'.
    `complete` is the mart's `period_complete` where the caller has read it."""
    label = formatting.period_label(grain, start)
    if complete is None:
        complete = is_complete(grain, start, as_of)
    return label if complete else f"{label} ({until_text(as_of)})"


def first_data_month(query) -> pd.Timestamp:
    """The month the published data begins in."""
    sql = "SELECT min(period_start) AS m FROM marts.kpi WHERE period_grain = 'month'"
    return pd.Timestamp(query(sql)["m"].iloc[0])


def first_full_period(grain: str, first_month) -> pd.Timestamp:
    """The first period that lies wholly after the month the data begins in. The period holding
    that month is a ramp-up artefact: no plan older than the data is in it (docs/decisions.md)."""
    start = periods.period_start(grain, _day(first_month))
    return pd.Timestamp(periods.next_start(grain, start))


@dataclass(frozen=True)
class Comparison:
    """What a tile's change compares: cells of `grain` at `current` and `earlier`; or, with
    `months`, the sums of that many month cells from each (a part-year or part-quarter against
    the same months a year earlier, for KPIs that add up over months: `dashboards.to_date`)."""

    grain: str
    current: pd.Timestamp
    earlier: pd.Timestamp
    text: str
    months: int | None = None


def month_span(start, end) -> str:
    """'jan–okt' for the months from `start` to `end` of one year ('okt' for one month)."""
    names = formatting.MONTHS[current_language()]
    first, last = names[pd.Timestamp(start).month - 1], names[pd.Timestamp(end).month - 1]
    return first if first == last else f"{first}–{last}"


def comparison(grain: str, period, as_of, first_month) -> Comparison | str:
    """A complete period is compared with the previous one; an incomplete one with the same
    span a year earlier: as a period where the marts publish that span as one (a month or a
    quarter), else as the same whole months summed where the as-of date ends a month, else with
    nothing. Periods of the data's ramp-up are never compared with. Returns the comparison or
    the reason there is none."""
    period, as_of = pd.Timestamp(period), pd.Timestamp(as_of)
    months = None
    if is_complete(grain, period, as_of):
        current, earlier, compared_grain = period, periods_before(grain, period), grain
        text = t("tile.vs_previous", period=formatting.period_label(grain, earlier))
    else:
        current, earlier = period, periods_before("year", period)
        span = next(
            (
                g
                for g in ("month", "quarter")
                if period_start_of(g, as_of) == period and last_day(g, period) == as_of
            ),
            None,
        )
        if span is not None:
            compared_grain = span
            text = t("tile.vs_same_span", period=formatting.period_label(span, earlier))
        elif last_day("month", as_of) == as_of:
            compared_grain = "month"
            months = (as_of.year - period.year) * 12 + as_of.month - period.month + 1
            text = t("tile.vs_same_months", months=month_span(period, as_of), year=earlier.year)
        else:
            return t("tile.no_same_span", span=f"{month_span(period, as_of)} {as_of.year}")
    if earlier < first_full_period(compared_grain, first_month):
        return t("tile.no_earlier")
    return Comparison(compared_grain, current, earlier, text, months)


def period_filters(
    table: str,
    grains: Sequence[str],
    container=st,
    default_grain: str | None = None,
    complete_first: bool = False,
) -> tuple[str, pd.Timestamp | None]:
    """Grain and period selectors (kept in the URL), latest period first; the period that holds
    the as-of date says so ("2026 K4 (t.o.m. 31 okt)"; the mart's `period_complete` where it
    publishes one). With `complete_first` the page opens on the latest complete period: an
    unfinished one is compared with nothing whole, and early in a period it holds too few cases
    to show. Switching the grain keeps
    the period that contains the one shown (Månad → År → Månad comes back to the same month)."""
    from dashboards.data import published_columns, query, run_info

    as_of = run_info()["as_of"]
    grain = url_select(
        t("common.grain"),
        grains,
        "grain",
        lambda g: t(f"grain.{g}"),
        default=default_grain,
        container=container,
    )
    published = "period_complete" in published_columns(table)
    starts = query(
        f"SELECT period_start, {'bool_and(period_complete)' if published else 'NULL'} AS complete "
        f"FROM marts.{table} WHERE period_grain = ? GROUP BY period_start "
        "ORDER BY period_start DESC",
        [grain],
    )
    options = [formatting.plain_date(p) for p in starts["period_start"]]
    complete = dict(zip(options, starts["complete"], strict=True)) if published else {}
    trail = st.session_state.setdefault("_period_trail", {})
    shown = trail.get("shown")  # (grain, period) of the last run
    if shown and shown[0] != grain and options:
        st.query_params["period"] = _containing(grain, options, *shown, trail.get(grain))
    chosen = url_select(
        t("common.period"),
        options,
        "period",
        lambda p: period_text(grain, p, as_of, complete.get(p)),
        default=next((p for p in options if complete.get(p)), None) if complete_first else None,
        container=container,
        widget_key=f"w_period_{grain}",
    )
    if chosen:
        trail["shown"] = (grain, chosen)
        trail[grain] = chosen
    return grain, (pd.Timestamp(chosen) if chosen else None)


def _containing(grain: str, options: list[str], old_grain: str, old: str, last: str | None) -> str:
    """The period of `grain` for what was shown in `old_grain`: the one containing it, or (to a
    finer grain) the one last chosen inside it, else the latest inside it."""
    start, end = pd.Timestamp(old), last_day(old_grain, old)
    inside = [o for o in options if start <= pd.Timestamp(o) <= end]
    if last in inside:
        return last
    if inside:
        return inside[0]  # options are newest first
    containing = formatting.plain_date(period_start_of(grain, start))
    return containing if containing in options else options[0]
