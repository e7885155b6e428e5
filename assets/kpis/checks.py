"""Blocking expectations on marts.kpi: a figure that breaks them would mislead, so publishing
waits. Each builds a small pandas frame from the mart and lets Great Expectations judge it."""

from __future__ import annotations

import duckdb

from assets.expectations import Outcome, gx_expectations, run_expectations

SHARES_CHECK = "shares_within_0_and_1"
QUANTILES_CHECK = "quantiles_in_order"
BREAKDOWNS_CHECK = "breakdowns_add_up_to_total"


def shares_within_0_and_1(con: duckdb.DuckDBPyConnection) -> list[Outcome]:
    frame = con.execute("SELECT value FROM marts.kpi WHERE kind = 'share' AND NOT suppressed").df()
    e = gx_expectations()
    return run_expectations(
        "shares", frame, [e.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=1)]
    )


def quantiles_in_order(con: duckdb.DuckDBPyConnection) -> list[Outcome]:
    """p50 ≤ p75 ≤ p90 wherever all three are published."""
    frame = con.execute(
        """
        SELECT max(value) FILTER (kpi LIKE '%:p50') AS p50,
               max(value) FILTER (kpi LIKE '%:p75') AS p75,
               max(value) FILTER (kpi LIKE '%:p90') AS p90
        FROM marts.kpi WHERE kind = 'quantile' AND NOT suppressed
        GROUP BY period_grain, period_start, dimension, dimension_value, split_part(kpi, ':', 1)
        HAVING count(*) = 3
        """
    ).df()
    e = gx_expectations()
    return run_expectations(
        "quantiles",
        frame,
        [
            e.ExpectColumnPairValuesAToBeGreaterThanB(column_A=a, column_B=b, or_equal=True)
            for a, b in (("p75", "p50"), ("p90", "p75"))
        ],
    )


def breakdowns_add_up_to_total(con: duckdb.DuckDBPyConnection) -> list[Outcome]:
    """Every plan has exactly one value per dimension ('unknown' for a blank), so where no
    value of a breakdown is suppressed, its counts and denominators add up to the total row.
    (A rate's denominator does not: a value with deviations but no active plan has no row.)"""
    frame = con.execute(
        """
        WITH parts AS (
            SELECT period_grain, period_start, dimension, kpi,
                   sum(numerator) AS numerator, coalesce(sum(denominator), 0) AS denominator
            FROM marts.kpi
            WHERE kind IN ('count', 'share') AND dimension <> 'all'
            GROUP BY ALL HAVING NOT bool_or(suppressed)
        )
        SELECT p.numerator, p.denominator, t.numerator AS total_numerator,
               coalesce(t.denominator, 0) AS total_denominator
        FROM parts AS p
        JOIN marts.kpi AS t USING (period_grain, period_start, kpi)
        WHERE t.dimension = 'all' AND NOT t.suppressed
        """
    ).df()
    e = gx_expectations()
    return run_expectations(
        "breakdowns",
        frame,
        [
            e.ExpectColumnPairValuesToBeEqual(column_A=part, column_B=f"total_{part}")
            for part in ("numerator", "denominator")
        ],
    )


BLOCKING_CHECKS = {
    SHARES_CHECK: shares_within_0_and_1,
    QUANTILES_CHECK: quantiles_in_order,
    BREAKDOWNS_CHECK: breakdowns_add_up_to_total,
}
