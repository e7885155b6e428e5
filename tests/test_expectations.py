"""Every blocking expectation on the marts fails on a mart that breaks it, and passes on one
that keeps it; the quarantine-share warning follows SIP_QUARANTINE_SHARE_LIMIT."""

from __future__ import annotations

import duckdb
import pytest
from dagster import AssetCheckSeverity

from assets.kpis.checks import BLOCKING_CHECKS, BREAKDOWNS_CHECK, QUANTILES_CHECK, SHARES_CHECK
from assets.validate.assets import quarantine_share_check

# (grain, start, dimension, value, kpi, numerator, denominator, value, suppressed, kind)
GOOD = [
    ("month", "2026-01-01", "all", "all", "consent_given_share", 8, 10, 0.8, False, "share"),
    ("month", "2026-01-01", "age_band", "18-24", "consent_given_share", 3, 4, 0.75, False, "share"),
    (
        "month",
        "2026-01-01",
        "age_band",
        "25-44",
        "consent_given_share",
        5,
        6,
        5 / 6,
        False,
        "share",
    ),
    ("month", "2026-01-01", "all", "all", "needs_identified", 10, None, 10, False, "count"),
    (
        "month",
        "2026-01-01",
        "age_band",
        "18-24",
        "needs_identified",
        None,
        None,
        None,
        True,
        "count",
    ),
    ("month", "2026-01-01", "age_band", "25-44", "needs_identified", 9, None, 9, False, "count"),
    *[
        (
            "month",
            "2026-01-01",
            "all",
            "all",
            f"days_need_to_meeting:{q}",
            None,
            10,
            v,
            False,
            "quantile",
        )
        for q, v in (("p50", 12), ("p75", 20), ("p90", 31))
    ],
]


def mart(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE SCHEMA marts; CREATE TABLE marts.kpi (period_grain VARCHAR, period_start DATE, "
        "dimension VARCHAR, dimension_value VARCHAR, kpi VARCHAR, numerator BIGINT, "
        "denominator BIGINT, value DOUBLE, suppressed BOOLEAN, kind VARCHAR)"
    )
    con.executemany("INSERT INTO marts.kpi VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def replace(rows: list[tuple], kpi: str, dimension_value: str, **changes) -> list[tuple]:
    columns = [
        "grain",
        "start",
        "dimension",
        "dimension_value",
        "kpi",
        "numerator",
        "denominator",
        "value",
        "suppressed",
        "kind",
    ]
    out = []
    for row in rows:
        if row[4] == kpi and row[3] == dimension_value:
            row = tuple(changes.get(c, v) for c, v in zip(columns, row, strict=True))
        out.append(row)
    return out


def failed(check: str, rows: list[tuple]) -> list[str]:
    with mart(rows) as con:
        return [o.name for o in BLOCKING_CHECKS[check](con) if not o.success]


def test_a_consistent_mart_passes_every_blocking_check() -> None:
    for check in BLOCKING_CHECKS:
        assert failed(check, GOOD) == [], check


@pytest.mark.parametrize(
    "check, broken",
    [
        (SHARES_CHECK, replace(GOOD, "consent_given_share", "all", value=1.25)),
        (SHARES_CHECK, replace(GOOD, "consent_given_share", "18-24", value=-0.1)),
        (QUANTILES_CHECK, replace(GOOD, "days_need_to_meeting:p75", "all", value=11)),
        (QUANTILES_CHECK, replace(GOOD, "days_need_to_meeting:p90", "all", value=19)),
        (BREAKDOWNS_CHECK, replace(GOOD, "consent_given_share", "25-44", numerator=4)),
        (BREAKDOWNS_CHECK, replace(GOOD, "consent_given_share", "all", denominator=11)),
    ],
    ids=[
        "share_above_1",
        "share_below_0",
        "p75_below_p50",
        "p90_below_p75",
        "numerators_dont_add_up",
        "denominators_dont_add_up",
    ],
)
def test_each_blocking_check_fails_on_a_mart_that_breaks_it(check: str, broken: list) -> None:
    assert failed(check, broken)
    assert all(failed(other, broken) == [] for other in BLOCKING_CHECKS if other != check)


def test_a_breakdown_with_a_suppressed_value_is_not_expected_to_add_up() -> None:
    # needs_identified by age band: 18-24 suppressed, so 9 != 10 is no error.
    assert failed(BREAKDOWNS_CHECK, GOOD) == []
    unsuppressed = replace(
        GOOD, "needs_identified", "18-24", numerator=2, value=2, suppressed=False
    )
    assert failed(BREAKDOWNS_CHECK, unsuppressed)


def test_the_blocking_checks_block_publishing() -> None:
    from assets.kpis.assets import kpi_mart

    specs = {spec.name: spec for spec in kpi_mart.check_specs}
    assert set(specs) == set(BLOCKING_CHECKS)
    assert all(spec.blocking for spec in specs.values())


@pytest.mark.parametrize("limit, passed", [(0.1, False), (0.25, True)])
def test_the_quarantine_share_warns_above_the_configured_limit(limit: float, passed: bool) -> None:
    result = quarantine_share_check({"accepted": 80, "quarantined": 20}, limit)
    assert result.passed is passed
    assert result.severity == AssetCheckSeverity.WARN
