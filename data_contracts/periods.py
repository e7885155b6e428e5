"""Periods (SPEC §4, §6): months, quarters and years, where each ends, and when one is complete.

The one place that says it, in SQL for the pipeline, its linkage model and the audit, and in
Python for the dashboards: "end of P" is the last day of P or the as-of date, whichever is
earlier; a period is complete when its last day is on or before the as-of date.
"""

from __future__ import annotations

from datetime import date, timedelta

GRAINS = ("month", "quarter", "year")
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
# grain -> the DuckDB interval of one period, for SQL that steps through periods
STEP_SQL = {grain: f"INTERVAL {months} MONTH" for grain, months in MONTHS_IN.items()}


def step_sql(grain_sql: str) -> str:
    """SQL: the interval of one period of the grain named by the expression `grain_sql`."""
    whens = " ".join(f"WHEN '{grain}' THEN {step}" for grain, step in STEP_SQL.items())
    return f"CASE {grain_sql} {whens} END"


def last_day_sql(grain_sql: str, start_sql: str) -> str:
    """SQL: the last day of the period (a DATE), whatever the as-of date."""
    return f"({start_sql} + {step_sql(grain_sql)} - INTERVAL 1 DAY)::DATE"


def period_end_sql(grain_sql: str, start_sql: str, as_of_sql: str) -> str:
    """SQL: "end of P", the last day of P or the as-of date, whichever is earlier."""
    return f"least({last_day_sql(grain_sql, start_sql)}, {as_of_sql})"


def period_complete_sql(grain_sql: str, start_sql: str, as_of_sql: str) -> str:
    """SQL: SPEC §6 `period_complete`, the period's last day is on or before the as-of date."""
    return f"({last_day_sql(grain_sql, start_sql)} <= {as_of_sql})"


def period_start(grain: str, day: date) -> date:
    """The first day of the period of `grain` that holds `day`."""
    month = (day.month - 1) // MONTHS_IN[grain] * MONTHS_IN[grain] + 1
    return date(day.year, month, 1)


def next_start(grain: str, start: date) -> date:
    months = start.year * 12 + start.month - 1 + MONTHS_IN[grain]
    return date(months // 12, months % 12 + 1, 1)


def last_day(grain: str, start: date) -> date:
    """The last day of the period that begins on `start`."""
    return next_start(grain, start) - timedelta(days=1)


def period_end(grain: str, start: date, as_of: date) -> date:
    """ "End of P": its last day or the as-of date, whichever is earlier."""
    return min(last_day(grain, start), as_of)


def is_complete(grain: str, start: date, as_of: date) -> bool:
    """SPEC §6 `period_complete`."""
    return last_day(grain, start) <= as_of
