"""A part-year (or part-quarter) against the same months a year earlier, from published month
cells only.

The marts publish 2026 to 31 October as the year 2026, but January–October 2025 is no
published period. For a KPI whose numerator and denominator add up over months
(`marts.kpi_catalogue.additive_over_time`), both spans are sums of month cells. A sum is shown
only when every month cell in it is published: the sum of published cells tells a reader
nothing the cells did not, while a sum over a hidden month would give that month back by
subtraction (SPEC §5). Nothing is derived from a hidden cell."""

from __future__ import annotations

import pandas as pd


def month_starts(start, count: int) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), periods=count, freq="MS")


def summed_months(
    months: pd.DataFrame, kpi: str, start, count: int, months_published: bool
) -> tuple[int, int | None] | None:
    """Numerator and denominator (None for a count) of `kpi` summed over `count` month cells
    from `start`, or None where a month is hidden, or missing while the breakdown is not
    published per month. `months` has the columns of `marts.kpi`; where the publication plan
    publishes months (`months_published`), a missing row is zero (SPEC §5)."""
    rows = months[(months["kpi"] == kpi) & months["period_start"].isin(month_starts(start, count))]
    if rows["suppressed"].astype(bool).any() or rows["numerator"].isna().any():
        return None
    if len(rows) < count and not months_published:
        return None
    denominators = rows["denominator"]
    if denominators.isna().all():
        return int(rows["numerator"].sum()), None
    if denominators.isna().any():
        return None
    return int(rows["numerator"].sum()), int(denominators.sum())


def to_date_value(
    months: pd.DataFrame, kpi: str, kind: str, start, count: int, months_published: bool
) -> float | None:
    """A count or share over the months from `start`, or None where it cannot be shown."""
    summed = summed_months(months, kpi, start, count, months_published)
    if summed is None:
        return None
    numerator, denominator = summed
    if kind == "count" and denominator is None:
        return float(numerator)
    if kind == "share" and denominator:
        return numerator / denominator
    return None


def to_date_pair(
    months: pd.DataFrame,
    kpi: str,
    kind: str,
    additive: bool,
    current,
    earlier,
    count: int,
    months_published: bool,
) -> tuple[float, float] | None:
    """(this span, the same months a year earlier) for a KPI that adds up over months, or
    None: a median, a stock or a rate over a stock does not (the catalogue's
    `additive_over_time`), and a hidden month in either span gives no sum."""
    if not additive:
        return None
    now = to_date_value(months, kpi, kind, current, count, months_published)
    before = to_date_value(months, kpi, kind, earlier, count, months_published)
    return None if now is None or before is None else (now, before)
